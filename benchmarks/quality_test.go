package benchmarks

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/prevalidate"
)

// TestOutputMatchesLanczos: the fast path (a scaled decode in the DCT
// domain, then Lanczos) must look like the slow one (every pixel decoded,
// then Lanczos to the same size). Speed must not come from a worse filter.
// The figure is the mean absolute difference of luma, 0..255, and the
// fraction of pixels that differ by more than 8.
func TestOutputMatchesLanczos(t *testing.T) {
	testsupport.RequireNative(t)
	if testing.Short() {
		t.Skip("decodes six large photos in full")
	}
	for _, rel := range photos {
		data := load(t, rel)
		rep, out, err := prevalidate.Fix(context.Background(), bytes.NewReader(data), nil)
		if err != nil || out == nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if rep.Output.Cropped {
			continue
		}
		fast, err := jpeg.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		full, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		full = exif.Apply(full, exif.Orientation(rep.Orientation))
		ref := imaging.Resize(full, fast.Bounds().Dx(), fast.Bounds().Dy(), imaging.Lanczos)
		mean, far := lumaDiff(fast, ref)
		// The same with every pixel decoded: what the JPEG encode alone costs.
		_, slowOut, err := prevalidate.Fix(context.Background(), bytes.NewReader(data), &prevalidate.Options{FullDecode: true})
		if err != nil {
			t.Fatal(err)
		}
		slow, err := jpeg.Decode(bytes.NewReader(slowOut))
		if err != nil {
			t.Fatal(err)
		}
		// The face-aware size may differ by a few pixels (the face is
		// measured on other pixels): compare each with its own reference.
		slowRef := ref
		if slow.Bounds() != fast.Bounds() {
			slowRef = imaging.Resize(full, slow.Bounds().Dx(), slow.Bounds().Dy(), imaging.Lanczos)
		}
		base, baseFar := lumaDiff(slow, slowRef)
		t.Logf("%s: %dx%d, mean |Δluma| %.2f (full decode: %.2f), pixels off by more than 8: %.2f%% (%.2f%%)",
			rel, fast.Bounds().Dx(), fast.Bounds().Dy(), mean, base, 100*far, 100*baseFar)
		if mean > base+0.75 || far > baseFar+0.01 {
			t.Errorf("%s: the fast output is %.2f levels from a Lanczos reference, the full decode's %.2f", rel, mean, base)
		}
	}
}

func lumaDiff(a, b image.Image) (mean, far float64) {
	ab, bb := a.Bounds(), b.Bounds()
	var sum float64
	var n, off int
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			ya := color.GrayModel.Convert(a.At(ab.Min.X+x, ab.Min.Y+y)).(color.Gray).Y
			yb := color.GrayModel.Convert(b.At(bb.Min.X+x, bb.Min.Y+y)).(color.Gray).Y
			d := math.Abs(float64(ya) - float64(yb))
			sum += d
			if d > 8 {
				off++
			}
			n++
		}
	}
	return sum / float64(n), float64(off) / float64(n)
}
