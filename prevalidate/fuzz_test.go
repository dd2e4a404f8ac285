package prevalidate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/gif"
	"testing"

	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/internal/testsupport"
	"golang.org/x/image/bmp"
)

// FuzzCheck runs the whole check pipeline on arbitrary bytes: every input
// gets a report, a panic anywhere is a bug, and the report is consistent.
func FuzzCheck(f *testing.F) {
	testsupport.RequireNative(f)
	small := photo(48, 32)
	rot, _ := samples.WithOrientation(small, exif.Rotate90CW, 80)
	png, _ := samples.PNG(small)
	var b, g bytes.Buffer
	_ = bmp.Encode(&b, small)
	_ = gif.Encode(&g, small, nil)
	for _, s := range [][]byte{rot, png, b.Bytes(), g.Bytes(), samples.PNGBomb(3000, 3000), samples.JPEGBomb(500, 500), samples.InsertPNGChunk(png, "eXIf", samples.OrientationTIFF(6))} {
		f.Add(s)
	}
	opts := &Options{MaxPixels: 500_000} // keeps each run small (dlib runs on every decodable input)
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

// FuzzHeader: the format sniffer and the header step on arbitrary bytes.
// Whatever the bytes, the limits hold: an image over the pixel limit is
// never passed on to be decoded.
func FuzzHeader(f *testing.F) {
	small := photo(48, 32)
	png, _ := samples.PNG(small)
	for _, s := range [][]byte{png, samples.PNGBomb(3000, 3000), samples.JPEGBomb(500, 500), {0xFF, 0xD8, 0xFF}, []byte("RIFF\x00\x00\x00\x00WEBPVP8 ")} {
		f.Add(s)
	}
	const maxPixels = 1_000_000
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Measurements
		_, hdr, ok := measureHeader(data, &m, maxPixels)
		if ok && (int64(hdr.Width)*int64(hdr.Height) > maxPixels || hdr.Width <= 0 || hdr.Height <= 0) {
			t.Fatalf("%dx%d passed a %d-pixel limit", hdr.Width, hdr.Height, maxPixels)
		}
		if !ok && m.ReadError == "" && m.OverLimit == "" {
			t.Fatal("refused without a reason")
		}
		if ok && m.Format == FormatUnknown {
			t.Fatal("an unknown format passed the header step")
		}
	})
}

// FuzzParseProfile reads arbitrary profile files: an error is a
// *ProfileError, and a profile that loads writes back to a file that
// loads to the same profile.
func FuzzParseProfile(f *testing.F) {
	for _, name := range ProfileNames() {
		p, _ := ProfileByName(name)
		data, _ := json.Marshal(p)
		f.Add(data)
	}
	f.Add([]byte(`{"facegate_profile":1,"rules":[{"code":"FACE_TOO_SMALL","key":"face_size","threshold":1e309}]}`))
	f.Add([]byte(`{"facegate_profile":1,"rules":[{"code":"EYES_CLOSED","threshold":0.2,"severity":"warning"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProfile(data)
		if err != nil {
			var pe *ProfileError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is a %T, not a *ProfileError", err, err)
			}
			return
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("loaded profile does not write: %v", err)
		}
		q, err := ParseProfile(out)
		if err != nil {
			t.Fatalf("written profile does not load: %v\n%s", err, out)
		}
		again, _ := json.Marshal(q)
		if !bytes.Equal(out, again) {
			t.Fatalf("not stable:\n%s\n%s", out, again)
		}
	})
}
