package prevalidate

import (
	"context"
	"fmt"
	"image"
	"log/slog"
	"os"
	"path/filepath"
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
	// Faces measures faces when the profile has face rules. nil =
	// DefaultAnalyzer(), loaded once per process.
	Faces FaceFinder
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

var (
	defaultOnce     sync.Once
	defaultAnalyzer *facecheck.Analyzer
	defaultErr      error
)

// DefaultAnalyzer loads dlib's 68-point landmark model once per process,
// from where models.Find looks ($FACEGATE_MODELS, ./models,
// /usr/share/dlib), and returns an Analyzer that shares it. The error says
// which file is missing and how to install it (errors.Is models.ErrNotFound).
func DefaultAnalyzer() (*facecheck.Analyzer, error) {
	defaultOnce.Do(func() {
		defaultAnalyzer, defaultErr = LoadAnalyzer(nil)
	})
	return defaultAnalyzer, defaultErr
}

// LoadAnalyzer finds, verifies and loads the 68-point landmark model and
// returns a new Analyzer. opts.Path names the model file explicitly. A raw
// copy of the parsed model is kept in $FACEGATE_CACHE (default: the user's
// cache folder, such as ~/.cache/facegate; "off" keeps none), which makes
// the next process load it in tens of milliseconds instead of a second.
func LoadAnalyzer(opts *models.Options) (*facecheck.Analyzer, error) {
	path, err := models.Find(models.Landmarks68, opts)
	if err != nil {
		return nil, err
	}
	cache := modelCacheDir()
	facecheck.Prepare(cache)
	pred, err := facecheck.LoadPredictorCached(path, cache)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return facecheck.NewAnalyzer(pred), nil
}

// modelCacheDir is where the parsed landmark model is kept between runs,
// or "" for nowhere.
func modelCacheDir() string {
	switch dir := os.Getenv("FACEGATE_CACHE"); dir {
	case "off":
		return ""
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		return filepath.Join(base, "facegate")
	default:
		return dir
	}
}
