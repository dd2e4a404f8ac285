package goface

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"math"
	"os"
	"testing"

	face "github.com/Kagami/go-face"
	"github.com/facegate/facegate/facecheck"
	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/prevalidate"
)

func analyzer(t *testing.T) *facecheck.Analyzer {
	t.Helper()
	a, err := prevalidate.DefaultAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func load(t *testing.T, rel string) image.Image {
	t.Helper()
	b, err := os.ReadFile(testsupport.CorpusPath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// goFaces builds what go-face's Recognizer returns (a rectangle and the
// predictor's points) from our own detections: 68 points, or the 5 of
// dlib's 5-point model.
func goFaces(faces []facecheck.Face, five bool) []face.Face {
	out := make([]face.Face, len(faces))
	for i, f := range faces {
		pts := f.Landmarks
		if five {
			pts = facecheck.FivePoints(pts)
		}
		out[i] = face.Face{Rectangle: f.Box, Shapes: pts}
	}
	return out
}

func TestMeasureMatchesOurs(t *testing.T) {
	a := analyzer(t)
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/two_people.jpg", "faces-gf/bona3.jpg"} {
		ours, err := a.Find(context.Background(), load(t, rel), nil)
		if err != nil || len(ours) == 0 {
			t.Fatalf("%s: %v", rel, err)
		}
		got, err := MeasureAll(goFaces(ours, false))
		if err != nil || len(got) != len(ours) {
			t.Fatalf("%s: %d faces, %v", rel, len(got), err)
		}
		for i := range ours {
			o, g := ours[i], got[i]
			if g.Box != o.Box || g.Size != o.Size || g.IPD != o.IPD || g.Pose != o.Pose {
				t.Errorf("%s face %d: go-face %+v, ours %+v", rel, i, g, o)
			}
		}
		five, err := MeasureAll(goFaces(ours, true))
		if err != nil {
			t.Fatal(err)
		}
		for i := range ours {
			if math.Abs(five[i].IPD/ours[i].IPD-1) > 0.08 || math.Abs(five[i].Pose.Roll-ours[i].Pose.Roll) > 3 {
				t.Errorf("%s face %d: 5 points ipd %.1f roll %.1f, 68 points %.1f %.1f", rel, i, five[i].IPD, five[i].Pose.Roll, ours[i].IPD, ours[i].Pose.Roll)
			}
		}
	}
	if _, err := Measure(face.Face{Rectangle: image.Rect(0, 0, 10, 10), Shapes: make([]image.Point, 3)}); !errors.Is(err, facecheck.ErrLandmarks) {
		t.Errorf("3 points: %v", err)
	}
}

// A Finder in prevalidate judges the same as the default analyzer when
// go-face reports what dlib found. The stand-in recognizer decodes the JPEG
// it is handed, as go-face does, and runs our detector on it.
func TestFinderInPrevalidate(t *testing.T) {
	a := analyzer(t)
	calls := 0
	recognize := func(b []byte) ([]face.Face, error) {
		calls++
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		faces, err := a.Find(context.Background(), img, nil)
		return goFaces(faces, false), err
	}
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/two_people.jpg", "faces-fr/obama-720p.jpg"} {
		b, err := os.ReadFile(testsupport.CorpusPath(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		want, err := prevalidate.CheckBytes(context.Background(), b, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := prevalidate.CheckBytes(context.Background(), b, &prevalidate.Options{Faces: Finder{Recognize: recognize}})
		if err != nil {
			t.Fatal(err)
		}
		if got.OK != want.OK || len(got.Faces) != len(want.Faces) || !sameCodes(got.Codes(), want.Codes()) {
			t.Errorf("%s: go-face %v %v, default %v %v", rel, got.OK, got.Codes(), want.OK, want.Codes())
		}
		for i := range want.Faces {
			if math.Abs(got.Faces[i].Size-want.Faces[i].Size) > 0.05*want.Faces[i].Size {
				t.Errorf("%s face %d: size %.1f, default %.1f", rel, i, got.Faces[i].Size, want.Faces[i].Size)
			}
		}
	}
	if calls != 3 {
		t.Errorf("%d calls to the recognizer, want 3", calls)
	}
	failing := Finder{Recognize: func([]byte) ([]face.Face, error) { return nil, errors.New("boom") }}
	rep, err := prevalidate.CheckBytes(context.Background(), mustRead(t, "faces-fr/obama.jpg"), &prevalidate.Options{Faces: failing})
	if err != nil || !rep.Has(prevalidate.FaceNotFound) {
		t.Errorf("a failing recognizer: %v, %v", rep.Codes(), err)
	}
}

func mustRead(t *testing.T, rel string) []byte {
	b, err := os.ReadFile(testsupport.CorpusPath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sameCodes(a, b []prevalidate.Code) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
