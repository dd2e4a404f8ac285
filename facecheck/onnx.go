//go:build cgo

package facecheck

import (
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"slices"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

var (
	rtMu   sync.Mutex
	rtPath string // the library loaded, once loaded
)

// LoadRuntime loads ONNX Runtime's shared library (version 1.24) from path
// and starts its environment, once per process. Later calls with the same
// path do nothing; another path is an error, since a process can hold
// only one. A path that does not load leaves nothing loaded, so a later
// call may try another.
func LoadRuntime(path string) error {
	rtMu.Lock()
	defer rtMu.Unlock()
	if rtPath != "" {
		if path != rtPath {
			return fmt.Errorf("%w: already loaded from %s, cannot load %s too", ErrRuntime, rtPath, path)
		}
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("%w: %v", ErrRuntime, err)
	}
	ort.SetSharedLibraryPath(path)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("%w: load %s: %v", ErrRuntime, path, err)
	}
	rtPath = path
	return nil
}

// BlazeFace is MediaPipe's BlazeFace face detector, run by ONNX Runtime.
// It finds faces with six keypoints (eyes, nose tip, mouth, ears) on a
// copy of at most 256×256 pixels, so its cost does not grow with the
// photo. It is safe for concurrent use: it keeps a pool of sessions, one
// per goroutine at a time, each on one thread.
type BlazeFace struct {
	spec     blazeSpec
	anchors  [][2]float64
	groups   [2]int // anchors in each of the two output groups
	model    []byte
	sessions pool[*blazeSession]
}

// runtimeLoaded is an error (ErrRuntime) until LoadRuntime has succeeded.
func runtimeLoaded() error {
	rtMu.Lock()
	defer rtMu.Unlock()
	if rtPath == "" {
		return fmt.Errorf("%w: not loaded (call LoadRuntime first)", ErrRuntime)
	}
	return nil
}

// startSession starts a session of an ONNX model, bound to these tensors,
// as every model of facegate's runs: on one thread, its nodes in sequence,
// without ONNX Runtime's CPU memory arena (a pool of sessions serves
// concurrent callers, and the arena kept every session's peak).
func startSession(model []byte, inNames, outNames []string, ins, outs []ort.Value) (*ort.AdvancedSession, error) {
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	for _, set := range []func() error{
		func() error { return opts.SetIntraOpNumThreads(1) },
		func() error { return opts.SetInterOpNumThreads(1) },
		func() error { return opts.SetExecutionMode(ort.ExecutionModeSequential) },
		func() error { return opts.SetCpuMemArena(false) },
	} {
		if err := set(); err != nil {
			return nil, err
		}
	}
	return ort.NewAdvancedSessionWithONNXData(model, inNames, outNames, ins, outs, opts)
}

// NewBlazeFace reads a BlazeFace model (the 256 px back-camera model or
// the 128 px front one, as ONNX with MediaPipe's outputs) and checks it
// by starting a first session. LoadRuntime must have succeeded.
func NewBlazeFace(modelPath string) (*BlazeFace, error) {
	if err := runtimeLoaded(); err != nil {
		return nil, err
	}
	f, err := os.Open(modelPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxModelBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", modelPath, err)
	}
	if len(data) > maxModelBytes {
		return nil, fmt.Errorf("%s: over %d bytes, not a BlazeFace model", modelPath, maxModelBytes)
	}
	b := &BlazeFace{model: data}
	b.spec, err = blazeSpecOf(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", modelPath, err)
	}
	b.anchors = b.spec.anchors()
	first := (b.spec.size / b.spec.strides[0]) * (b.spec.size / b.spec.strides[0]) * 2
	b.groups = [2]int{first, len(b.anchors) - first}
	s, err := b.newSession()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", modelPath, err)
	}
	b.put(s)
	return b, nil
}

// blazeSpecOf reads the model's input size from its graph and picks the
// anchor layout for it.
func blazeSpecOf(data []byte) (blazeSpec, error) {
	ins, outs, err := onnxIO(data)
	if err != nil {
		return blazeSpec{}, fmt.Errorf("%w: %v", ErrRuntime, err)
	}
	if len(ins) != 1 || len(ins[0].Dims) != 4 || len(outs) != 4 {
		return blazeSpec{}, fmt.Errorf("%w: not a BlazeFace model (want one NHWC input and four outputs)", ErrRuntime)
	}
	d := ins[0].Dims
	for _, spec := range []blazeSpec{blazeBack, blazeFront} {
		if d[1] == int64(spec.size) && d[2] == int64(spec.size) && d[3] == 3 {
			return spec, nil
		}
	}
	return blazeSpec{}, fmt.Errorf("%w: input %v is neither BlazeFace's 256 nor its 128 layout", ErrRuntime, d)
}

// Size is the side of the detector's square input, in pixels.
func (b *BlazeFace) Size() int { return b.spec.size }

// blazeSession is one ONNX Runtime session with its tensors.
type blazeSession struct {
	s      *ort.AdvancedSession
	in     *ort.Tensor[float32]
	out    [4]*ort.Tensor[float32] // logits of both groups, then coordinates
	logits []float32               // both groups, in anchor order
	coords []float32
	small  []uint8 // scratch for the resampled view
}

func (b *BlazeFace) newSession() (*blazeSession, error) {
	S := int64(b.spec.size)
	s := &blazeSession{}
	var err error
	fail := func(e error) (*blazeSession, error) {
		s.destroy()
		return nil, fmt.Errorf("%w: %v", ErrRuntime, e)
	}
	if s.in, err = ort.NewEmptyTensor[float32](ort.NewShape(1, S, S, 3)); err != nil {
		return fail(err)
	}
	shapes := []ort.Shape{
		ort.NewShape(1, int64(b.groups[0]), 1), ort.NewShape(1, int64(b.groups[1]), 1),
		ort.NewShape(1, int64(b.groups[0]), blazeCoords), ort.NewShape(1, int64(b.groups[1]), blazeCoords),
	}
	outs := make([]ort.Value, 4)
	for i, sh := range shapes {
		if s.out[i], err = ort.NewEmptyTensor[float32](sh); err != nil {
			return fail(err)
		}
		outs[i] = s.out[i]
	}
	s.s, err = startSession(b.model, []string{"input:0"},
		[]string{"Identity:0", "Identity_1:0", "Identity_2:0", "Identity_3:0"}, []ort.Value{s.in}, outs)
	if err != nil {
		return fail(err)
	}
	n := b.groups[0] + b.groups[1]
	s.logits, s.coords = make([]float32, n), make([]float32, n*blazeCoords)
	return s, nil
}

func (s *blazeSession) destroy() {
	if s.s != nil {
		s.s.Destroy()
	}
	if s.in != nil {
		s.in.Destroy()
	}
	for _, t := range s.out {
		if t != nil {
			t.Destroy()
		}
	}
}

// run fills the input from the view of img and runs the model; place
// alone (no resampling) when reuse is true and the view's content is the
// one the last run resampled.
func (b *BlazeFace) run(s *blazeSession, img image.Image, v view, reuse bool) error {
	in := s.in.GetData()
	if reuse && len(s.small) == 3*v.rw*v.rh {
		v.place(s.small, in, padValue)
	} else {
		s.small = v.fill(img, in, padValue, s.small)
	}
	forwards.Add(1)
	if err := s.s.Run(); err != nil {
		return fmt.Errorf("%w: %v", ErrRuntime, err)
	}
	copy(s.logits, s.out[0].GetData())
	copy(s.logits[b.groups[0]:], s.out[1].GetData())
	copy(s.coords, s.out[2].GetData())
	copy(s.coords[b.groups[0]*blazeCoords:], s.out[3].GetData())
	return nil
}

// detect runs one view and returns its faces (weighted NMS within the
// view) in the image's coordinates: those scoring minScore and more, and
// those from cut (<= minScore) that overlap none of them. The two are
// merged apart, so a face's reading does not depend on cut. With weak
// set, the view's candidates under minScore, down to guideScore (merged
// apart again), are appended to it too: the places a second look
// searches (see lookAgain). They cost no forward and change no face.
func (b *BlazeFace) detect(s *blazeSession, img image.Image, v view, reuse bool, minScore, cut float64, weak *[]KeyFace) ([]KeyFace, error) {
	if err := b.run(s, img, v, reuse); err != nil {
		return nil, err
	}
	floor := min(cut, minScore)
	if weak != nil {
		floor = min(floor, guideScore)
	}
	all := decodeBlaze(b.spec, b.anchors, s.logits, s.coords, floor)
	var strong, mid, low []rawFace
	for _, f := range all {
		switch {
		case f.score >= minScore:
			strong = append(strong, f)
		case f.score >= cut:
			mid = append(mid, f)
		default:
			low = append(low, f)
		}
	}
	raw := weightedNMS(strong, nmsIoU)
	for _, w := range weightedNMS(mid, nmsIoU) {
		if !slices.ContainsFunc(raw, func(f rawFace) bool { return rawIoU(f, w) > nmsIoU }) {
			raw = append(raw, w)
		}
	}
	out := make([]KeyFace, 0, len(raw))
	for _, f := range raw {
		out = append(out, v.keyFace(f))
	}
	if weak != nil {
		for _, k := range out {
			if k.Score < minScore {
				*weak = append(*weak, k)
			}
		}
		for _, w := range weightedNMS(low, nmsIoU) {
			if !slices.ContainsFunc(raw, func(f rawFace) bool { return rawIoU(f, w) > nmsIoU }) {
				*weak = append(*weak, v.keyFace(w))
			}
		}
	}
	return out, nil
}

// keyFace is a face found on the view, in the image's coordinates.
func (v view) keyFace(f rawFace) KeyFace {
	k := KeyFace{Score: f.score, Scale: v.scale(), Turn: v.turn}
	x0, y0 := v.toImage(f.x0, f.y0)
	x1, y1 := v.toImage(f.x1, f.y1)
	k.Box = [4]float64{math.Min(x0, x1), math.Min(y0, y1), math.Max(x0, x1), math.Max(y0, y1)}
	for i, p := range f.pts {
		k.Points[i][0], k.Points[i][1] = v.toImage(p[0], p[1])
	}
	return k
}

func (b *BlazeFace) get() (*blazeSession, error) {
	s, ok, err := b.sessions.get(b.newSession)
	if !ok {
		return nil, fmt.Errorf("%w: detector closed", ErrRuntime)
	}
	return s, err
}

func (b *BlazeFace) put(s *blazeSession) { b.sessions.put(s, (*blazeSession).destroy) }

// Close frees the idle sessions; sessions in use are freed when they are
// handed back. The detector must not be used afterwards.
func (b *BlazeFace) Close() { b.sessions.close((*blazeSession).destroy) }

// RuntimeVersion is the version of the ONNX Runtime library loaded, and
// its path; "" before LoadRuntime.
func RuntimeVersion() (version, path string) {
	rtMu.Lock()
	defer rtMu.Unlock()
	if rtPath == "" {
		return "", ""
	}
	return ort.GetVersion(), rtPath
}
