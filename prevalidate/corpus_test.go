package prevalidate

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/internal/testsupport"
)

func fixFile(t *testing.T, path string, opts *Options) (*Report, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, out, err := Fix(context.Background(), bytes.NewReader(b), opts)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rep, out
}

// meanAbsDiff compares two same-sized images channel by channel, in 8-bit levels.
func meanAbsDiff(t *testing.T, a, b image.Image) float64 {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("sizes differ: %v vs %v", a.Bounds().Size(), b.Bounds().Size())
	}
	var sum, n float64
	ab, bb := a.Bounds(), b.Bounds()
	for y := 0; y < ab.Dy(); y += 2 {
		for x := 0; x < ab.Dx(); x += 2 {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			for _, d := range [][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}} {
				v := float64(d[0]>>8) - float64(d[1]>>8)
				if v < 0 {
					v = -v
				}
				sum += v
				n++
			}
		}
	}
	return sum / n
}

// assertClean checks that out is a baseline JPEG with no EXIF at all.
func assertClean(t *testing.T, name string, out []byte) image.Image {
	t.Helper()
	if Sniff(out) != FormatJPEG {
		t.Fatalf("%s: output is not a JPEG", name)
	}
	if info, err := exif.FromJPEG(out); err != nil || info.Present {
		t.Errorf("%s: output carries EXIF (%+v, %v)", name, info, err)
	}
	if bytes.Contains(out, []byte("Exif\x00\x00")) || bytes.Contains(out, []byte("http://ns.adobe.com/xap")) {
		t.Errorf("%s: output carries metadata bytes", name)
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("%s: output does not decode: %v", name, err)
	}
	return img
}

func TestOrientationCorpusFixesUpright(t *testing.T) {
	skipShort(t)
	dir := filepath.Join(testsupport.CorpusDir(t), "exif-orientation")
	for _, kind := range []string{"Landscape", "Portrait"} {
		// The set has no faces: its turns are judged by the image rules.
		ref, refOut := fixFile(t, filepath.Join(dir, kind+"_1.jpg"), docOpts)
		if !ref.OK || ref.Orientation != 1 {
			t.Fatalf("%s_1: ok=%v orientation=%d issues=%v", kind, ref.OK, ref.Orientation, ref.Codes())
		}
		refImg := assertClean(t, kind+"_1", refOut)
		for o := 2; o <= 8; o++ {
			name := fmt.Sprintf("%s_%d", kind, o)
			rep, out := fixFile(t, filepath.Join(dir, name+".jpg"), docOpts)
			if rep.Orientation != o || !rep.Has(NotUpright) {
				t.Errorf("%s: orientation %d, issues %v; want %d and NOT_UPRIGHT", name, rep.Orientation, rep.Codes(), o)
			}
			if rep.Width != ref.Width || rep.Height != ref.Height {
				t.Errorf("%s: upright size %dx%d, want %dx%d", name, rep.Width, rep.Height, ref.Width, ref.Height)
			}
			if !rep.OK {
				t.Errorf("%s: output not ok: %+v", name, rep.Output)
			}
			img := assertClean(t, name, out)
			if d := meanAbsDiff(t, refImg, img); d > 4 {
				t.Errorf("%s: mean absolute difference to %s_1 is %.2f levels, want < 4", name, kind, d)
			} else {
				t.Logf("%s: MAD %.2f", name, d)
			}
		}
	}
	// Orientation 0 is invalid: read as 1, with a warning, never a failure.
	rep, _ := fixFile(t, filepath.Join(dir, "Landscape_0.jpg"), docOpts)
	if rep.Orientation != 1 || !rep.Has(MetadataUnreadable) || !rep.OK {
		t.Errorf("Landscape_0: orientation %d, issues %v, ok %v", rep.Orientation, rep.Codes(), rep.OK)
	}
}

func TestExifSamplesEveryFileGetsARecord(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	var n int
	for _, e := range testsupport.Manifest(t) {
		if !strings.HasPrefix(e.Path, "exif-samples/") {
			continue
		}
		n++
		rep, out := fixFile(t, testsupport.CorpusPath(t, e.Path), nil)
		isImage := e.Format != "TEXT" && e.Format != "XML"
		if !isImage {
			if !rep.Has(FailedToReadImage) || rep.OK {
				t.Errorf("%s: a text file must be FAILED_TO_READ_IMAGE, got %v", e.Path, rep.Codes())
			}
			continue
		}
		if rep.Has(FailedToReadImage) || out == nil {
			t.Errorf("%s: not decoded: %v", e.Path, rep.Issues)
			continue
		}
		if e.GPS && !strings.Contains(fmt.Sprint(rep.Issues), "GPS position") {
			t.Errorf("%s: GPS not reported: %v", e.Path, rep.Issues)
		}
		img := assertClean(t, e.Path, out)
		if b := img.Bounds(); b.Dx() != rep.Output.Width || b.Dy() != rep.Output.Height || int64(len(out)) != rep.Output.Bytes {
			t.Errorf("%s: output report %+v does not match %v, %d bytes", e.Path, rep.Output, b, len(out))
		}
		t.Logf("%s: %v -> ok=%v %dx%d q%d %d bytes", e.Path, rep.Codes(), rep.OK, rep.Output.Width, rep.Output.Height, rep.Output.Quality, rep.Output.Bytes)
	}
	if n < 20 {
		t.Fatalf("only %d exif-samples files", n)
	}
}

func TestPhoneJPEGAndHEICFixToCompliant(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	for _, c := range []struct {
		path          string
		format        Format
		wantInput     []Code
		width, height int // upright input
	}{
		{"exif-samples/jpg/mobile/HMD_Nokia_8.3_5G.jpg", FormatJPEG, []Code{ImageTooLarge, FileTooLarge}, 4608, 1976},
		{"exif-samples/heic/mobile/iphone_13_pro_max.HEIC", FormatHEIF, []Code{UnsupportedFormat, FileTooLarge}, 3024, 4032},
	} {
		rep, out := fixFile(t, testsupport.CorpusPath(t, c.path), docOpts) // no face in either
		for _, code := range c.wantInput {
			if !rep.Has(code) {
				t.Errorf("%s: input issues %v lack %s", c.path, rep.Codes(), code)
			}
		}
		if rep.Format != c.format || rep.Width != c.width || rep.Height != c.height {
			t.Errorf("%s: %s %dx%d, want %s %dx%d", c.path, rep.Format, rep.Width, rep.Height, c.format, c.width, c.height)
		}
		if !rep.OK || len(rep.Output.Issues) != 0 {
			t.Fatalf("%s: output not compliant: %+v", c.path, rep.Output)
		}
		o := rep.Output
		if o.Height > 1080 || o.Width > 4096 || min(o.Width, o.Height) < 480 || o.Bytes > 2_000_000 || o.Quality < 70 {
			t.Errorf("%s: output %+v breaks a limit", c.path, o)
		}
		img := assertClean(t, c.path, out)
		// Upright: the output keeps the input's upright aspect ratio.
		if b := img.Bounds(); (b.Dx() > b.Dy()) != (c.width > c.height) {
			t.Errorf("%s: output %v is not upright", c.path, b)
		}
	}
}

// skipShort skips the corpus sweeps in -short runs (the race pass, where the
// WebAssembly HEIC decoder is slow); the normal pass runs them.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("corpus sweep: runs without -short")
	}
}
