package facecheck

// #cgo CXXFLAGS: -std=c++14 -O3 -Wno-deprecated-declarations
// #cgo LDFLAGS: -ldlib -lblas -llapack -ljpeg -lpng -lz -lpthread
// #include <stdlib.h>
// #include <dlib/revision.h>
// #include "dlib.h"
import "C"

import (
	"fmt"
	"hash/fnv"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"unsafe"
)

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
	return newPredictor(p, n), nil
}

// newPredictor wraps a loaded model; a cleanup frees it with its wrapper.
func newPredictor(p *C.fg_predictor, points C.int) *Predictor {
	pr := &Predictor{p: p, points: int(points)}
	runtime.AddCleanup(pr, func(p *C.fg_predictor) { C.fg_predictor_free(p) }, p)
	return pr
}

// LoadPredictorCached is LoadPredictor through a raw copy of the parsed
// model kept in cacheDir: dlib's format takes about a second to parse, the
// raw copy tens of milliseconds. The copy is made on first use (written
// to a temporary file, then renamed) and named after the model's path,
// size and modification time and dlib's version (the copy holds dlib's
// private members, see dlib.cc), so a changed model or another dlib parses
// the model again. Any
// problem with the cache falls back to LoadPredictor; an empty cacheDir
// means no cache.
func LoadPredictorCached(path, cacheDir string) (*Predictor, error) {
	st, err := os.Stat(path)
	if err != nil || cacheDir == "" {
		return LoadPredictor(path)
	}
	abs, _ := filepath.Abs(path)
	h := fnv.New64a()
	h.Write([]byte(abs))
	raw := filepath.Join(cacheDir, fmt.Sprintf("%x-%d-%d-dlib%s.raw", h.Sum64(), st.Size(), st.ModTime().UnixNano(), DlibVersion()))
	if p, err := loadRaw(raw); err == nil {
		return p, nil
	}
	p, err := LoadPredictor(path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cacheDir, 0o755); err == nil {
		tmp := fmt.Sprintf("%s.%d.tmp", raw, os.Getpid())
		if p.saveRaw(tmp) == nil {
			_ = os.Rename(tmp, raw)
		}
		_ = os.Remove(tmp)
	}
	return p, nil
}

func loadRaw(path string) (*Predictor, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var e C.fg_err
	var n C.int
	p := C.fg_predictor_load_raw(cpath, &n, &e)
	if p == nil {
		return nil, dlibErr("load raw "+path, &e)
	}
	return newPredictor(p, n), nil
}

func (p *Predictor) saveRaw(path string) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var e C.fg_err
	rc := C.fg_predictor_save_raw(p.p, cpath, &e)
	runtime.KeepAlive(p)
	if rc < 0 {
		return dlibErr("save raw "+path, &e)
	}
	return nil
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
	det.cleanup = runtime.AddCleanup(det, func(d *C.fg_detector) { C.fg_detector_free(d) }, d)
	return det, nil
}

// Prepare builds dlib's detector model, which the first NewDetector in a
// process otherwise does (0.3-0.7 s, decompressing the model embedded in
// dlib). With a cacheDir it reads a plain copy kept there instead (a few
// milliseconds), writing one on first use. Call it before the first
// detector; later calls do nothing.
func Prepare(cacheDir string) {
	var e C.fg_err
	if cacheDir == "" || os.MkdirAll(cacheDir, 0o755) != nil {
		C.fg_detector_prepare(nil, &e)
		return
	}
	cpath := C.CString(filepath.Join(cacheDir, fmt.Sprintf("frontal_face_detector-dlib%d.%d.dat", C.DLIB_MAJOR_VERSION, C.DLIB_MINOR_VERSION)))
	defer C.free(unsafe.Pointer(cpath))
	C.fg_detector_prepare(cpath, &e)
}

// Close frees the detector's memory now rather than after a garbage
// collection. The detector must not be used afterwards.
func (d *Detector) Close() {
	if d.d != nil {
		d.cleanup.Stop()
		C.fg_detector_free(d.d)
		d.d = nil
	}
}

// Detect finds faces in img, best first. upsample doubles the image that
// many times first, to find faces smaller than about 80 px.
func (d *Detector) Detect(img *image.Gray, upsample int) ([]Detection, error) {
	return d.detect(img, upsample, 0, 0)
}

// DetectLevels is Detect on part of dlib's image pyramid (each level 5/6
// the size of the one before, faces about 80 px on the level they are
// found on): it skips the first skip levels, then searches levels of them
// (0 = all that remain). DetectLevels(img, 0, n) and DetectLevels(img, n,
// 0) together search what Detect searches.
func (d *Detector) DetectLevels(img *image.Gray, skip, levels int) ([]Detection, error) {
	return d.detect(img, 0, max(skip, 0), max(levels, 0))
}

func (d *Detector) detect(img *image.Gray, upsample, skip, levels int) ([]Detection, error) {
	if err := checkGray(img); err != nil {
		return nil, err
	}
	if d.d == nil {
		return nil, fmt.Errorf("%w: detector closed", ErrDlib)
	}
	out := make([]C.fg_rect, maxFaces)
	var e C.fg_err
	b := img.Bounds()
	n := C.fg_detect(d.d, (*C.uint8_t)(unsafe.Pointer(&img.Pix[0])), C.int(b.Dx()), C.int(b.Dy()), C.int(img.Stride), C.int(upsample), C.int(skip), C.int(levels), &out[0], maxFaces, &e)
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

// DlibVersion is the version of dlib facegate was built with.
func DlibVersion() string {
	return fmt.Sprintf("%d.%d.%d", C.DLIB_MAJOR_VERSION, C.DLIB_MINOR_VERSION, C.DLIB_PATCH_VERSION)
}
