package prevalidate

import (
	"slices"
	"strings"
	"testing"

	"github.com/facegate/facegate/facecheck"
)

// A face behind sunglasses or a mask that the model sets aside as not a
// person's still says what covers it: FACE_NOT_FOUND and, where its eyes
// or its mouth and nose read covered, EYES_NOT_VISIBLE or FACE_OCCLUDED
// too; a set-aside detection with nothing covered gets FACE_NOT_FOUND
// alone, and a face that counts is judged as before.
func TestSurfaceRulesReadASetAsideFace(t *testing.T) {
	cover := func(eyes, mouth float64) *facecheck.Cover {
		c := &facecheck.Cover{Human: 0.2}
		c.Covered[facecheck.RegionRightEye], c.Covered[facecheck.RegionLeftEye] = eyes, eyes
		c.Covered[facecheck.RegionMouth], c.Covered[facecheck.RegionNose] = mouth, mouth
		return c
	}
	judge := func(m *Measurements) []Code {
		var out []Code
		for _, is := range Progeny().Judge(m) {
			out = append(out, is.Code)
		}
		return out
	}
	base := func() *Measurements {
		return &Measurements{Format: FormatJPEG, Bytes: 100_000, Width: 720, Height: 960, Orientation: 1, Decoded: true, FacesMeasured: true}
	}
	for _, tc := range []struct {
		eyes, mouth float64
		want        []Code
		not         []Code
	}{
		{0.9, 0, []Code{FaceNotFound, EyesNotVisible}, []Code{FaceOccluded}},
		{0, 0.8, []Code{FaceNotFound, FaceOccluded}, []Code{EyesNotVisible}},
		{0.1, 0.1, []Code{FaceNotFound}, []Code{EyesNotVisible, FaceOccluded}},
	} {
		m := base()
		m.NotFaces = []facecheck.Face{{Size: 300, IPD: 120, Cover: cover(tc.eyes, tc.mouth)}}
		got := judge(m)
		for _, c := range tc.want {
			if !slices.Contains(got, c) {
				t.Errorf("eyes %g mouth %g: %v lacks %s", tc.eyes, tc.mouth, got, c)
			}
		}
		for _, c := range tc.not {
			if slices.Contains(got, c) {
				t.Errorf("eyes %g mouth %g: %v has %s", tc.eyes, tc.mouth, got, c)
			}
		}
		for _, is := range Progeny().Judge(m) {
			if (is.Code == EyesNotVisible || is.Code == FaceOccluded) && !strings.Contains(is.Message, "set aside as not a person's") {
				t.Errorf("%s: %q does not say it read the face set aside", is.Code, is.Message)
			}
		}
	}
	// No detection at all: FACE_NOT_FOUND alone.
	if got := judge(base()); !slices.Equal(got, []Code{FaceNotFound}) {
		t.Errorf("no detection: %v", got)
	}
}
