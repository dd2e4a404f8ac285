package prevalidate

import (
	"context"
	"image"
	"math"

	"github.com/facegate/facegate/facecheck"
	"github.com/facegate/facegate/internal/geom"
	"github.com/facegate/facegate/quality"
)

// Quality is what the quality step measured, for the report.
type Quality struct {
	// Sharpness is the variance of the Laplacian over the face's inner
	// region (brows to chin) resampled to an eye distance of 64 px, or over
	// the whole image resampled to 512 px on the long side when there is no
	// face (Region says which).
	Sharpness float64          `json:"sharpness"`
	Exposure  quality.Exposure `json:"exposure"`
	Region    string           `json:"region"` // "face" or "image"
	// JPEGQuality is the input's IJG quality estimated from its luminance
	// table, 1..100; -1 when it cannot be known (not a JPEG, or a table
	// that is not a scaled standard one).
	JPEGQuality int `json:"jpeg_quality"`
	// Retouch is what the largest face shows of skin smoothing and boosted
	// colour (FILTERED's measures), when it has 68 landmarks.
	Retouch *quality.Retouch `json:"retouch,omitempty"`
	// Recapture is the re-capture model's reading of the largest face
	// (RECAPTURED's measure), when a rule reads it.
	Recapture *Recapture `json:"recapture,omitempty"`
}

// stepQuality measures sharpness and exposure on the face (or the whole
// image) and the JPEG quality of the input bytes.
func stepQuality(_ context.Context, s *state) (bool, error) {
	q := &Quality{JPEGQuality: -1, Region: "image"}
	if s.m.Format == FormatJPEG {
		q.JPEGQuality = quality.JPEGQuality(s.data)
	}
	b := s.img.Bounds()
	region, scale := b, float64(quality.NormSide)/float64(max(b.Dx(), b.Dy()))
	if f := s.m.face(); f != nil && f.IPD > 0 {
		wf := f.Scaled(s.scale()) // as it is on the decoded image
		region, scale, q.Region = innerFace(&wf).Intersect(b), quality.NormIPD/wf.IPD, "face"
		// MeasureRetouch needs 68 landmarks (ok is false without them).
		if r, ok := quality.MeasureRetouch(s.img, wf.Landmarks, wf.IPD); ok {
			r.SkinDetail, r.EyeDetail, r.Texture = round3(r.SkinDetail), round3(r.EyeDetail), round3(r.Texture)
			r.SkinSaturation, r.Chroma99 = round3(r.SkinSaturation), round3(r.Chroma99)
			q.Retouch = &r
		}
	}
	q.Sharpness = round1(quality.Sharpness(s.img, region, scale))
	e := quality.MeasureExposure(s.img, region)
	q.Exposure = quality.Exposure{Mean: round1(e.Mean), Dark: round3(e.Dark), Bright: round3(e.Bright)}
	s.m.Quality = q
	return false, nil
}

// innerFace is the box of the landmarks from the brows down (68 points), or
// the detector's box: skin and features, little hair or background.
func innerFace(f *facecheck.Face) image.Rectangle {
	if len(f.Landmarks) != 68 {
		return f.Box
	}
	r := geom.Bounds(f.Landmarks[17:])
	for _, p := range f.Landmarks[:17] { // the jaw line bounds the sides and the chin
		r.Min.X, r.Max.X, r.Max.Y = min(r.Min.X, p.X), max(r.Max.X, p.X+1), max(r.Max.Y, p.Y+1)
	}
	return r
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
