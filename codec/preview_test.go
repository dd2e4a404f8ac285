package codec

import (
	"bytes"
	"errors"
	"github.com/facegate/facegate/internal/testsupport"
	"image"
	"image/jpeg"
	"os/exec"
	"testing"
)

// progressive re-codes a JPEG as a progressive one with jpegtran (make
// installs libjpeg-turbo-progs), with more arguments if given.
func progressive(t testing.TB, b []byte, args ...string) []byte {
	t.Helper()
	jt, err := exec.LookPath("jpegtran")
	if err != nil {
		t.Fatal("jpegtran not found (apt-get install libjpeg-turbo-progs; make does)")
	}
	cmd := exec.Command(jt, append([]string{"-progressive"}, args...)...)
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The DC scans of progressive photos decode to what the whole file
// decodes to at 1/8 (block means) within a fraction of a level: the
// corpus's two progressive photos, a baseline one made progressive, with
// a restart marker every MCU, and a grey one. Baseline JPEGs are not
// previewed.
func TestDecodeDC(t *testing.T) {
	testsupport.RequireNative(t)
	obama := read(t, "faces-fr/obama.jpg")
	var grey bytes.Buffer
	g := image.NewGray(image.Rect(0, 0, 333, 250))
	for i := range g.Pix {
		g.Pix[i] = uint8(i % 251)
	}
	if err := jpeg.Encode(&grey, g, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"chaeyeon.jpg":           read(t, "faces-gf/chaeyeon.jpg"),
		"nana.jpg":               read(t, "faces-gf/nana.jpg"),
		"obama.jpg, progressive": progressive(t, obama),
		"obama.jpg, restarts":    progressive(t, obama, "-restart", "1B"),
		"grey":                   progressive(t, grey.Bytes()),
	}
	for name, b := range cases {
		full, err := DecodeJPEG(b, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		dc, err := DecodeDC(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if dc.Bounds() != full.Bounds() {
			t.Fatalf("%s: %v, the file at 1/8 is %v", name, dc.Bounds(), full.Bounds())
		}
		if _, ok := dc.(*image.Gray); ok != (name == "grey") {
			t.Errorf("%s: %T", name, dc)
		}
		d := meanDiff(t, dc, full)
		t.Logf("%s: %v, mean |Δluma| %.2f against the whole file at 1/8", name, dc.Bounds().Size(), d)
		if d > 1 {
			t.Errorf("%s: mean |Δluma| %.2f", name, d)
		}
	}
	for _, b := range [][]byte{obama, nil, []byte("not a jpeg"), obama[:100]} {
		if _, err := DecodeDC(b); err == nil || (len(b) > 200 && !errors.Is(err, ErrNoDC)) {
			t.Errorf("%d bytes: %v", len(b), err)
		}
	}
	if _, err := DecodeDC(cases["chaeyeon.jpg"][:5000]); err == nil {
		t.Error("a file cut in its DC scan decoded")
	}
}

// Whatever the bytes, DecodeDC neither panics nor allocates past its
// block limit, and what it returns has the header's size at 1/8.
func FuzzDecodeDC(f *testing.F) {
	pic := image.NewRGBA(image.Rect(0, 0, 40, 24))
	for i := range pic.Pix {
		pic.Pix[i] = uint8(i * 5)
	}
	if b, err := EncodeJPEG(pic, 80); err == nil {
		f.Add(b)
		p := progressive(f, b)
		f.Add(p)
		f.Add(p[:len(p)/2])
		f.Add(progressive(f, b, "-restart", "1B"))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := DecodeDC(b)
		if err != nil {
			return
		}
		if info, herr := JPEGHeader(b); herr == nil {
			if w, h := Scaled(info.Width, info.Height, 1); img.Bounds() != image.Rect(0, 0, w, h) {
				t.Fatalf("%v, the header says %dx%d at 1/8", img.Bounds(), w, h)
			}
		}
	})
}
