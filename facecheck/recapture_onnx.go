//go:build cgo

package facecheck

import (
	"fmt"
	"image"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// RecaptureModel is the re-capture model (models/recapture: the two
// MiniFASNet networks of minivision-ai/Silent-Face-Anti-Spoofing in one
// ONNX graph), run by ONNX Runtime on two crops of a face. It is safe for
// concurrent use: one session, started when first needed, on one thread,
// taken in turn (a read takes 5-7 ms; a session per goroutine would cost
// each about 11 MB of resident memory).
type RecaptureModel struct {
	model  []byte
	mu     sync.Mutex
	s      *recaptureSession
	closed bool
}

type recaptureSession struct {
	s     *ort.AdvancedSession
	in    [2]*ort.Tensor[float32]
	probs *ort.Tensor[float32]
	row   []uint8
}

// Names of the model's inputs and output.
const (
	recaptureIn27  = "crop27"
	recaptureIn40  = "crop40"
	recaptureProbs = "probs"
)

// NewRecaptureModel checks the model's inputs and outputs; its sessions
// start when the first face is measured. LoadRuntime must have succeeded.
func NewRecaptureModel(data []byte) (*RecaptureModel, error) {
	if err := runtimeLoaded(); err != nil {
		return nil, err
	}
	if len(data) > maxModelBytes {
		return nil, fmt.Errorf("%w: re-capture model over %d bytes", ErrRuntime, maxModelBytes)
	}
	ins, outs, err := onnxIO(data)
	if err != nil {
		return nil, fmt.Errorf("%w: re-capture model: %v", ErrRuntime, err)
	}
	crop := fmt.Sprint([]int64{1, 3, RecaptureSize, RecaptureSize})
	if len(ins) != 2 || ins[0].Name != recaptureIn27 || ins[1].Name != recaptureIn40 ||
		fmt.Sprint(ins[0].Dims) != crop || fmt.Sprint(ins[1].Dims) != crop ||
		len(outs) != 1 || outs[0].Name != recaptureProbs || fmt.Sprint(outs[0].Dims) != fmt.Sprint([]int64{2, 3}) {
		return nil, fmt.Errorf("%w: not facegate's re-capture model (want inputs %s and %s of 1x3x%dx%d, output %s of 2x3)",
			ErrRuntime, recaptureIn27, recaptureIn40, RecaptureSize, RecaptureSize, recaptureProbs)
	}
	return &RecaptureModel{model: data}, nil
}

func (m *RecaptureModel) newSession() (*recaptureSession, error) {
	s := &recaptureSession{}
	fail := func(e error) (*recaptureSession, error) {
		s.destroy()
		return nil, fmt.Errorf("%w: %v", ErrRuntime, e)
	}
	var err error
	for i := range s.in {
		if s.in[i], err = ort.NewEmptyTensor[float32](ort.NewShape(1, 3, RecaptureSize, RecaptureSize)); err != nil {
			return fail(err)
		}
	}
	if s.probs, err = ort.NewEmptyTensor[float32](ort.NewShape(2, 3)); err != nil {
		return fail(err)
	}
	s.s, err = startSession(m.model, []string{recaptureIn27, recaptureIn40},
		[]string{recaptureProbs}, []ort.Value{s.in[0], s.in[1]}, []ort.Value{s.probs})
	if err != nil {
		return fail(err)
	}
	return s, nil
}

func (s *recaptureSession) destroy() {
	if s.s != nil {
		s.s.Destroy()
	}
	for _, t := range []*ort.Tensor[float32]{s.in[0], s.in[1], s.probs} {
		if t != nil {
			t.Destroy()
		}
	}
}

// Measure reads how likely a face with 68 landmarks in img's coordinates
// is a live one rather than a print or a screen photographed.
func (m *RecaptureModel) Measure(img image.Image, f *Face) (Recapture, error) {
	x, y, w, h, ok := RecaptureBox(f.Landmarks)
	if !ok {
		return Recapture{}, fmt.Errorf("re-capture model needs 68 landmarks, the face has %d", len(f.Landmarks))
	}
	b := img.Bounds()
	if b.Dx() < 2 || b.Dy() < 2 {
		return Recapture{}, fmt.Errorf("re-capture model: image of %dx%d", b.Dx(), b.Dy())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Recapture{}, fmt.Errorf("%w: re-capture model closed", ErrRuntime)
	}
	if m.s == nil {
		s, err := m.newSession()
		if err != nil {
			return Recapture{}, err
		}
		m.s = s
	}
	s := m.s
	if len(s.row) < 3*b.Dx() {
		s.row = make([]uint8, 3*b.Dx())
	}
	for i, scale := range recaptureScales {
		r := recaptureCrop(b.Dx(), b.Dy(), x-float64(b.Min.X), y-float64(b.Min.Y), w, h, scale)
		sampleRecapture(img, r, s.in[i].GetData(), s.row)
	}
	if err := s.s.Run(); err != nil {
		return Recapture{}, fmt.Errorf("%w: %v", ErrRuntime, err)
	}
	p := s.probs.GetData()
	rc := Recapture{Nets: [2]float64{float64(p[1]), float64(p[4])}}
	rc.Live = (rc.Nets[0] + rc.Nets[1]) / 2
	rc.Box = image.Rect(int(x+0.5), int(y+0.5), int(x+w+0.5), int(y+h+0.5))
	return rc, nil
}

// Close frees the session, once a read in progress ends. The model must
// not be used afterwards.
func (m *RecaptureModel) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.s != nil {
		m.s.destroy()
		m.s = nil
	}
	m.closed = true
}
