package luma

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

func ramp(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			g.SetGray(x, y, color.Gray{uint8(20 * x)})
		}
	}
	return g
}

// Area weighs each input by how much of it an output covers.
func TestArea(t *testing.T) {
	g := ramp(9, 6)
	s := Area(g, g.Bounds(), 6, 4) // each output covers 1.5 inputs
	for x := range 6 {
		lo := 1.5 * float64(x)
		var want float64
		for i := range 9 {
			cover := math.Min(float64(i+1), lo+1.5) - math.Max(float64(i), lo)
			want += math.Max(cover, 0) * float64(20*i) / 1.5
		}
		if got := float64(s.GrayAt(x, 2).Y); math.Abs(got-want) > 0.6 {
			t.Errorf("x=%d: %v, want %.1f", x, got, want)
		}
	}
	// The same pixels as NRGBA (converted) and as YCbCr (read in place)
	// give the same luma.
	n := image.NewNRGBA(g.Bounds())
	yc := image.NewYCbCr(g.Bounds(), image.YCbCrSubsampleRatio420)
	for y := range 6 {
		for x := range 9 {
			v := g.GrayAt(x, y).Y
			n.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
			yc.Y[yc.YOffset(x, y)] = v
		}
	}
	for name, img := range map[string]image.Image{"nrgba": n, "ycbcr": yc} {
		if got := Area(img, img.Bounds(), 6, 4); string(got.Pix) != string(s.Pix) {
			t.Errorf("%s: %v, grey gave %v", name, got.Pix, s.Pix)
		}
	}
	// A sub-rectangle is resampled from its own pixels, at the origin.
	sub := Area(g, image.Rect(3, 0, 9, 6), 3, 3)
	if sub.Rect != image.Rect(0, 0, 3, 3) || sub.GrayAt(0, 0).Y != 70 {
		t.Errorf("sub-rectangle: %v %v", sub.Rect, sub.Pix)
	}
	// Larger than the region: bilinear, never out of range.
	up := Area(g, image.Rect(0, 0, 2, 2), 4, 4)
	if up.GrayAt(0, 0).Y != 0 || up.GrayAt(3, 0).Y != 20 {
		t.Errorf("up: %v", up.Pix)
	}
	if e := Area(g, image.Rect(20, 20, 30, 30), 3, 3); len(e.Pix) != 9 {
		t.Errorf("outside the image: %v", e)
	}
}

// Boxes averages plain, overlapping boxes: output o of 9 inputs to 6 is
// the mean of [⌊1.5·o⌋, ⌊1.5·o+2⌋).
func TestBoxes(t *testing.T) {
	g := ramp(9, 6)
	s := Boxes(g, g.Bounds(), 6.0/9)
	if s.Rect.Dx() != 6 || s.Rect.Dy() != 4 {
		t.Fatalf("size %v", s.Rect)
	}
	for o := range 6 {
		lo := int(1.5 * float64(o))
		hi := min(9, max(lo+1, int(1.5*float64(o+1)+0.5)))
		sum := 0
		for i := lo; i < hi; i++ {
			sum += 20 * i
		}
		want := float64(sum) / float64(hi-lo)
		if got := float64(s.GrayAt(o, 1).Y); math.Abs(got-want) > 0.6 {
			t.Errorf("o=%d: %v, want %.1f (inputs %d..%d)", o, got, want, lo, hi-1)
		}
	}
	if id := Boxes(g, g.Bounds(), 1); string(id.Pix) != string(g.Pix) {
		t.Errorf("scale 1 changes the pixels")
	}
}

// bilinearRef is bilinear as first written, every coordinate worked out
// per pixel: the reference the faster form must equal.
func bilinearRef(out *image.Gray, src []uint8, stride, sw, sh int) {
	w, h := out.Rect.Dx(), out.Rect.Dy()
	fx, fy := float64(sw)/float64(w), float64(sh)/float64(h)
	for oy := range h {
		sy := (float64(oy)+0.5)*fy - 0.5
		y0 := min(max(int(sy), 0), sh-1)
		y1 := min(y0+1, sh-1)
		ty := min(max(sy-float64(y0), 0), 1)
		for ox := range w {
			sx := (float64(ox)+0.5)*fx - 0.5
			x0 := min(max(int(sx), 0), sw-1)
			x1 := min(x0+1, sw-1)
			tx := min(max(sx-float64(x0), 0), 1)
			a := float64(src[y0*stride+x0])*(1-tx) + float64(src[y0*stride+x1])*tx
			b := float64(src[y1*stride+x0])*(1-tx) + float64(src[y1*stride+x1])*tx
			out.Pix[oy*out.Stride+ox] = uint8(a*(1-ty) + b*ty + 0.5)
		}
	}
}

func TestBilinearMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range [][4]int{{1, 1, 7, 5}, {3, 2, 300, 200}, {37, 29, 1077, 901}, {100, 80, 100, 80}, {5, 400, 6, 401}, {2, 2, 1, 1}} {
		sw, sh, w, h := c[0], c[1], c[2], c[3]
		stride := sw + 3
		src := make([]uint8, stride*sh)
		for i := range src {
			src[i] = uint8(r.IntN(256))
		}
		got, want := image.NewGray(image.Rect(0, 0, w, h)), image.NewGray(image.Rect(0, 0, w, h))
		bilinear(got, src, stride, sw, sh)
		bilinearRef(want, src, stride, sw, sh)
		if !bytes.Equal(got.Pix, want.Pix) {
			t.Errorf("%v: differs from the per-pixel form", c)
		}
	}
}

func BenchmarkBilinear(b *testing.B) {
	src := make([]uint8, 296*250)
	for i := range src {
		src[i] = uint8(i * 7)
	}
	out := image.NewGray(image.Rect(0, 0, 1077, 910))
	for _, f := range []struct {
		name string
		fn   func(*image.Gray, []uint8, int, int, int)
	}{{"per-column", bilinear}, {"per-pixel", bilinearRef}} {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				f.fn(out, src, 296, 296, 250)
			}
		})
	}
}
