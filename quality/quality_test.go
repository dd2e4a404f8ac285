package quality

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"testing"
)

func noise(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return img
}

func encode(t testing.TB, img image.Image, q int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Go's encoder scales the standard table exactly as libjpeg does: every
// quality reads back exactly.
func TestJPEGQualityReadsBackEveryQuality(t *testing.T) {
	img := noise(16, 16)
	for q := 1; q <= 100; q++ {
		if got := JPEGQuality(encode(t, img, q)); got != q {
			t.Errorf("encoded at %d, estimated %d", q, got)
		}
	}
}

func TestJPEGQualityUnknown(t *testing.T) {
	var p bytes.Buffer
	png.Encode(&p, noise(8, 8))
	j := encode(t, noise(8, 8), 80)
	// A table designed from scratch: every entry 1 except a ramp.
	custom := bytes.Clone(j)
	i := bytes.Index(custom, []byte{0xFF, 0xDB})
	for k := range 64 {
		custom[i+5+k] = byte(1 + (k*7)%50)
	}
	for name, b := range map[string][]byte{
		"png": p.Bytes(), "empty": nil, "soi only": {0xFF, 0xD8}, "truncated": j[:30],
		"custom table": custom, "bad length": {0xFF, 0xD8, 0xFF, 0xDB, 0xFF, 0xFF},
	} {
		if got := JPEGQuality(b); got != -1 {
			t.Errorf("%s: %d, want -1", name, got)
		}
	}
}

func FuzzJPEGQuality(f *testing.F) {
	f.Add(encode(f, noise(8, 8), 75))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43, 0x10})
	f.Fuzz(func(t *testing.T, b []byte) {
		if q := JPEGQuality(b); q != -1 && (q < 1 || q > 100) {
			t.Fatalf("quality %d", q)
		}
	})
}

func uniform(c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}

func TestExposure(t *testing.T) {
	for _, c := range []struct {
		c                  color.NRGBA
		mean, dark, bright float64
	}{
		{color.NRGBA{128, 128, 128, 255}, 128, 0, 0}, // grey: luminance is the grey level
		{color.NRGBA{0, 0, 0, 255}, 0, 1, 0},
		{color.NRGBA{255, 255, 255, 255}, 255, 0, 1},
		// pure green carries 71.5 % of the linear light: sRGB level 235
		{color.NRGBA{0, 255, 0, 255}, 255 * (1.055*math.Pow(0.7152, 1/2.4) - 0.055), 0, 0},
	} {
		img := uniform(c.c)
		e := MeasureExposure(img, img.Bounds())
		if math.Abs(e.Mean-c.mean) > 0.5 || e.Dark != c.dark || e.Bright != c.bright {
			t.Errorf("%v: %+v, want mean %.1f dark %g bright %g", c.c, e, c.mean, c.dark, c.bright)
		}
	}
	if e := MeasureExposure(noise(4, 4), image.Rect(10, 10, 20, 20)); e != (Exposure{}) {
		t.Errorf("region outside: %+v", e)
	}
}

// Detail scores high, a flat image 0, and blurring lowers it; resampling
// to one scale makes it comparable across sizes.
func TestSharpness(t *testing.T) {
	flat := uniform(color.NRGBA{90, 90, 90, 255})
	if s := Sharpness(flat, flat.Bounds(), 1); s != 0 {
		t.Errorf("flat: %v", s)
	}
	sharp := noise(200, 200)
	s1 := Sharpness(sharp, sharp.Bounds(), 1)
	s2 := Sharpness(sharp, sharp.Bounds(), 0.5) // area averaging halves the noise
	if s1 <= 0 || s2 >= s1 {
		t.Errorf("noise: %v at scale 1, %v at 0.5", s1, s2)
	}
	// A smooth ramp has a tiny Laplacian whatever its size.
	ramp := image.NewGray(image.Rect(0, 0, 300, 300))
	for y := range 300 {
		for x := range 300 {
			ramp.Pix[y*300+x] = uint8((x + y) * 255 / 600)
		}
	}
	if s := Sharpness(ramp, ramp.Bounds(), 0.3); s > 5 || s > s1/1000 { // only rounding
		t.Errorf("ramp: %v", s)
	}
	if s := Sharpness(ramp, image.Rect(0, 0, 2, 2), 1); s != 0 {
		t.Errorf("2x2 region: %v", s)
	}
}

func TestEyeAspectRatio(t *testing.T) {
	pts := make([]image.Point, 68)
	eye := func(at int, x, open int) {
		// corner, upper lid x2, corner, lower lid x2
		pts[at+0], pts[at+3] = image.Pt(x, 100), image.Pt(x+30, 100)
		pts[at+1], pts[at+2] = image.Pt(x+10, 100-open), image.Pt(x+20, 100-open)
		pts[at+5], pts[at+4] = image.Pt(x+10, 100+open), image.Pt(x+20, 100+open)
	}
	eye(36, 0, 5)
	eye(42, 60, 0)
	r, l, ok := EyeAspectRatio(pts)
	if !ok || math.Abs(r-10.0/30) > 1e-9 || l != 0 {
		t.Errorf("right %v left %v ok %v", r, l, ok)
	}
	if _, _, ok := EyeAspectRatio(pts[:5]); ok {
		t.Error("5 points measured")
	}
}

// The kernel path of resampleLuma (grey and YCbCr images) gives the same
// boxes' means as the plain Go loops (any other image), within rounding.
func TestResampleLumaPathsAgree(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 641, 479))
	for i := range g.Pix {
		g.Pix[i] = uint8((i*7919)%251 ^ i/641)
	}
	rgba := image.NewNRGBA(g.Bounds())
	for y := range 479 {
		for x := range 641 {
			v := g.GrayAt(x, y).Y
			rgba.Set(x, y, color.NRGBA{v, v, v, 255})
		}
	}
	for _, s := range []float64{0.9, 0.5, 0.23, 0.1} {
		r := image.Rect(13, 7, 600, 470)
		a, b := resampleLuma(g, r, s), resampleLuma(rgba, r, s)
		if a.Bounds() != b.Bounds() {
			t.Fatalf("scale %g: %v and %v", s, a.Bounds(), b.Bounds())
		}
		for i := range a.Pix {
			if d := int(a.Pix[i]) - int(b.Pix[i]); d < -1 || d > 1 {
				t.Fatalf("scale %g, pixel %d: %d and %d", s, i, a.Pix[i], b.Pix[i])
			}
		}
	}
}

// MeasureRetouch needs 68 landmarks and patches inside the image.
func TestMeasureRetouchBounds(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 100, 100))
	lm := make([]image.Point, 68)
	for i := range lm {
		lm[i] = image.Pt(50, 50)
	}
	if _, ok := MeasureRetouch(img, lm[:5], 20); ok {
		t.Error("5 landmarks measured")
	}
	if _, ok := MeasureRetouch(img, lm, 0); ok {
		t.Error("no eye distance measured")
	}
	if r, ok := MeasureRetouch(img, lm, 20); !ok || r.Texture != 0 || r.SkinSaturation != 0 {
		t.Errorf("a flat grey face: %+v, %v", r, ok)
	}
	lm[lmJawRight] = image.Pt(-200, 50)
	if _, ok := MeasureRetouch(img, lm, 20); ok {
		t.Error("a cheek outside the image measured")
	}
}
