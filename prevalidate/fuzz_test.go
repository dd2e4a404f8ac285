package prevalidate

import (
	"bytes"
	"context"
	"image/gif"
	"testing"

	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/internal/samples"
	"golang.org/x/image/bmp"
)

// FuzzCheck runs the whole check pipeline on arbitrary bytes: every input
// gets a report, a panic anywhere is a bug, and the report is consistent.
func FuzzCheck(f *testing.F) {
	small := photo(48, 32)
	rot, _ := samples.WithOrientation(small, exif.Rotate90CW, 80)
	png, _ := samples.PNG(small)
	var b, g bytes.Buffer
	_ = bmp.Encode(&b, small)
	_ = gif.Encode(&g, small, nil)
	for _, s := range [][]byte{rot, png, b.Bytes(), g.Bytes(), samples.PNGBomb(3000, 3000), samples.JPEGBomb(500, 500), samples.InsertPNGChunk(png, "eXIf", samples.OrientationTIFF(6))} {
		f.Add(s)
	}
	opts := &Options{MaxPixels: 4_000_000} // keeps each run small
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := CheckBytes(context.Background(), data, opts)
		if err != nil {
			t.Fatalf("error from a byte slice: %v", err)
		}
		if rep.OK != noErrors(rep.Issues) {
			t.Fatalf("ok=%v disagrees with issues %v", rep.OK, rep.Issues)
		}
		if rep.Format == FormatUnknown && rep.OK {
			t.Fatal("an unknown format passed")
		}
	})
}

func TestConvertsBMPAndGIF(t *testing.T) {
	img := photo(640, 480)
	var b, g bytes.Buffer
	if err := bmp.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&g, img, nil); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[Format][]byte{FormatBMP: b.Bytes(), FormatGIF: g.Bytes()} {
		rep, out, err := Fix(context.Background(), bytes.NewReader(data), docOpts)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Format != name || !rep.Has(UnsupportedFormat) || !rep.OK || Sniff(out) != FormatJPEG {
			t.Errorf("%s: format %s, issues %v, ok %v", name, rep.Format, rep.Codes(), rep.OK)
		}
	}
}
