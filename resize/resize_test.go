package resize

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"slices"
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

// The kernel keeps the horizontal pass's rows in a ring only as long as
// the vertical pass reads them; its output is bit for bit the one it
// gives with every row kept, for shrinks, enlargements, box filters and
// weights whose windows move back.
func TestRingMatchesEveryRow(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range [][4]int{{301, 203, 200, 135}, {301, 203, 120, 81}, {97, 61, 301, 203}, {640, 480, 17, 13}, {5, 400, 3, 7}, {1, 1, 1, 1}} {
		sw, sh, dw, dh := c[0], c[1], c[2], c[3]
		src := make([]byte, sw*sh)
		for i := range src {
			src[i] = byte(r.IntN(256))
		}
		fy := newFilter(sh, dh)
		// Weights whose windows move back: the rows in reverse order.
		back := filter{start: slices.Clone(fy.start), weights: slices.Clone(fy.weights)}
		slices.Reverse(back.start)
		slices.Reverse(back.weights)
		for name, f := range map[string][2]filter{
			"lanczos": {newFilter(sw, dw), fy},
			"reverse": {newFilter(sw, dw), back},
		} {
			fx, fy := f[0].flat(8), f[1].flat(1)
			full := make([]byte, dw*dh)
			rows := sh + fy.taps
			kernelScalePlane(src, sw, sh, sw, full, dw, dh, dw, fx, fy, make([]float32, sw+fx.taps), make([]float32, rows*dw), rows)
			got := make([]byte, dw*dh)
			runKernel(got, dw, dw, dh, src, sw, sw, sh, fx, fy)
			if !bytes.Equal(got, full) {
				t.Errorf("%v %s: the ring's output differs from every row's", c, name)
			}
		}
		if dw <= sw && dh <= sh {
			want := make([]byte, dw*dh)
			fx, fy := boxFilter(sw, dw).flat(8), boxFilter(sh, dh).flat(1)
			rows := sh + fy.taps
			kernelScalePlane(src, sw, sh, sw, want, dw, dh, dw, fx, fy, make([]float32, sw+fx.taps), make([]float32, rows*dw), rows)
			got := make([]byte, dw*dh)
			AreaPlane(got, dw, dw, dh, src, sw, sw, sh)
			if !bytes.Equal(got, want) {
				t.Errorf("%v: AreaPlane's ring differs from every row's", c)
			}
		}
	}
}
