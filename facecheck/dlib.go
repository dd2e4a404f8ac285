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
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"unsafe"

	"github.com/facegate/facegate/internal/atomicfile"
)

func dlibErr(op string, e *C.fg_err) error {
	return fmt.Errorf("%w: %s: %s", ErrDlib, op, C.GoString(&e.msg[0]))
}

// Predictor is a loaded landmark model. It is read-only once loaded and safe
// for concurrent use: load it once per process and share it.
type Predictor struct {
	m      *C.fg_shape_model // C memory; its arrays point into the model's bytes
	points int
}

// modelBytes holds a flat model outside Go's heap: a file mapped read-only
// (its pages the page cache's, shared with every process that maps it), or
// a C copy.
type modelBytes struct {
	m      *C.fg_shape_model
	mapped []byte         // from syscall.Mmap, or nil
	copied unsafe.Pointer // from C.CBytes, or nil
}

func (b modelBytes) free() {
	C.free(unsafe.Pointer(b.m))
	if b.mapped != nil {
		_ = syscall.Munmap(b.mapped)
	}
	if b.copied != nil {
		C.free(b.copied)
	}
}

// newPredictor wraps a flat model already checked by readFlat, whose bytes
// start at base; a cleanup frees it with its wrapper.
func newPredictor(sm shapeModel, base unsafe.Pointer, b modelBytes) *Predictor {
	m := (*C.fg_shape_model)(C.calloc(1, C.size_t(unsafe.Sizeof(C.fg_shape_model{}))))
	at := func(off int) unsafe.Pointer { return unsafe.Add(base, off) }
	*m = C.fg_shape_model{
		parts: C.int32_t(sm.parts), cascades: C.int32_t(sm.cascades), trees: C.int32_t(sm.trees),
		splits: C.int32_t(sm.splits), pixels: C.int32_t(sm.pixels),
		initial: (*C.float)(at(sm.offInitial())), anchors: (*C.uint32_t)(at(sm.offAnchors())),
		deltas: (*C.float)(at(sm.offDeltas())), split: (*C.fg_split)(at(sm.offSplits())),
		leaves: (*C.float)(at(sm.offLeaves())),
	}
	b.m = m
	pr := &Predictor{m: m, points: sm.parts}
	runtime.AddCleanup(pr, modelBytes.free, b)
	return pr
}

// predictorFromFlat copies a flat model into C memory.
func predictorFromFlat(flat []byte) (*Predictor, error) {
	sm, err := readFlat(flat)
	if err != nil {
		return nil, err
	}
	c := C.CBytes(flat)
	return newPredictor(sm, c, modelBytes{copied: c}), nil
}

// mapPredictor maps a flat model file read-only and checks it.
func mapPredictor(path string) (*Predictor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() < flatHeader || st.Size() > maxFlatBytes {
		return nil, shapeErr("%s: not a flat landmark model (%d bytes)", path, st.Size())
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", path, err)
	}
	sm, err := readFlat(b)
	if err != nil {
		_ = syscall.Munmap(b)
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return newPredictor(sm, unsafe.Pointer(&b[0]), modelBytes{mapped: b}), nil
}

// isFlat says whether the file at path starts as a flat model does.
func isFlat(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [len(flatMagic)]byte
	_, err = io.ReadFull(f, magic[:])
	return err == nil && string(magic[:]) == flatMagic
}

// LoadPredictor loads a landmark model from path: dlib's shape predictor
// (68- or 5-point) in dlib's format, read into facegate's flat form, or a
// flat model file (shapemodel.go), which is mapped as it is.
func LoadPredictor(path string) (*Predictor, error) {
	if isFlat(path) {
		return mapPredictor(path)
	}
	flat, err := readDlib(path)
	if err != nil {
		return nil, err
	}
	return predictorFromFlat(flat)
}

// readDlib reads a model file in dlib's format into the flat form.
func readDlib(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: %w", ErrDlib, path, err)
	}
	if st.Size() > maxDlibBytes {
		return nil, fmt.Errorf("%s: %w", path, shapeErr("%d bytes, more than a landmark model's %d", st.Size(), maxDlibBytes))
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: %w", ErrDlib, path, err)
	}
	flat, err := parseDlib(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return flat, nil
}

// LoadPredictorCached is LoadPredictor through a flat copy of the model
// kept in cacheDir: dlib's format takes about half a second to decode, the
// flat copy is mapped in milliseconds and its pages are shared by every
// process that maps it. The copy is made on first use (written to a
// temporary file, then renamed) and named after the model's path, size and
// modification time, so a changed model is read again. A copy that does
// not check out is made again; any other problem with the cache falls back
// to LoadPredictor. An empty cacheDir means no cache.
func LoadPredictorCached(path, cacheDir string) (*Predictor, error) {
	st, err := os.Stat(path)
	if err != nil || cacheDir == "" || isFlat(path) {
		return LoadPredictor(path)
	}
	abs, _ := filepath.Abs(path)
	h := fnv.New64a()
	h.Write([]byte(abs))
	flatPath := filepath.Join(cacheDir, fmt.Sprintf("%x-%d-%d.shape", h.Sum64(), st.Size(), st.ModTime().UnixNano()))
	if p, err := mapPredictor(flatPath); err == nil {
		return p, nil
	}
	flat, err := readDlib(path)
	if err != nil {
		return nil, err
	}
	write := func(w io.Writer) error { _, err := w.Write(flat); return err }
	if os.MkdirAll(cacheDir, 0o755) == nil && atomicfile.Write(flatPath, write) == nil {
		if p, err := mapPredictor(flatPath); err == nil {
			return p, nil
		}
	}
	return predictorFromFlat(flat)
}

// dlibPredictor is dlib's own shape_predictor, loaded by dlib's
// deserialise: the reference the flat model's landmarks are checked
// against in the tests, and nothing else.
type dlibPredictor struct {
	p      *C.fg_predictor
	points int
}

func loadDlibPredictor(path string) (*dlibPredictor, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var e C.fg_err
	var n C.int
	p := C.fg_predictor_load(cpath, &n, &e)
	if p == nil {
		return nil, dlibErr("load "+path, &e)
	}
	d := &dlibPredictor{p: p, points: int(n)}
	runtime.AddCleanup(d, func(p *C.fg_predictor) { C.fg_predictor_free(p) }, p)
	return d, nil
}

func (d *dlibPredictor) landmarks(img *image.Gray, box image.Rectangle) ([]image.Point, error) {
	return landmarksWith(img, box, d.points, func(pix *C.uint8_t, w, h, stride C.int, r C.fg_rect, xy *C.double, e *C.fg_err) C.int {
		defer runtime.KeepAlive(d)
		return C.fg_landmarks(d.p, pix, w, h, stride, r, xy, C.int(d.points), e)
	})
}

// Points is the number of landmarks the model predicts (68 or 5).
func (p *Predictor) Points() int { return p.points }

// Landmarks returns the predictor's points for the face in box.
func (p *Predictor) Landmarks(img *image.Gray, box image.Rectangle) ([]image.Point, error) {
	return landmarksWith(img, box, p.points, func(pix *C.uint8_t, w, h, stride C.int, r C.fg_rect, xy *C.double, e *C.fg_err) C.int {
		defer runtime.KeepAlive(p)
		return C.fg_shape(p.m, pix, w, h, stride, r, xy, C.int(p.points), e)
	})
}

type landmarkCall func(pix *C.uint8_t, w, h, stride C.int, r C.fg_rect, xy *C.double, e *C.fg_err) C.int

func landmarksWith(img *image.Gray, box image.Rectangle, points int, call landmarkCall) ([]image.Point, error) {
	if err := checkGray(img); err != nil {
		return nil, err
	}
	xy := make([]C.double, 2*points)
	var e C.fg_err
	b := img.Bounds()
	r := C.fg_rect{x: C.int32_t(box.Min.X - b.Min.X), y: C.int32_t(box.Min.Y - b.Min.Y), w: C.int32_t(box.Dx()), h: C.int32_t(box.Dy())}
	n := call((*C.uint8_t)(unsafe.Pointer(&img.Pix[0])), C.int(b.Dx()), C.int(b.Dy()), C.int(img.Stride), r, &xy[0], &e)
	runtime.KeepAlive(img)
	if n < 0 {
		return nil, dlibErr("landmarks", &e)
	}
	pts := make([]image.Point, min(int(n), points))
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
