package codec

import (
	"context"
	"fmt"
	"image"
	"math"

	"github.com/facegate/facegate/resize"
)

// FitOptions control EncodeFit, the byte-budget encoder. The zero value means Progeny's rules: at
// most 2,000,000 bytes, qualities 92 down to 70 in steps of 4.
type FitOptions struct {
	MaxBytes     int // byte budget; 0 = 2,000,000
	StartQuality int // first quality tried; 0 = 92
	MinQuality   int // quality floor, never gone under; 0 = 70
	Step         int // quality step; 0 = 4
	// MinWidth and MinHeight stop the shrinking at the quality floor: a
	// face that must keep its size in pixels sets them. When even that
	// size does not fit, EncodeFit returns it at the floor with Fits false.
	MinWidth, MinHeight int
}

func (o FitOptions) withDefaults() FitOptions {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 2_000_000
	}
	if o.StartQuality <= 0 {
		o.StartQuality = 92
	}
	if o.MinQuality <= 0 {
		o.MinQuality = 70
	}
	if o.MinQuality > o.StartQuality {
		o.MinQuality = o.StartQuality
	}
	if o.Step <= 0 {
		o.Step = 4
	}
	return o
}

// Encoded is a JPEG that EncodeFit produced.
type Encoded struct {
	Data          []byte
	Quality       int
	Width, Height int
	// Attempts counts the encodes it took.
	Attempts int
	// Fits is false only when MinWidth/MinHeight kept it over MaxBytes.
	Fits bool
}

// EncodeFit scales src to w x h (once, from src) and encodes a baseline JPEG,
// lowering the quality from StartQuality towards MinQuality until it fits
// MaxBytes. If it does not fit at the floor, it scales src down further, by
// the square root of the size ratio, and tries again at the floor. The
// result carries no metadata. The returned error is ctx's, or an encoder's.
func EncodeFit(ctx context.Context, src image.Image, w, h int, opts FitOptions) (Encoded, error) {
	o := opts.withDefaults()
	var data []byte
	attempts := 0
	q := o.StartQuality
	for {
		img := resize.Flatten(resize.Scale(src, w, h))
		for {
			if err := ctx.Err(); err != nil {
				return Encoded{}, err
			}
			attempts++
			var err error
			if data, err = EncodeJPEG(img, q); err != nil {
				return Encoded{}, fmt.Errorf("encode JPEG: %w", err)
			}
			if len(data) <= o.MaxBytes {
				out := Encoded{Data: data, Quality: q, Width: w, Height: h, Attempts: attempts, Fits: true}
				return out, nil
			}
			if q == o.MinQuality {
				break
			}
			q = max(q-o.Step, o.MinQuality)
		}
		if w == 1 && h == 1 {
			return Encoded{}, fmt.Errorf("encode JPEG: a 1x1 image does not fit %d bytes", o.MaxBytes)
		}
		if (o.MinWidth > 0 && w <= o.MinWidth) || (o.MinHeight > 0 && h <= o.MinHeight) {
			return Encoded{Data: data, Quality: q, Width: w, Height: h, Attempts: attempts}, nil
		}
		f := math.Sqrt(float64(o.MaxBytes)/float64(len(data))) * 0.95
		if o.MinWidth > 0 {
			f = max(f, float64(o.MinWidth)/float64(w))
		}
		if o.MinHeight > 0 {
			f = max(f, float64(o.MinHeight)/float64(h))
		}
		w, h = resize.Shrink(w, h, f)
	}
}
