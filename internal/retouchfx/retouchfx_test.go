package retouchfx

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"
)

// face is a 68-point layout of a face centred at (cx, cy) with eyes d
// apart: the jaw on an arc, brows, nose, eyes and mouth where dlib puts
// them.
func face(cx, cy, d float64) []image.Point {
	pt := func(x, y float64) image.Point { return image.Pt(int(cx+x*d), int(cy+y*d)) }
	var lm []image.Point
	for i := range 17 { // jaw, from the right ear down and round to the left
		a := math.Pi * (1 - float64(i)/16)
		lm = append(lm, pt(1.1*math.Cos(a), 0.2+1.2*math.Sin(a)))
	}
	for i := range 10 { // brows
		lm = append(lm, pt(-0.9+0.2*float64(i), -0.55))
	}
	for i := range 9 { // nose
		lm = append(lm, pt(0.05*float64(i%3), -0.3+0.1*float64(i)))
	}
	for e := range 2 { // eyes
		for i := range 6 {
			a := 2 * math.Pi * float64(i) / 6
			lm = append(lm, pt(-0.5+float64(e)+0.18*math.Cos(a), -0.3+0.07*math.Sin(a)))
		}
	}
	for i := range 20 { // lips
		a := 2 * math.Pi * float64(i) / 20
		lm = append(lm, pt(0.4*math.Cos(a), 0.65+0.12*math.Sin(a)))
	}
	return lm
}

// Smooth computes the mask and the blur only around the face: the same
// pixels as the whole image's, near its edges too.
func TestSmoothRegion(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	img := image.NewNRGBA(image.Rect(0, 0, 300, 260))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	for _, c := range []struct{ x, y, d float64 }{{150, 120, 60}, {40, 50, 45}, {270, 230, 50}} {
		lm := face(c.x, c.y, c.d)
		if len(lm) != 68 {
			t.Fatalf("%d points", len(lm))
		}
		got := Smooth(img, lm, c.d).(*image.NRGBA)
		want := blend(img, imaging.Blur(img, 0.06*c.d), image.Point{}, SkinMask(img.Bounds(), lm, c.d)).(*image.NRGBA)
		changed := 0
		for i := range got.Pix {
			if got.Pix[i] != want.Pix[i] {
				t.Fatalf("face at %v: byte %d differs", c, i)
			}
			if got.Pix[i] != img.Pix[i] {
				changed++
			}
		}
		if changed < 1000 {
			t.Errorf("face at %v: %d bytes smoothed", c, changed)
		}
	}
}
