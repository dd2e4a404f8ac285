// Package goface adapts github.com/Kagami/go-face to facegate, for
// services that already run go-face: its face.Face results (a rectangle and
// 5 or 68 landmark points) become facecheck measurements, and Finder plugs
// a go-face recognizer into prevalidate in place of the default analyzer.
//
// go-face links dlib, BLAS, cblas (Debian: libatlas-base-dev) and libjpeg.
// facegate's own facecheck package stays the default: go-face's Recognizer
// needs dlib's 22 MB ResNet model and computes a descriptor for every face,
// which facegate does not use.
package goface

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"

	face "github.com/Kagami/go-face"
	"github.com/facegate/facegate/facecheck"
)

// Measure turns one go-face result into facegate's measurements. Its
// Shapes must hold 68 or 5 points (go-face's Recognizer gives 5 with
// shape_predictor_5_face_landmarks.dat, 68 with the 68-point model).
func Measure(f face.Face) (facecheck.Face, error) {
	m, err := facecheck.Measure(f.Rectangle, 0, f.Shapes)
	if err != nil {
		return facecheck.Face{}, fmt.Errorf("go-face result at %v: %w", f.Rectangle, err)
	}
	return m, nil
}

// MeasureAll measures every result, largest Size first, as
// facecheck.Analyzer.Find orders them.
func MeasureAll(faces []face.Face) ([]facecheck.Face, error) {
	out := make([]facecheck.Face, 0, len(faces))
	for _, f := range faces {
		m, err := Measure(f)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	facecheck.SortBySize(out)
	return out, nil
}

// Finder finds faces with go-face. Recognize is usually a Recognizer's
// method value (rec.Recognize); it receives the upright image as a JPEG,
// since go-face reads only JPEG bytes. A Recognizer is not safe for
// concurrent use: guard it, or give each worker its own Finder.
type Finder struct {
	Recognize func(jpeg []byte) ([]face.Face, error)
	Quality   int // JPEG quality of the image handed over; 0 = 95
}

// Find implements prevalidate's face finder.
func (f Finder) Find(ctx context.Context, img image.Image, _ *facecheck.FindOptions) ([]facecheck.Face, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q := f.Quality
	if q <= 0 {
		q = 95
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		return nil, fmt.Errorf("encode for go-face: %w", err)
	}
	faces, err := f.Recognize(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("go-face: %w", err)
	}
	// go-face reports in the JPEG's coordinates, which start at 0.
	b := img.Bounds().Min
	for i := range faces {
		faces[i].Rectangle = faces[i].Rectangle.Add(b)
		pts := make([]image.Point, len(faces[i].Shapes))
		for j, p := range faces[i].Shapes {
			pts[j] = p.Add(b)
		}
		faces[i].Shapes = pts
	}
	return MeasureAll(faces)
}
