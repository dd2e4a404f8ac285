package resize

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"
)

func TestPlan(t *testing.T) {
	progeny := Limits{MaxHeight: 1080, MaxSide: 4096, MinSide: 480}
	for _, c := range []struct{ w, h, ow, oh int }{
		{512, 512, 512, 512},
		{3264, 2448, 1440, 1080},
		{3024, 4032, 810, 1080},
		{4608, 1976, 2519, 1080},
		{1000, 3000, 480, 1440},
		{9000, 1000, 4096, 455}, // MaxSide wins; the result is under MinSide, and the rules say so
		{300, 200, 300, 200},    // never scaled up
	} {
		if w, h := Plan(c.w, c.h, progeny); w != c.ow || h != c.oh {
			t.Errorf("Plan(%d, %d) = %dx%d, want %dx%d", c.w, c.h, w, h, c.ow, c.oh)
		}
	}
	if w, h := Plan(5000, 5000, Limits{}); w != 5000 || h != 5000 {
		t.Errorf("no limits: %dx%d", w, h)
	}
}

func noise(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	return img
}

func TestEncodeFitStepsDownThenShrinks(t *testing.T) {
	img := noise(1200, 1000)
	// Noise does not compress: at 300 kB the ladder reaches the floor and
	// then the size must shrink.
	enc, err := EncodeFit(context.Background(), img, 1200, 1000, FitOptions{MaxBytes: 300_000})
	if err != nil {
		t.Fatal(err)
	}
	if len(enc.Data) > 300_000 || enc.Quality != 70 || enc.Width >= 1200 || enc.Attempts < 8 {
		t.Errorf("got %d bytes, q%d, %dx%d after %d encodes", len(enc.Data), enc.Quality, enc.Width, enc.Height, enc.Attempts)
	}
	dec, err := jpeg.Decode(bytes.NewReader(enc.Data))
	if err != nil || dec.Bounds().Dx() != enc.Width || dec.Bounds().Dy() != enc.Height {
		t.Fatalf("decoded %v, %v", dec.Bounds(), err)
	}
	// A generous budget fits at the start quality in one encode.
	enc, err = EncodeFit(context.Background(), img, 600, 500, FitOptions{})
	if err != nil || enc.Quality != 92 || enc.Attempts != 1 || enc.Width != 600 {
		t.Errorf("generous budget: q%d after %d encodes, %dx%d, %v", enc.Quality, enc.Attempts, enc.Width, enc.Height, err)
	}
}

func TestEncodeFitHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := EncodeFit(ctx, noise(64, 64), 64, 64, FitOptions{}); err == nil {
		t.Fatal("no error from a cancelled context")
	}
}

func BenchmarkEncodeFit1080p(b *testing.B) {
	img := noise(1440, 1080)
	for b.Loop() {
		if _, err := EncodeFit(context.Background(), img, 1440, 1080, FitOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// A face that must keep its pixels sets a floor: the encoder stops there
// and says the result does not fit, instead of shrinking the face away.
func TestEncodeFitKeepsMinimumSize(t *testing.T) {
	img := noise(1200, 1000)
	enc, err := EncodeFit(context.Background(), img, 1200, 1000, FitOptions{MaxBytes: 300_000, MinHeight: 900})
	if err != nil {
		t.Fatal(err)
	}
	if enc.Height < 900 || enc.Fits || len(enc.Data) <= 300_000 || enc.Quality != 70 {
		t.Fatalf("%dx%d q%d %d bytes fits=%v", enc.Width, enc.Height, enc.Quality, len(enc.Data), enc.Fits)
	}
	enc, err = EncodeFit(context.Background(), img, 1200, 1000, FitOptions{MaxBytes: 300_000, MinHeight: 200})
	if err != nil || !enc.Fits || enc.Height < 200 || len(enc.Data) > 300_000 {
		t.Fatalf("floor 200: %dx%d %d bytes fits=%v %v", enc.Width, enc.Height, len(enc.Data), enc.Fits, err)
	}
}

// The planar path (YCbCr and grey) filters like imaging's Lanczos on RGBA.
func TestScalePlanarMatchesLanczos(t *testing.T) {
	src := image.NewYCbCr(image.Rect(0, 0, 301, 203), image.YCbCrSubsampleRatio444)
	for y := range 203 {
		for x := range 301 {
			// Stripes, a ramp and a disc: edges in both directions.
			v := uint8((x * 255) / 301)
			if (x/7)%2 == 0 {
				v /= 2
			}
			if (x-150)*(x-150)+(y-100)*(y-100) < 60*60 {
				v = 255 - v
			}
			src.Y[src.YOffset(x, y)] = v
			src.Cb[src.COffset(x, y)] = uint8(y)
			src.Cr[src.COffset(x, y)] = uint8(255 - y)
		}
	}
	nrgba := image.NewNRGBA(src.Rect)
	draw.Draw(nrgba, nrgba.Rect, src, image.Point{}, draw.Src)
	for _, size := range [][2]int{{200, 135}, {120, 81}, {301, 150}} {
		got := Scale(src, size[0], size[1])
		if _, ok := got.(*image.YCbCr); !ok {
			t.Fatalf("%v: %T, want *image.YCbCr", size, got)
		}
		want := imaging.Resize(nrgba, size[0], size[1], imaging.Lanczos)
		var sum, worst float64
		b := got.Bounds()
		for y := range b.Dy() {
			for x := range b.Dx() {
				g := color.GrayModel.Convert(got.At(x, y)).(color.Gray).Y
				w := color.GrayModel.Convert(want.At(x, y)).(color.Gray).Y
				d := math.Abs(float64(g) - float64(w))
				sum += d
				worst = max(worst, d)
			}
		}
		if mean := sum / float64(b.Dx()*b.Dy()); mean > 1.0 {
			t.Errorf("%v: mean luma difference %.2f from imaging's Lanczos (worst %.0f)", size, mean, worst)
		}
	}
	g := &image.Gray{Pix: src.Y, Stride: src.YStride, Rect: src.Rect}
	if out, ok := Scale(g, 100, 70).(*image.Gray); !ok || out.Bounds().Dx() != 100 {
		t.Errorf("grey: %T", Scale(g, 100, 70))
	}
}
