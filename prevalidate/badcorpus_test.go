package prevalidate

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/facegate/facegate/codec"
	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/internal/testsupport"
)

// Every file of the generated bad-input corpus gets a record with a clear
// code, quickly and without a large allocation; the valid unusual
// encodings decode.
func TestBadInputCorpus(t *testing.T) {
	for _, in := range samples.BadInputs() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		rep, out, err := Fix(context.Background(), bytes.NewReader(in.Data), docOpts)
		el := time.Since(start)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Errorf("%s: error %v", in.Name, err)
			continue
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: %v, %v, %d kB allocated", in.Name, rep.Codes(), el.Round(time.Millisecond), alloc>>10)
		if el > 5*time.Second || alloc > 64<<20 {
			t.Errorf("%s: %v and %d bytes allocated", in.Name, el, alloc)
		}
		if in.Decodes {
			if rep.Has(FailedToReadImage) || out == nil {
				t.Errorf("%s: a valid encoding was not decoded: %v", in.Name, rep.Issues)
			}
			continue
		}
		if rep.OK || out != nil || (!rep.Has(FailedToReadImage) && !rep.Has(InputTooLarge)) {
			t.Errorf("%s: ok=%v output=%v codes %v", in.Name, rep.OK, out != nil, rep.Codes())
		}
		for _, is := range rep.Issues {
			if is.Message == "" {
				t.Errorf("%s: %s without a message", in.Name, is.Code)
			}
		}
	}
}

// Real progressive, arithmetic-coded and CMYK JPEGs decode and fix to a
// baseline RGB JPEG. The first two are made with jpegtran (Debian's
// libjpeg-turbo-progs, which make installs), the CMYK one with
// libjpeg-turbo's encoder.
func TestUnusualJPEGCodings(t *testing.T) {
	testsupport.RequireNative(t)
	pic := image.NewRGBA(image.Rect(0, 0, 96, 64))
	for y := range 64 {
		for x := range 96 {
			pic.SetRGBA(x, y, color.RGBA{uint8(2 * x), uint8(3 * y), uint8(x ^ y), 255})
		}
	}
	base, err := codec.EncodeJPEG(pic, 90)
	if err != nil {
		t.Fatal(err)
	}
	cmyk := image.NewCMYK(pic.Rect)
	for i := range cmyk.Pix {
		cmyk.Pix[i] = uint8(i * 13)
	}
	cmykJPEG, err := codec.EncodeJPEG(cmyk, 90)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"cmyk": cmykJPEG}
	jpegtran, err := exec.LookPath("jpegtran")
	if err != nil {
		msg := "jpegtran not found (apt-get install libjpeg-turbo-progs; make does)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Log(msg + ": progressive and arithmetic cases skipped")
	} else {
		for name, flag := range map[string]string{"progressive": "-progressive", "arithmetic": "-arithmetic"} {
			cmd := exec.Command(jpegtran, flag)
			cmd.Stdin = bytes.NewReader(base)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("jpegtran %s: %v", flag, err)
			}
			files[name] = out
		}
	}
	marker := map[string]byte{"progressive": 0xC2, "arithmetic": 0xC9}
	for name, data := range files {
		if m, ok := marker[name]; ok && !bytes.Contains(data, []byte{0xFF, m}) {
			t.Fatalf("%s: the file has no SOF%X marker", name, m&0x0F)
		}
		rep, out, err := Fix(context.Background(), bytes.NewReader(data), docOpts)
		if err != nil || out == nil || rep.Has(FailedToReadImage) {
			t.Errorf("%s: not decoded: %v %v", name, rep.Codes(), err)
			continue
		}
		if rep.Width != 96 || rep.Height != 64 {
			t.Errorf("%s: %dx%d", name, rep.Width, rep.Height)
		}
		back, err := jpeg.Decode(bytes.NewReader(out))
		if err != nil {
			t.Errorf("%s: the output is not a baseline JPEG image/jpeg reads: %v", name, err)
			continue
		}
		if _, ok := back.(*image.YCbCr); !ok {
			t.Errorf("%s: output decodes as %T", name, back)
		}
	}
}
