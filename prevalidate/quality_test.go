package prevalidate

import (
	"bytes"
	"context"
	"os"
	"slices"
	"testing"

	"github.com/facegate/facegate/internal/corpus"
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
	b, err := os.ReadFile(corpus.Path(t, "faces-fr/32bit.png"))
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
