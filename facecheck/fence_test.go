package facecheck

import (
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
)

// dlib.cc reads one of dlib's private members: object_detector's scanner
// (to set the pyramid levels searched). A dlib whose layout differs fails to
// compile when the member is renamed or retyped; these tests catch the
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
}
