//go:build !cgo

package facecheck

import (
	"fmt"
	"image"
)

// A build without cgo has the measures, the pose solver and BlazeFace's
// decoding, but no dlib and no ONNX Runtime: every call that needs them
// returns an error wrapping ErrUnavailable.

func unavailable(what string, kind error) error {
	return fmt.Errorf("%w: %s: %w", kind, what, ErrUnavailable)
}

// Predictor is a landmark model; without cgo none can be loaded.
type Predictor struct{ points int }

// LoadPredictor needs dlib: without cgo it returns ErrUnavailable.
func LoadPredictor(path string) (*Predictor, error) {
	return nil, unavailable("load "+path, ErrDlib)
}

// LoadPredictorCached needs dlib: without cgo it returns ErrUnavailable.
func LoadPredictorCached(path, cacheDir string) (*Predictor, error) { return LoadPredictor(path) }

// Points is the number of landmarks the model predicts.
func (p *Predictor) Points() int { return p.points }

// Landmarks needs dlib: without cgo it returns ErrUnavailable.
func (p *Predictor) Landmarks(img *image.Gray, box image.Rectangle) ([]image.Point, error) {
	return nil, unavailable("landmarks", ErrDlib)
}

// Detector is dlib's HOG detector; without cgo none can be made.
type Detector struct{}

// NewDetector needs dlib: without cgo it returns ErrUnavailable.
func NewDetector() (*Detector, error) { return nil, unavailable("new detector", ErrDlib) }

// Prepare does nothing without cgo.
func Prepare(cacheDir string) {}

// Close does nothing without cgo.
func (d *Detector) Close() {}

// Detect needs dlib: without cgo it returns ErrUnavailable.
func (d *Detector) Detect(img *image.Gray, upsample int) ([]Detection, error) {
	return nil, unavailable("detect", ErrDlib)
}

// DetectLevels needs dlib: without cgo it returns ErrUnavailable.
func (d *Detector) DetectLevels(img *image.Gray, skip, levels int) ([]Detection, error) {
	return d.Detect(img, 0)
}

// DlibVersion is "" without cgo: no dlib is linked.
func DlibVersion() string { return "" }

// LoadRuntime needs cgo: without it, it returns ErrUnavailable.
func LoadRuntime(path string) error { return unavailable("load "+path, ErrRuntime) }

// BlazeFace is the keypoint detector; without cgo none can be made.
type BlazeFace struct {
	spec     blazeSpec
	sessions pool[*blazeSession]
}

// NewBlazeFace needs ONNX Runtime: without cgo it returns ErrUnavailable.
func NewBlazeFace(modelPath string) (*BlazeFace, error) {
	return nil, unavailable("load "+modelPath, ErrRuntime)
}

// Size is the side of the detector's square input, in pixels.
func (b *BlazeFace) Size() int { return b.spec.size }

// Close does nothing without cgo.
func (b *BlazeFace) Close() {}

type blazeSession struct{}

func (b *BlazeFace) get() (*blazeSession, error) { return nil, unavailable("session", ErrRuntime) }

func (b *BlazeFace) put(*blazeSession) {}

func (b *BlazeFace) detect(s *blazeSession, img image.Image, v view, reuse bool, minScore, cut float64, weak *[]KeyFace) ([]KeyFace, error) {
	return nil, unavailable("detect", ErrRuntime)
}

// RuntimeVersion is "" without cgo: no runtime can be loaded.
func RuntimeVersion() (version, path string) { return "", "" }

// SurfaceModel is the face-surface model; without cgo none can be loaded.
type SurfaceModel struct{}

// NewSurfaceModel needs ONNX Runtime: without cgo it returns ErrUnavailable.
func NewSurfaceModel(data []byte) (*SurfaceModel, error) {
	return nil, unavailable("load the face-surface model", ErrRuntime)
}

// Measure needs ONNX Runtime: without cgo it returns ErrUnavailable.
func (m *SurfaceModel) Measure(img image.Image, f *Face, withMap bool) (Cover, error) {
	return Cover{}, unavailable("face surface", ErrRuntime)
}

// Close does nothing without cgo.
func (m *SurfaceModel) Close() {}

// RecaptureModel is the re-capture model; without cgo none can be loaded.
type RecaptureModel struct{}

// NewRecaptureModel needs ONNX Runtime: without cgo it returns ErrUnavailable.
func NewRecaptureModel(data []byte) (*RecaptureModel, error) {
	return nil, unavailable("load the re-capture model", ErrRuntime)
}

// Measure needs ONNX Runtime: without cgo it returns ErrUnavailable.
func (m *RecaptureModel) Measure(img image.Image, f *Face) (Recapture, error) {
	return Recapture{}, unavailable("re-capture", ErrRuntime)
}

// Close does nothing without cgo.
func (m *RecaptureModel) Close() {}
