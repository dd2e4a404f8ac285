package prevalidate

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"

	"github.com/facegate/facegate/facecheck"
	"github.com/facegate/facegate/models"
)

// Default safety limits, checked from the header before any pixel is decoded.
const (
	DefaultMaxInputBytes = 50_000_000  // 50 MB
	DefaultMaxPixels     = 100_000_000 // 100 megapixels
)

// Options configure Check and Fix. The zero value is the progeny profile
// with the default limits and the shared default face analyzer.
type Options struct {
	Profile       *Profile     // nil = Progeny()
	MaxInputBytes int64        // 0 = DefaultMaxInputBytes
	MaxPixels     int64        // 0 = DefaultMaxPixels
	Logger        *slog.Logger // nil = slog.Default()
	// Faces measures faces when the profile has face rules. nil = the
	// default analyzer for Detector, loaded once per process.
	Faces FaceFinder
	// Detector picks the default face detector when Faces is nil:
	// DetectorBlazeFace ("" means it) or DetectorHOG.
	Detector string
	// Landmarks puts each face's landmark points in the report.
	Landmarks bool
	// Crop lets Fix crop around the face when scaling the whole image to
	// the recommended height would make the face too small. Off, Fix keeps
	// a larger height instead (within the size and byte limits).
	Crop bool
	// FullDecode decodes every pixel of a JPEG. Off (the default), a JPEG
	// is decoded at the smallest of libjpeg-turbo's 1/8..8/8 scales that
	// still covers the output Fix would make and keeps a face of the
	// minimum size measurable; measurements are reported in the input's
	// pixels either way.
	FullDecode bool
	// AllFaces finds and reports every face down to the minimum face size.
	// Off (the default), faces under the TOO_MANY_FACES share (0.5) of the
	// largest are not looked for, as no rule counts them: a photo whose
	// face is large is then searched at about a quarter of the cost.
	AllFaces bool
	// ISO computes each face's ISO/IEC 29794-5 quality components (package
	// quality/iso: OFIQ's definitions, from dlib's 68 landmarks) into
	// Face.ISO. A profile rule that judges a component computes them too.
	ISO bool
	// CoverMaps reads each face's surface even when no rule asks, and keeps
	// the face-surface model's covered map in facecheck.Face.Cover (for
	// drawing it).
	CoverMaps bool
}

// FaceFinder finds and measures the faces of an upright image, largest
// first, in its coordinates. *facecheck.Analyzer is the default one;
// facecheck/goface adapts go-face.
type FaceFinder interface {
	Find(ctx context.Context, img image.Image, opts *facecheck.FindOptions) ([]facecheck.Face, error)
}

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.Profile == nil {
		v.Profile = Progeny()
	}
	if v.MaxInputBytes <= 0 {
		v.MaxInputBytes = DefaultMaxInputBytes
	}
	if v.MaxPixels <= 0 {
		v.MaxPixels = DefaultMaxPixels
	}
	if v.Logger == nil {
		v.Logger = slog.Default()
	}
	return v
}

// Face detectors.
const (
	// DetectorBlazeFace is the default: MediaPipe's BlazeFace on ONNX
	// Runtime finds each face and its eyes on a copy of at most 256 px,
	// and dlib's 68 points are fitted on the face turned upright.
	DetectorBlazeFace = "blazeface"
	// DetectorHOG is dlib's HOG frontal face detector, for dlib alone.
	DetectorHOG = "hog"
)

// AnalyzerOptions say which detector to load and where its files are.
// The zero value loads the default detector from the default places
// (see package models).
type AnalyzerOptions struct {
	Detector  string         // DetectorBlazeFace ("" means it) or DetectorHOG
	Landmarks models.Options // dlib's 68-point (or 5-point) landmark model
	// BlazeFace is the detector's ONNX model and Runtime the ONNX Runtime
	// library; neither is read by the HOG detector.
	BlazeFace models.Options
	Runtime   models.Options
	// Surface is the face-surface model (what covers a face, whether it is
	// a person's); the zero value uses the copy built into facegate.
	Surface models.Options
	// NoSurface loads no face-surface model: the rules that read it
	// (FACE_OCCLUDED, EYES_NOT_VISIBLE, EYE_GLARE, FACE_NOT_FOUND's
	// human-face score) then judge nothing.
	NoSurface bool
	// Recapture is the re-capture model (a photo of a print or a screen?);
	// the zero value uses the copy built into facegate.
	Recapture models.Options
	// NoRecapture loads no re-capture model: RECAPTURED then judges
	// nothing.
	NoRecapture bool
	// NoSecondLook: the BlazeFace analyzer reports no face when BlazeFace
	// finds none, without searching again with dlib's HOG detector.
	NoSecondLook bool
	// Cache is the folder in which the parsed landmark model (and, with
	// HOG, the detector) and the files' verified digests are kept between
	// runs: "" = $FACEGATE_CACHE, or else the user's cache folder (such as
	// ~/.cache/facegate); "off" = none. A models.Options.Cache of its own
	// wins. The model files are found as package models says: from these
	// options, else the same environment variables as the facegate
	// command's (FACEGATE_MODELS, FACEGATE_ONNXRUNTIME, FACEGATE_SURFACE,
	// FACEGATE_RECAPTURE).
	Cache string
}

func (o *AnalyzerOptions) detector() (string, error) {
	if o == nil || o.Detector == "" {
		return DetectorBlazeFace, nil
	}
	switch o.Detector {
	case DetectorBlazeFace, DetectorHOG:
		return o.Detector, nil
	}
	return "", fmt.Errorf("unknown face detector %q (known: %s, %s)", o.Detector, DetectorBlazeFace, DetectorHOG)
}

type loaded struct {
	once sync.Once
	a    *facecheck.Analyzer
	err  error
}

var defaults = map[string]*loaded{DetectorBlazeFace: {}, DetectorHOG: {}}

// DefaultAnalyzer loads the default detector (BlazeFace) and dlib's
// 68-point landmark model once per process, from where models.Find looks,
// and returns an Analyzer that shares them. The error says which file is
// missing and how to get it (errors.Is models.ErrNotFound).
func DefaultAnalyzer() (*facecheck.Analyzer, error) { return defaultAnalyzer(DetectorBlazeFace) }

// defaultAnalyzer is DefaultAnalyzer for a named detector.
func defaultAnalyzer(detector string) (*facecheck.Analyzer, error) {
	if detector == "" {
		detector = DetectorBlazeFace
	}
	l, ok := defaults[detector]
	if !ok {
		_, err := (&AnalyzerOptions{Detector: detector}).detector()
		return nil, err
	}
	l.once.Do(func() { l.a, l.err = LoadAnalyzer(&AnalyzerOptions{Detector: detector}) })
	return l.a, l.err
}

// ErrLoad marks the error of face models that did not load when the
// first image needed them (LazyAnalyzer): a failure of the setup, not of
// the image, which Check and Fix return as their error (errors.Is). Its
// message names the file and how to get it.
var ErrLoad = errors.New("the face models did not load")

// LazyAnalyzer is a FaceFinder that loads its models (LoadAnalyzer) when
// the first image needs them, once, whichever goroutine asks first; the
// others wait for that load. A process that only reads headers, refuses
// its inputs or prints its version never pays for them (about 0.2 s and
// 100 MB). Set it as Options.Faces; Load loads ahead, as a service does
// before it says it is ready.
type LazyAnalyzer struct {
	opts AnalyzerOptions
	once sync.Once
	a    *facecheck.Analyzer
	err  error
}

// NewLazyAnalyzer returns a LazyAnalyzer that loads with opts (nil: the
// defaults) when first used. The options are copied; what can be checked
// without loading (the detector's name) is checked here.
func NewLazyAnalyzer(opts *AnalyzerOptions) (*LazyAnalyzer, error) {
	l := &LazyAnalyzer{}
	if opts != nil {
		l.opts = *opts
	}
	if _, err := l.opts.detector(); err != nil {
		return nil, err
	}
	return l, nil
}

// Load loads the models, the first time it is called, and returns the
// Analyzer; every later call returns the same Analyzer, or the same error
// (errors.Is ErrLoad).
func (l *LazyAnalyzer) Load() (*facecheck.Analyzer, error) {
	l.once.Do(func() {
		l.a, l.err = LoadAnalyzer(&l.opts)
		if l.err != nil {
			l.err = fmt.Errorf("%w: %w", ErrLoad, l.err)
		}
	})
	return l.a, l.err
}

// Find loads the models if they are not yet, then finds the faces.
func (l *LazyAnalyzer) Find(ctx context.Context, img image.Image, opts *facecheck.FindOptions) ([]facecheck.Face, error) {
	a, err := l.Load()
	if err != nil {
		return nil, err
	}
	return a.Find(ctx, img, opts)
}

// LoadAnalyzer finds, verifies and loads the landmark model and the
// detector's files, and returns a new Analyzer. A flat copy of the
// landmark model is kept in AnalyzerOptions.Cache, which the next process
// maps in about a millisecond instead of reading dlib's format (over half
// a second), and so are the files' verified digests (models.Options.Cache),
// so the next process does not hash 135 MB again. ONNX Runtime is loaded
// once per process; a second library path is an error. LazyAnalyzer calls
// it when the first image needs it.
func LoadAnalyzer(opts *AnalyzerOptions) (*facecheck.Analyzer, error) {
	det, err := opts.detector()
	if err != nil {
		return nil, err
	}
	var o AnalyzerOptions
	if opts != nil {
		o = *opts
	}
	cache := o.withCache()
	var bf *facecheck.BlazeFace
	var surface *facecheck.SurfaceModel
	var recapture *facecheck.RecaptureModel
	if det == DetectorBlazeFace || !o.NoSurface || !o.NoRecapture {
		// ONNX Runtime first: its files are the ones a new machine lacks.
		lib, err := models.Find(models.ONNXRuntime, &o.Runtime)
		if err != nil {
			return nil, err
		}
		if err := facecheck.LoadRuntime(lib); err != nil {
			return nil, err
		}
	}
	if det == DetectorBlazeFace {
		model, err := models.Find(models.BlazeFace256, &o.BlazeFace)
		if err != nil {
			return nil, err
		}
		if bf, err = facecheck.NewBlazeFace(model); err != nil {
			return nil, err
		}
	}
	if !o.NoSurface {
		data, from, err := models.SurfaceBytes(&o.Surface)
		if err != nil {
			return nil, err
		}
		if surface, err = facecheck.NewSurfaceModel(data); err != nil {
			return nil, fmt.Errorf("face-surface model (%s): %w", from, err)
		}
	}
	if !o.NoRecapture {
		// Its session starts when a rule first reads it.
		data, from, err := models.RecaptureBytes(&o.Recapture)
		if err != nil {
			return nil, err
		}
		if recapture, err = facecheck.NewRecaptureModel(data); err != nil {
			return nil, fmt.Errorf("re-capture model (%s): %w", from, err)
		}
	}
	path, err := models.Find(models.Landmarks68, &o.Landmarks)
	if err != nil {
		return nil, err
	}
	if det == DetectorHOG {
		facecheck.Prepare(cache)
	}
	pred, err := facecheck.LoadPredictorCached(path, cache)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	a := facecheck.NewAnalyzer(pred)
	if bf != nil {
		a = facecheck.NewKeypointAnalyzer(pred, bf)
		a.SetSecondLook(!o.NoSecondLook)
		// The second look's HOG detector: from the cache's copy, and only
		// when a photo first needs one.
		a.SetDetectorCache(cache)
	}
	a.SetSurface(surface)
	a.SetRecapture(recapture)
	return a, nil
}

// withCache sets each model's digest cache to the options' cache folder
// where the model has none of its own, and returns that folder.
func (o *AnalyzerOptions) withCache() string {
	cache := models.CacheDir(o.Cache)
	for _, m := range []*models.Options{&o.Landmarks, &o.BlazeFace, &o.Runtime, &o.Surface, &o.Recapture} {
		if m.Cache == "" {
			m.Cache = cache
		}
	}
	return cache
}

// WithCache returns a copy of the options in which each model's
// models.Options.Cache is the folder Cache names (as LoadAnalyzer uses
// it), for finding the files as LoadAnalyzer does, verified digests
// remembered, without loading them.
func (o *AnalyzerOptions) WithCache() *AnalyzerOptions {
	c := *o
	c.withCache()
	return &c
}
