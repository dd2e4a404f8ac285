package codec

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"testing"
)

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
