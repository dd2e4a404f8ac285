package prevalidate

import (
	"math"
	"os"
	"slices"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
)

// Phone photos of a print and of a tablet's screen read RECAPTURED, a
// warning, with the live scores the networks' own PyTorch code gives on
// the same box (testdata/recapture/README.md): the crops, the resize and
// the ONNX export agree with it. The same person photographed live, and
// clear corpus portraits, read no RECAPTURED.
func TestRecaptured(t *testing.T) {
	testsupport.RequireNative(t)
	for _, c := range []struct {
		file string
		live float64 // the PyTorch reference
		re   bool
	}{
		{"image_F1.jpg", 0.040, true},
		{"image_F2.jpg", 0.006, true},
		{"vm_fake_002.jpg", 0.001, true},
		{"image_T1.jpg", 0.994, false},
	} {
		b, err := os.ReadFile("../testdata/recapture/" + c.file)
		if err != nil {
			t.Fatal(err)
		}
		rep := checkBytes(t, b, nil)
		if rep.Quality == nil || rep.Quality.Recapture == nil {
			t.Fatalf("%s: no re-capture reading (%v)", c.file, rep.Codes())
		}
		rc := rep.Quality.Recapture
		if math.Abs(rc.Live-c.live) > 0.05 {
			t.Errorf("%s: live %.3f (nets %v), the reference reads %.3f", c.file, rc.Live, rc.Nets, c.live)
		}
		is := issueOf(rep, Recaptured)
		if (is != nil) != c.re || (is != nil && is.Severity != SeverityWarning) {
			t.Errorf("%s: live %.3f, issues %+v", c.file, rc.Live, rep.Issues)
		}
		// The box is the face's, in the input's pixels.
		f := rep.Faces[0]
		if bx := rc.Box; bx[2] < f.Box[2]*3/4 || bx[2] > f.Box[2]*2 || bx[0] > f.Box[0]+f.Box[2]/2 || bx[0]+bx[2] < f.Box[0]+f.Box[2]/2 {
			t.Errorf("%s: re-capture box %v, face box %v", c.file, bx, f.Box)
		}
	}
	for _, p := range []string{"faces-fr/obama.jpg", "faces-fr/biden.jpg", "faces-gf/nana.jpg", "faces-gf/chaeyeon.jpg",
		"faces-gf/tzuyu.jpg", "faces-dlib/Tom_Cruise_avp_2014_4.jpg"} {
		b, err := os.ReadFile(testsupport.CorpusPath(t, p))
		if err != nil {
			t.Fatal(err)
		}
		rep := checkBytes(t, b, nil)
		if rep.Has(Recaptured) || rep.Quality == nil || rep.Quality.Recapture == nil {
			t.Errorf("%s: %v, quality %+v", p, rep.Codes(), rep.Quality)
		}
	}
}

// A profile without RECAPTURED never runs the model.
func TestRecaptureOnlyWhenRead(t *testing.T) {
	testsupport.RequireNative(t)
	b, err := os.ReadFile("../testdata/recapture/image_F2.jpg")
	if err != nil {
		t.Fatal(err)
	}
	p := Progeny()
	p.Rules = slices.DeleteFunc(p.Rules, func(r Rule) bool { return r.Code == Recaptured })
	rep := checkBytes(t, b, &Options{Profile: p})
	if rep.Has(Recaptured) || rep.Quality == nil || rep.Quality.Recapture != nil {
		t.Errorf("%v, quality %+v", rep.Codes(), rep.Quality)
	}
}
