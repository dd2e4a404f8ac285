package facecheck

// #cgo CXXFLAGS: -std=c++14 -O2 -Wno-deprecated-declarations
// #cgo LDFLAGS: -ldlib -lblas -llapack -ljpeg -lpng -lz -lpthread
// #include <stdlib.h>
// #include "dlib.h"
import "C"

import (
	"errors"
	"fmt"
	"image"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// ErrDlib is wrapped by every error that dlib reports.
var ErrDlib = errors.New("dlib")

func dlibErr(op string, e *C.fg_err) error {
	return fmt.Errorf("%w: %s: %s", ErrDlib, op, C.GoString(&e.msg[0]))
}

// Predictor is a loaded landmark model. It is read-only once loaded and safe
// for concurrent use: load it once per process and share it.
type Predictor struct {
	p      *C.fg_predictor
	points int
}

// LoadPredictor loads a dlib shape predictor (68- or 5-point) from path.
func LoadPredictor(path string) (*Predictor, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var e C.fg_err
	var n C.int
	p := C.fg_predictor_load(cpath, &n, &e)
	if p == nil {
		return nil, dlibErr("load "+path, &e)
	}
	pr := &Predictor{p: p, points: int(n)}
	runtime.AddCleanup(pr, func(p *C.fg_predictor) { C.fg_predictor_free(p) }, p)
	return pr, nil
}

// Points is the number of landmarks the model predicts (68 or 5).
func (p *Predictor) Points() int { return p.points }

// Landmarks returns the predictor's points for the face in box.
func (p *Predictor) Landmarks(img *image.Gray, box image.Rectangle) ([]image.Point, error) {
	if err := checkGray(img); err != nil {
		return nil, err
	}
	xy := make([]C.double, 2*p.points)
	var e C.fg_err
	b := img.Bounds()
	r := C.fg_rect{x: C.int32_t(box.Min.X - b.Min.X), y: C.int32_t(box.Min.Y - b.Min.Y), w: C.int32_t(box.Dx()), h: C.int32_t(box.Dy())}
	n := C.fg_landmarks(p.p, (*C.uint8_t)(unsafe.Pointer(&img.Pix[0])), C.int(b.Dx()), C.int(b.Dy()), C.int(img.Stride), r, &xy[0], C.int(p.points), &e)
	runtime.KeepAlive(p)
	runtime.KeepAlive(img)
	if n < 0 {
		return nil, dlibErr("landmarks", &e)
	}
	pts := make([]image.Point, min(int(n), p.points))
	for i := range pts {
		pts[i] = image.Pt(int(xy[2*i])+b.Min.X, int(xy[2*i+1])+b.Min.Y)
	}
	return pts, nil
}

// Detection is one face found by the detector.
type Detection struct {
	Box   image.Rectangle
	Score float64
}

// Detector is dlib's HOG frontal face detector. It is not safe for
// concurrent use: use one per goroutine (they are cheap to create), or an
// Analyzer, which pools them.
type Detector struct {
	d       *C.fg_detector
	cleanup runtime.Cleanup
}

// NewDetector creates a detector.
func NewDetector() (*Detector, error) {
	var e C.fg_err
	d := C.fg_detector_new(&e)
	if d == nil {
		return nil, dlibErr("new detector", &e)
	}
	det := &Detector{d: d}
	det.cleanup = runtime.AddCleanup(det, func(d *C.fg_detector) { freedByCleanup.Add(1); C.fg_detector_free(d) }, d)
	return det, nil
}

// Prepare builds dlib's detector model, which the first NewDetector in a
// process otherwise does (0.3-0.5 s). Run it in a goroutine while the
// landmark model loads, and the two overlap on a second core.
func Prepare() {
	if d, err := NewDetector(); err == nil {
		d.Close()
	}
}

// freedByCleanup counts detectors freed by their cleanup (for the soak test).
var freedByCleanup atomic.Int64

// Close frees the detector's memory now rather than after a garbage
// collection. The detector must not be used afterwards.
func (d *Detector) Close() {
	if d.d != nil {
		d.cleanup.Stop()
		C.fg_detector_free(d.d)
		d.d = nil
	}
}

// maxFaces bounds how many detections are copied out.
const maxFaces = 256

// Detect finds faces in img, best first. upsample doubles the image that
// many times first, to find faces smaller than about 80 px.
func (d *Detector) Detect(img *image.Gray, upsample int) ([]Detection, error) {
	if err := checkGray(img); err != nil {
		return nil, err
	}
	if d.d == nil {
		return nil, fmt.Errorf("%w: detector closed", ErrDlib)
	}
	out := make([]C.fg_rect, maxFaces)
	var e C.fg_err
	b := img.Bounds()
	n := C.fg_detect(d.d, (*C.uint8_t)(unsafe.Pointer(&img.Pix[0])), C.int(b.Dx()), C.int(b.Dy()), C.int(img.Stride), C.int(upsample), &out[0], maxFaces, &e)
	runtime.KeepAlive(d)
	runtime.KeepAlive(img)
	if n < 0 {
		return nil, dlibErr("detect", &e)
	}
	dets := make([]Detection, min(int(n), maxFaces))
	for i := range dets {
		r := out[i]
		dets[i] = Detection{
			Box:   image.Rect(int(r.x), int(r.y), int(r.x+r.w), int(r.y+r.h)).Add(b.Min),
			Score: float64(r.score),
		}
	}
	return dets, nil
}

func checkGray(img *image.Gray) error {
	if img == nil || img.Bounds().Dx() < 2 || img.Bounds().Dy() < 2 || len(img.Pix) == 0 {
		return fmt.Errorf("%w: invalid image: need at least 2x2 pixels", ErrDlib)
	}
	return nil
}
