package prevalidate

import (
	"bytes"
	"context"
	"image"
	"os"
	"slices"
	"testing"

	"github.com/facegate/facegate/internal/samples"

	"github.com/facegate/facegate/internal/testsupport"
)

var qualityCodes = []Code{ImageTooBlurry, PoorImageExposure, ImageIsTooCompressed, EyesClosed}

func qualityIssues(rep *Report) []Code {
	var out []Code
	for _, c := range rep.Codes() {
		if slices.Contains(qualityCodes, c) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// The calibration's promises (docs/quality.md), on clean corpus portraits
// scaled to the output size: re-encoded at quality 92 nothing is flagged;
// box blur of radius 6, levels x0.22 and x2.6, and quality 40 each are.
func TestQualityRulesOnDegradedPortraits(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	for _, rel := range cleanPhotos {
		base := atOutputSize(t, rel)
		check := func(name string, b []byte) *Report {
			rep, err := CheckBytes(context.Background(), b, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Faces) == 0 {
				t.Fatalf("%s %s: no face", rel, name)
			}
			return rep
		}
		clean := check("q92", encodeJPEG(t, base, 92))
		if got := qualityIssues(clean); len(got) != 0 || clean.Quality.JPEGQuality != 92 {
			t.Errorf("%s at q92: %v, quality %+v", rel, got, clean.Quality)
		}
		cases := []struct {
			name string
			rep  *Report
			want Code
		}{
			{"blur 6", checkPNG(t, boxBlur(base, 6)), ImageTooBlurry},
			{"levels x0.22", checkPNG(t, scaleLevels(base, 0.22)), PoorImageExposure},
			{"levels x2.6", checkPNG(t, scaleLevels(base, 2.6)), PoorImageExposure},
			{"q40", check("q40", encodeJPEG(t, base, 40)), ImageIsTooCompressed},
		}
		for _, c := range cases {
			if got := qualityIssues(c.rep); !slices.Contains(got, c.want) {
				t.Errorf("%s %s: %v (quality %+v), want %s", rel, c.name, got, c.rep.Quality, c.want)
			}
		}
	}
}

// Real closed eyes: jimin2.jpg looks down with her eyes shut. No clean
// portrait is flagged (above).
func TestEyesClosedOnCorpus(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	rep := checkFile(t, "faces-gf/jimin2.jpg", nil)
	if !rep.Has(EyesClosed) {
		t.Errorf("jimin2.jpg: %v, eyes %v", rep.Codes(), rep.Faces[0].Eyes)
	}
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/biden2.jpg", "faces-gf/bona.jpg"} { // the lowest open-eye ratios
		if rep := checkFile(t, rel, nil); rep.Has(EyesClosed) {
			t.Errorf("%s: open eyes flagged: %v", rel, rep.Faces[0].Eyes)
		}
	}
}

// Re-encoding at 92 cannot undo quality 40: fix does not call it ok.
func TestFixKeepsTheInputsCompression(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	b := encodeJPEG(t, atOutputSize(t, "faces-fr/obama.jpg"), 40)
	rep, out, err := Fix(context.Background(), bytes.NewReader(b), nil)
	if err != nil || out == nil {
		t.Fatal(err)
	}
	if rep.OK || !slices.ContainsFunc(rep.Output.Issues, func(is Issue) bool { return is.Code == ImageIsTooCompressed }) {
		t.Errorf("fix of a q40 JPEG: ok=%v output issues %v", rep.OK, rep.Output.Issues)
	}
}

// Every decoded image gets a quality object; PNG has no JPEG quality.
func TestQualityObject(t *testing.T) {
	testsupport.RequireNative(t)
	b, err := os.ReadFile(testsupport.CorpusPath(t, "faces-fr/32bit.png"))
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := CheckBytes(context.Background(), b, nil)
	q := rep.Quality
	if q == nil || q.JPEGQuality != -1 || q.Region != "face" || q.Sharpness <= 0 || q.Exposure.Mean <= 0 {
		t.Fatalf("32bit.png: %+v", q)
	}
	rep, _ = CheckBytes(context.Background(), []byte("not an image"), nil)
	if rep.Quality != nil {
		t.Errorf("undecodable input has a quality object: %+v", rep.Quality)
	}
}

// Fix never encodes under the profile's own IMAGE_IS_TOO_COMPRESSED
// threshold: with it at 80, a photo that only fits 2 MB at a lower
// quality is shrunk instead, and its output passes the profile; with the
// default 70 the same photo is encoded under 80.
func TestFixQualityFloorFromProfile(t *testing.T) {
	// Noise compresses badly: 2400x2400 of it at quality 92 is far over 2 MB.
	img := image.NewGray(image.Rect(0, 0, 2400, 2400))
	seed := uint32(1)
	for i := range img.Pix {
		seed = seed*1664525 + 1013904223
		img.Pix[i] = uint8(seed >> 24)
	}
	data, err := samples.PNG(img)
	if err != nil {
		t.Fatal(err)
	}
	// The document profile (no faces) with the compression rule, at its
	// default threshold and at 80, and a byte limit of 420 kB, which the
	// noise at 1080x1080 only fits under quality 80.
	withFloor := func(floor float64) *Profile {
		p := Document()
		for i := range p.Rules {
			if p.Rules[i].Code == FileTooLarge {
				p.Rules[i].Threshold = 420_000
			}
		}
		i := slices.IndexFunc(qualityRules(), func(r Rule) bool { return r.Code == ImageIsTooCompressed })
		r := qualityRules()[i]
		r.Threshold = floor
		p.Rules = append(p.Rules, r)
		return p
	}
	doc, strict := withFloor(70), withFloor(80)
	for _, c := range []struct {
		p     *Profile
		floor int
	}{{doc, 70}, {strict, 80}} {
		rep, out, err := Fix(context.Background(), bytes.NewReader(data), &Options{Profile: c.p})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Output == nil || out == nil {
			t.Fatalf("floor %d: no output: %v", c.floor, rep.Codes())
		}
		if rep.Output.Quality < c.floor || !rep.OK {
			t.Errorf("floor %d: output at quality %d, ok %v, issues %v", c.floor, rep.Output.Quality, rep.OK, rep.Output.Issues)
		}
		t.Logf("floor %d: %dx%d at quality %d, %d bytes", c.floor, rep.Output.Width, rep.Output.Height, rep.Output.Quality, rep.Output.Bytes)
		if c.floor == 70 && rep.Output.Quality >= 80 {
			t.Errorf("the default floor never went under 80 (quality %d): the case does not test the floor", rep.Output.Quality)
		}
	}
}
