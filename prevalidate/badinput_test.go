package prevalidate

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/internal/testsupport"
)

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestBombsRefusedFromHeader(t *testing.T) {
	for name, b := range map[string][]byte{
		"png 30000x30000":  samples.PNGBomb(30000, 30000),
		"jpeg 60000x60000": samples.JPEGBomb(60000, 60000),
	} {
		var rep *Report
		var out []byte
		n := allocated(func() {
			var err error
			rep, out, err = Fix(context.Background(), bytes.NewReader(b), nil)
			if err != nil {
				t.Fatal(err)
			}
		})
		if rep.OK || out != nil || len(rep.Issues) != 1 || rep.Issues[0].Code != InputTooLarge {
			t.Errorf("%s: ok=%v out=%d issues=%v", name, rep.OK, len(out), rep.Issues)
		}
		if !strings.Contains(rep.Issues[0].Message, "megapixels") {
			t.Errorf("%s: message %q does not say why", name, rep.Issues[0].Message)
		}
		// Decoding would need gigabytes; the header check needs almost nothing.
		if n > 1<<20 {
			t.Errorf("%s: refusing it allocated %d bytes", name, n)
		}
		t.Logf("%s: %d bytes allocated, %s", name, n, rep.Issues[0].Message)
	}
}

func TestByteLimit(t *testing.T) {
	b := make([]byte, 5000)
	copy(b, samples.PNGBomb(600, 600))
	rep, err := CheckBytes(context.Background(), b, &Options{MaxInputBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || !rep.Has(InputTooLarge) || len(rep.Issues) != 1 || rep.Bytes != 5000 {
		t.Errorf("sized reader: bytes %d, issues %v", rep.Bytes, rep.Issues)
	}
	// A reader that cannot tell its size is read up to the limit, then refused.
	rep, err = Check(context.Background(), io.MultiReader(bytes.NewReader(b)), &Options{MaxInputBytes: 4096})
	if err != nil || rep.OK || !rep.Has(InputTooLarge) || len(rep.Issues) != 1 {
		t.Errorf("unsized reader: %v, issues %v", err, rep.Issues)
	}
	// The same file under the default limit is read (and is a broken PNG).
	rep, _ = CheckBytes(context.Background(), b, nil)
	if rep.Has(InputTooLarge) || !rep.Has(FailedToReadImage) {
		t.Errorf("default limit: issues %v", rep.Issues)
	}
}

func photo(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x ^ y) & 0xFF), 255})
		}
	}
	return img
}

func TestUnreadableInputs(t *testing.T) {
	var good bytes.Buffer
	if err := jpeg.Encode(&good, photo(640, 480), nil); err != nil {
		t.Fatal(err)
	}
	pngGood, _ := samples.PNG(photo(640, 480))
	badCRC := bytes.Clone(pngGood)
	badCRC[29] ^= 0xFF // the IHDR CRC
	cases := map[string][]byte{
		"empty":           nil,
		"text named jpg":  []byte("hello, this is not an image\n"),
		"jpeg magic only": {0xFF, 0xD8, 0xFF},
		"png bad crc":     badCRC,
	}
	for _, cut := range []int{10, 100, 600, good.Len() / 2, good.Len() - 10} {
		cases["jpeg truncated at "+strconv.Itoa(cut)] = good.Bytes()[:cut]
	}
	for _, cut := range []int{8, 30, 60, len(pngGood) / 2, len(pngGood) - 13} {
		cases["png truncated at "+strconv.Itoa(cut)] = pngGood[:cut]
	}
	for name, b := range cases {
		rep, out, err := Fix(context.Background(), bytes.NewReader(b), nil)
		if err != nil {
			t.Errorf("%s: error %v", name, err)
			continue
		}
		if rep.OK || out != nil || !rep.Has(FailedToReadImage) {
			t.Errorf("%s: ok=%v out=%d issues=%v", name, rep.OK, len(out), rep.Issues)
		}
	}
	// The untouched files are fine, so the cases above test the damage.
	for name, b := range map[string][]byte{"jpeg": good.Bytes(), "png": pngGood} {
		if rep, _ := CheckBytes(context.Background(), b, docOpts); !rep.OK {
			t.Errorf("intact %s: %v", name, rep.Issues)
		}
	}
}

// docOpts judge the image rules only: the synthetic pictures here have no face.
var docOpts = &Options{Profile: Document()}

func TestAlphaFlattenedOntoWhite(t *testing.T) {
	img := photo(600, 600)
	for y := 0; y < 300; y++ {
		for x := 0; x < 600; x++ {
			img.SetNRGBA(x, y, color.NRGBA{0, 0, 0, 0}) // top half fully transparent
		}
	}
	b, _ := samples.PNG(img)
	rep, out, err := Fix(context.Background(), bytes.NewReader(b), docOpts)
	if err != nil || !rep.OK {
		t.Fatalf("ok=%v err=%v issues=%v", rep.OK, err, rep.Issues)
	}
	dec, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	r, g, bl, _ := dec.At(300, 100).RGBA()
	if r>>8 < 250 || g>>8 < 250 || bl>>8 < 250 {
		t.Errorf("transparent pixel became %d,%d,%d, want white", r>>8, g>>8, bl>>8)
	}
}

func TestFixNeverUpscalesAndKeepsMinWidth(t *testing.T) {
	for _, c := range []struct{ w, h, ow, oh int }{
		{600, 600, 600, 600},    // small enough: unchanged
		{1600, 2400, 720, 1080}, // height capped at 1080
		{1000, 3000, 480, 1440}, // width would drop under 480: height stays above 1080 (a warning)
		{5000, 1000, 4096, 819}, // width capped at 4096
	} {
		b, _ := samples.PNG(photo(c.w, c.h))
		rep, _, err := Fix(context.Background(), bytes.NewReader(b), docOpts)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Output == nil || rep.Output.Width != c.ow || rep.Output.Height != c.oh {
			t.Errorf("%dx%d: output %+v, want %dx%d", c.w, c.h, rep.Output, c.ow, c.oh)
			continue
		}
		if !rep.OK {
			t.Errorf("%dx%d: output issues %v", c.w, c.h, rep.Output.Issues)
		}
	}
}

func TestPNGWithMetadataChunkIsRead(t *testing.T) {
	testsupport.RequireNative(t)
	// A PNG with an eXIf chunk saying orientation 8 is turned upright too.
	b, _ := samples.PNG(photo(800, 500))
	exifChunk := samples.OrientationTIFF(8)
	withExif := samples.InsertPNGChunk(b, "eXIf", exifChunk)
	rep, out, err := Fix(context.Background(), bytes.NewReader(withExif), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Orientation != 8 || rep.Width != 500 || rep.Height != 800 || !rep.Has(NotUpright) {
		t.Fatalf("orientation %d, %dx%d, %v", rep.Orientation, rep.Width, rep.Height, rep.Codes())
	}
	if img := assertClean(t, "png eXIf", out); img.Bounds().Dx() != 500 {
		t.Errorf("output %v not turned", img.Bounds())
	}
}

// CheckBytes and FixBytes read the slice in place: the byte limit holds,
// and the input is not changed.
func TestBytesInPlace(t *testing.T) {
	testsupport.RequireNative(t)
	data, err := os.ReadFile(testsupport.CorpusPath(t, "faces-fr/obama.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	orig := bytes.Clone(data)
	rep, out, err := FixBytes(context.Background(), data, nil)
	if err != nil || !rep.OK || out == nil || !bytes.Equal(data, orig) || rep.Bytes != int64(len(data)) {
		t.Fatalf("FixBytes: %v %v, input changed %v", rep.Codes(), err, !bytes.Equal(data, orig))
	}
	rep, err = CheckBytes(context.Background(), data, &Options{MaxInputBytes: 1000})
	if err != nil || !rep.Has(InputTooLarge) || rep.Bytes != int64(len(data)) {
		t.Errorf("limit: %v %v, %d bytes", rep.Codes(), err, rep.Bytes)
	}
}
