package facecheck

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/models"
)

// dlib.cc reads two of dlib's private members: shape_predictor's model (for
// the raw copy of the landmark model) and object_detector's scanner (to set
// the pyramid levels searched). A dlib whose layout differs fails to
// compile when a member is renamed or retyped; these tests catch the
// changes that compile: a member that no longer does what dlib.cc relies
// on. Each failure names the dlib version.
func TestDlibPrivateLayout(t *testing.T) {
	testsupport.RequireNative(t)
	fence := func(what string, args ...any) {
		t.Helper()
		t.Errorf("dlib %s: "+what+"; the private member access in facecheck/dlib.cc no longer matches this dlib's layout", append([]any{DlibVersion()}, args...)...)
	}
	// The scanner's level limit is the one searched: obama.jpg's face is
	// found on pyramid level 7 only, so a search of levels 0-1 finds nothing
	// and one from level 7 finds it.
	det, err := NewDetector()
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	g := grey(t, "faces-fr/obama.jpg")
	if d, err := det.DetectLevels(g, 0, 2); err != nil || len(d) != 0 {
		fence("a search limited to 2 pyramid levels found %d faces (%v): the limit set on the scanner is ignored", len(d), err)
	}
	if d, err := det.DetectLevels(g, 7, 1); err != nil || len(d) != 1 {
		fence("a search of level 7 alone found %d faces (%v), want obama.jpg's one", len(d), err)
	}
	// After a limited search, a full one searches every level again.
	if d, err := det.Detect(g, 0); err != nil || len(d) != 1 {
		fence("a full search after a limited one found %d faces (%v)", len(d), err)
	}

	// The raw copy holds every member the predictor uses: a copy predicts
	// what dlib's own loader does, point for point.
	path, err := models.Find(models.Landmarks68, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := LoadPredictorCached(path, dir); err != nil {
		t.Fatal(err)
	}
	raws, _ := filepath.Glob(filepath.Join(dir, "*.raw"))
	if len(raws) != 1 || !strings.Contains(raws[0], "-dlib"+DlibVersion()+".raw") {
		t.Fatalf("raw copy %v is not named after dlib %s", raws, DlibVersion())
	}
	raw, err := loadRaw(raws[0])
	if err != nil {
		fence("the raw copy written does not load: %v", err)
		return
	}
	dets, _ := det.Detect(g, 0)
	if len(dets) == 0 {
		t.Fatal("no face to fit")
	}
	want, err1 := predictor(t).Landmarks(g, dets[0].Box)
	got, err2 := raw.Landmarks(g, dets[0].Box)
	if err1 != nil || err2 != nil || !reflect.DeepEqual(got, want) {
		fence("landmarks from the raw copy differ from dlib's loader (%v, %v)", err1, err2)
	}
}
