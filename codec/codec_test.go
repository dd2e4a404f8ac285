package codec

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
)

func read(t *testing.T, rel string) []byte { return testsupport.ReadCorpus(t, rel) }

// meanDiff is the mean absolute difference of the luma of two images of
// the same size.
func meanDiff(t *testing.T, a, b image.Image) float64 {
	t.Helper()
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Size() != bb.Size() {
		t.Fatalf("sizes differ: %v and %v", ab.Size(), bb.Size())
	}
	var sum float64
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			ya := color.GrayModel.Convert(a.At(ab.Min.X+x, ab.Min.Y+y)).(color.Gray).Y
			yb := color.GrayModel.Convert(b.At(bb.Min.X+x, bb.Min.Y+y)).(color.Gray).Y
			sum += math.Abs(float64(ya) - float64(yb))
		}
	}
	return sum / float64(ab.Dx()*ab.Dy())
}

// At full scale libjpeg-turbo and image/jpeg read the same pixels (both are
// IJG-exact up to IDCT rounding).
func TestDecodeMatchesImageJPEG(t *testing.T) {
	testsupport.RequireNative(t)
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/biden.jpg", "faces-gf/jimin3.jpg"} {
		b := read(t, rel)
		got, err := DecodeJPEG(b, 8, nil)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		want, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := got.(*image.YCbCr); !ok {
			t.Errorf("%s: %T, want *image.YCbCr", rel, got)
		}
		if d := meanDiff(t, got, want); d > 0.5 {
			t.Errorf("%s: mean luma difference %.3f from image/jpeg", rel, d)
		}
	}
}

func TestScaledDecode(t *testing.T) {
	testsupport.RequireNative(t)
	b := read(t, "faces-fr/obama3.jpg") // 1434x2333
	info, err := JPEGHeader(b)
	if err != nil || info.Width != 1434 || info.Height != 2333 || !info.Planar {
		t.Fatalf("header %+v, %v", info, err)
	}
	full, err := DecodeJPEG(b, 8, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, num := range []int{1, 2, 3, 4, 5, 7} {
		buf := make([]byte, DecodedSize(Scaled(info.Width, info.Height, num)))
		img, err := DecodeJPEG(b, num, buf)
		if err != nil {
			t.Fatalf("%d/8: %v", num, err)
		}
		w, h := Scaled(1434, 2333, num)
		if img.Bounds() != image.Rect(0, 0, w, h) {
			t.Fatalf("%d/8: %v, want %dx%d", num, img.Bounds(), w, h)
		}
		if &img.(*image.YCbCr).Y[0] != &buf[0] {
			t.Errorf("%d/8: the buffer passed in was not used", num)
		}
		// The scaled decode is a downscale of the full one: compare the
		// two after box-averaging the full image to the same size, away
		// from the edges.
		if d := scaledDiff(full.(*image.YCbCr), img.(*image.YCbCr), num); d > 3 {
			t.Errorf("%d/8: mean luma difference %.2f from the full decode averaged down", num, d)
		}
	}
	if _, err := DecodeJPEG(b, 9, nil); err == nil {
		t.Error("scale 9/8: no error")
	}
}

// scaledDiff compares the luma of small with full averaged over 8/num
// blocks, at every 8th pixel of small.
func scaledDiff(full, small *image.YCbCr, num int) float64 {
	k := 8 / float64(num)
	var sum float64
	var n int
	sb := small.Bounds()
	for y := 8; y < sb.Dy()-8; y += 8 {
		for x := 8; x < sb.Dx()-8; x += 8 {
			x0, y0 := int(float64(x)*k), int(float64(y)*k)
			x1, y1 := int(float64(x+1)*k), int(float64(y+1)*k)
			var s, c float64
			for yy := y0; yy < y1; yy++ {
				for xx := x0; xx < x1; xx++ {
					s += float64(full.Y[full.YOffset(xx, yy)])
					c++
				}
			}
			sum += math.Abs(s/c - float64(small.Y[small.YOffset(x, y)]))
			n++
		}
	}
	return sum / float64(n)
}

func TestScaleFor(t *testing.T) {
	for _, c := range []struct{ w, h, mw, mh, want int }{
		{2667, 4000, 720, 1080, 3}, // 1001x1500
		{2667, 4000, 1382, 2072, 5},
		{3264, 2448, 1440, 1080, 4},
		{1000, 800, 1000, 800, 8},
		{1000, 800, 2000, 1600, 8}, // never enlarges
		{4000, 3000, 1, 1, 1},
	} {
		if got := ScaleFor(c.w, c.h, c.mw, c.mh); got != c.want {
			t.Errorf("ScaleFor(%d, %d, %d, %d) = %d, want %d", c.w, c.h, c.mw, c.mh, got, c.want)
		}
	}
}

func TestGreyAndCMYK(t *testing.T) {
	testsupport.RequireNative(t)
	g := image.NewGray(image.Rect(0, 0, 40, 30))
	for i := range g.Pix {
		g.Pix[i] = uint8(i)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, g, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	img, err := DecodeJPEG(buf.Bytes(), 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	if gi, ok := img.(*image.Gray); !ok || gi.Bounds() != image.Rect(0, 0, 20, 15) {
		t.Fatalf("grey at 4/8: %T %v", img, img.Bounds())
	}
	cmyk := image.NewCMYK(image.Rect(0, 0, 16, 16))
	buf.Reset()
	if err := jpeg.Encode(&buf, cmyk, nil); err != nil {
		t.Fatal(err)
	}
	// image/jpeg writes CMYK as YCbCr; build a real Adobe CMYK file by
	// hand is more than this test needs: check the layout check instead.
	info, err := JPEGHeader(buf.Bytes())
	if err != nil || !info.Planar {
		t.Errorf("a YCbCr JPEG: %+v, %v", info, err)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	src, err := jpeg.Decode(bytes.NewReader(read(t, "faces-fr/obama.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			rgba.Set(x, y, src.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	for _, q := range []int{70, 92} {
		out, err := EncodeJPEG(rgba, q)
		if err != nil {
			t.Fatal(err)
		}
		back, err := jpeg.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("q%d: image/jpeg cannot read the output: %v", q, err)
		}
		if d := meanDiff(t, back, rgba); d > 2.5 {
			t.Errorf("q%d: mean luma difference %.2f after a round trip", q, d)
		}
		// The same quality costs about as many bytes as image/jpeg's.
		var ref bytes.Buffer
		jpeg.Encode(&ref, rgba, &jpeg.Options{Quality: q})
		if r := float64(len(out)) / float64(ref.Len()); r < 0.8 || r > 1.2 {
			t.Errorf("q%d: %d bytes, image/jpeg %d", q, len(out), ref.Len())
		}
	}
	// YCbCr 4:2:0 and grey planes are compressed as they are.
	ycc := image.NewYCbCr(rgba.Rect, image.YCbCrSubsampleRatio420)
	for y := range b.Dy() {
		for x := range b.Dx() {
			r, g, bl, _ := rgba.At(x, y).RGBA()
			Y, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
			ycc.Y[ycc.YOffset(x, y)] = Y
			ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = cb, cr
		}
	}
	for _, img := range []image.Image{ycc, &image.Gray{Pix: ycc.Y, Stride: ycc.YStride, Rect: ycc.Rect}} {
		out, err := EncodeJPEG(img, 92)
		if err != nil {
			t.Fatalf("%T: %v", img, err)
		}
		back, err := jpeg.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("%T: image/jpeg cannot read the output: %v", img, err)
		}
		if d := meanDiff(t, back, rgba); d > 2.5 {
			t.Errorf("%T: mean luma difference %.2f after a round trip", img, d)
		}
	}
	// Any other image type is converted first.
	if _, err := EncodeJPEG(src, 80); err != nil {
		t.Errorf("YCbCr source: %v", err)
	}
	if _, err := EncodeJPEG(image.NewRGBA(image.Rect(0, 0, 0, 0)), 80); err == nil {
		t.Error("empty image: no error")
	}
}

func TestBadInput(t *testing.T) {
	testsupport.RequireNative(t)
	b := read(t, "faces-fr/obama.jpg")
	for name, data := range map[string][]byte{
		"empty":     nil,
		"not jpeg":  []byte("GIF89a not a jpeg at all"),
		"soi only":  {0xff, 0xd8},
		"header":    b[:300],
		"truncated": b[:len(b)/2],
	} {
		img, err := DecodeJPEG(data, 4, nil)
		var warn *Warning
		switch {
		case err == nil:
			t.Errorf("%s: decoded without complaint", name)
		case errors.As(err, &warn):
			if img == nil {
				t.Errorf("%s: a warning comes with the image", name)
			}
		case !errors.Is(err, ErrCodec):
			t.Errorf("%s: %v does not wrap ErrCodec", name, err)
		}
	}
	if _, err := DecodeHEIF([]byte("not a heif file at all, no boxes"), 0); !errors.Is(err, ErrCodec) {
		t.Errorf("bad HEIF: %v", err)
	}
	if _, err := DecodeHEIF(nil, 0); err == nil {
		t.Error("empty HEIF: no error")
	}
}

func TestDecodeHEIF(t *testing.T) {
	testsupport.RequireNative(t)
	// The iPhone file stores 4032x3024 with a 90° irot: libheif turns it.
	img, err := DecodeHEIF(read(t, "exif-samples/heic/mobile/iphone_13_pro_max.HEIC"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, 3024, 4032) {
		t.Errorf("bounds %v, want upright 3024x4032", img.Bounds())
	}
	if _, ok := img.(*image.RGBA); !ok {
		t.Errorf("%T, want *image.RGBA for an opaque image", img)
	}
	// Not a flat image: the decoder produced pixels.
	var lo, hi uint8 = 255, 0
	rgba := img.(*image.RGBA)
	for i := 0; i < len(rgba.Pix); i += 4 * 997 {
		lo, hi = min(lo, rgba.Pix[i]), max(hi, rgba.Pix[i])
	}
	if hi-lo < 100 {
		t.Errorf("red ranges only %d..%d", lo, hi)
	}
	// A size limit under the image's refuses it.
	if _, err := DecodeHEIF(read(t, "exif-samples/heic/samplefilehub.heif"), 100); err == nil {
		t.Error("640x426 under a 100 px limit: no error")
	}
}

// FuzzDecodeJPEG: libjpeg-turbo on arbitrary bytes, at every scale. It
// must return an image or an error, never crash, and an image has the
// size the header promised.
func FuzzDecodeJPEG(f *testing.F) {
	pic := image.NewRGBA(image.Rect(0, 0, 40, 24))
	for i := range pic.Pix {
		pic.Pix[i] = uint8(i * 7)
	}
	for _, q := range []int{20, 90} {
		if b, err := EncodeJPEG(pic, q); err == nil {
			f.Add(b, 8)
			f.Add(b[:len(b)/2], 3)
		}
	}
	var g bytes.Buffer
	jpeg.Encode(&g, image.NewGray(image.Rect(0, 0, 17, 9)), nil)
	f.Add(g.Bytes(), 1)
	f.Fuzz(func(t *testing.T, data []byte, num int) {
		num = 1 + (num%8+8)%8
		info, err := JPEGHeader(data)
		if err != nil {
			return
		}
		if info.Width*info.Height > 4_000_000 {
			return // the pipeline refuses these from the header
		}
		img, err := DecodeJPEG(data, num, nil)
		var warn *Warning
		if err != nil && !errors.As(err, &warn) {
			return
		}
		w, h := Scaled(info.Width, info.Height, num)
		if img.Bounds() != image.Rect(0, 0, w, h) {
			t.Fatalf("decoded %v, the header says %dx%d at %d/8", img.Bounds(), w, h, num)
		}
	})
}

func TestNumAtLeast(t *testing.T) {
	for f, want := range map[float64]int{0.01: 1, 0.125: 1, 0.3: 3, 0.375: 3, 0.5: 4, 0.518: 5, 0.77: 8, 0.875: 8, 1: 8, 2: 8} {
		if got := NumAtLeast(f); got != want {
			t.Errorf("NumAtLeast(%v) = %d, want %d", f, got, want)
		}
	}
}
