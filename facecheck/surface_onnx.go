//go:build cgo

package facecheck

import (
	"fmt"
	"image"

	ort "github.com/yalue/onnxruntime_go"
)

// SurfaceModel is facegate's face-surface model (models/facesurface: the
// backbone of MediaPipe's face landmark network with an occlusion map and a
// human-face head trained for facegate), run by ONNX Runtime on the
// aligned crop of a face. It is safe for concurrent use: a pool of
// sessions, one per goroutine at a time, each on one thread.
type SurfaceModel struct {
	model    []byte
	sessions pool[*surfaceSession]
}

type surfaceSession struct {
	s      *ort.AdvancedSession
	in     *ort.Tensor[float32]
	occ    *ort.Tensor[float32]
	human  *ort.Tensor[float32]
	flag   *ort.Tensor[float32]
	pixels []uint8 // the crop, RGB
}

// Names of the model's input and outputs.
const (
	surfaceInput    = "crop"
	surfaceOccluded = "occluded"
	surfaceHuman    = "human"
	surfacePresence = "presence"
)

// NewSurfaceModel checks the model's inputs and outputs and starts a first
// session. LoadRuntime must have succeeded.
func NewSurfaceModel(data []byte) (*SurfaceModel, error) {
	if err := runtimeLoaded(); err != nil {
		return nil, err
	}
	if len(data) > maxModelBytes {
		return nil, fmt.Errorf("%w: face-surface model over %d bytes", ErrRuntime, maxModelBytes)
	}
	ins, outs, err := onnxIO(data)
	if err != nil {
		return nil, fmt.Errorf("%w: face-surface model: %v", ErrRuntime, err)
	}
	if len(ins) != 1 || ins[0].Name != surfaceInput || fmt.Sprint(ins[0].Dims) != fmt.Sprint([]int64{1, 3, SurfaceSize, SurfaceSize}) {
		return nil, fmt.Errorf("%w: not facegate's face-surface model (want one input %q of 1x3x%dx%d)", ErrRuntime, surfaceInput, SurfaceSize, SurfaceSize)
	}
	want := map[string]bool{surfaceOccluded: true, surfaceHuman: true, surfacePresence: true}
	for _, o := range outs {
		delete(want, o.Name)
	}
	if len(want) != 0 || len(outs) != 3 {
		return nil, fmt.Errorf("%w: not facegate's face-surface model (want outputs %s, %s, %s)", ErrRuntime, surfaceOccluded, surfaceHuman, surfacePresence)
	}
	m := &SurfaceModel{model: data}
	s, err := m.newSession()
	if err != nil {
		return nil, err
	}
	m.sessions.put(s, (*surfaceSession).destroy)
	return m, nil
}

func (m *SurfaceModel) newSession() (*surfaceSession, error) {
	s := &surfaceSession{pixels: make([]uint8, 3*SurfaceSize*SurfaceSize)}
	fail := func(e error) (*surfaceSession, error) {
		s.destroy()
		return nil, fmt.Errorf("%w: %v", ErrRuntime, e)
	}
	var err error
	if s.in, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 3, SurfaceSize, SurfaceSize)); err != nil {
		return fail(err)
	}
	if s.occ, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 1, SurfaceGrid, SurfaceGrid)); err != nil {
		return fail(err)
	}
	if s.human, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 1)); err != nil {
		return fail(err)
	}
	if s.flag, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 1)); err != nil {
		return fail(err)
	}
	s.s, err = startSession(m.model, []string{surfaceInput},
		[]string{surfaceOccluded, surfaceHuman, surfacePresence},
		[]ort.Value{s.in}, []ort.Value{s.occ, s.human, s.flag})
	if err != nil {
		return fail(err)
	}
	return s, nil
}

func (s *surfaceSession) destroy() {
	if s.s != nil {
		s.s.Destroy()
	}
	for _, t := range []*ort.Tensor[float32]{s.in, s.occ, s.human, s.flag} {
		if t != nil {
			t.Destroy()
		}
	}
}

// Measure reads the surface of a face with 68 landmarks in img's
// coordinates. withMap keeps the covered map in the result.
func (m *SurfaceModel) Measure(img image.Image, f *Face, withMap bool) (Cover, error) {
	crop, ok := CropOf(f.Landmarks)
	if !ok {
		return Cover{}, fmt.Errorf("face-surface model needs 68 landmarks, the face has %d", len(f.Landmarks))
	}
	s, ok, err := m.sessions.get(m.newSession)
	if !ok {
		return Cover{}, fmt.Errorf("%w: face-surface model closed", ErrRuntime)
	}
	if err != nil {
		return Cover{}, err
	}
	defer m.sessions.put(s, (*surfaceSession).destroy)
	crop.sample(img, s.pixels)
	in := s.in.GetData()
	const plane = SurfaceSize * SurfaceSize
	for i := range plane {
		p := s.pixels[3*i:]
		in[i] = float32(p[0]) / 255
		in[plane+i] = float32(p[1]) / 255
		in[2*plane+i] = float32(p[2]) / 255
	}
	if err := s.s.Run(); err != nil {
		return Cover{}, fmt.Errorf("%w: %v", ErrRuntime, err)
	}
	c := Cover{Human: float64(s.human.GetData()[0]), Presence: float64(s.flag.GetData()[0]), Crop: crop}
	lm := make([][2]float64, len(f.Landmarks))
	for i, p := range f.Landmarks {
		lm[i] = crop.ToCrop(p)
	}
	prob := s.occ.GetData()
	c.shares(lm, prob, s.pixels, crop.inside(img.Bounds()))
	if withMap {
		c.Map = append([]float32(nil), prob...)
	}
	return c, nil
}

// Close frees the idle sessions; sessions in use are freed when handed
// back. The model must not be used afterwards.
func (m *SurfaceModel) Close() { m.sessions.close((*surfaceSession).destroy) }
