package facecheck

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
)

// The detector built from the cached copy finds exactly what the one built
// from dlib's embedded model does. The model is built once per process, so
// each side runs in a child process of this test binary.
func TestDetectorCache(t *testing.T) {
	testsupport.RequireNative(t)
	if dir := os.Getenv("FACEGATE_DETECTOR_CACHE_CHILD"); dir != "" {
		Prepare(dir)
		det, err := NewDetector()
		if err != nil {
			t.Fatal(err)
		}
		dets, err := det.Detect(grey(t, "faces-fr/two_people.jpg"), 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("DETECTIONS %v\n", dets)
		return
	}
	dir := t.TempDir()
	child := func() string {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDetectorCache$", "-test.count=1")
		cmd.Env = append(os.Environ(), "FACEGATE_DETECTOR_CACHE_CHILD="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "DETECTIONS ") {
				return line
			}
		}
		t.Fatalf("child printed no detections:\n%s", out)
		return ""
	}
	built := child() // decompresses dlib's model, writes the copy
	copies, _ := filepath.Glob(filepath.Join(dir, "frontal_face_detector-*.dat"))
	if len(copies) != 1 {
		t.Fatalf("cache holds %v", copies)
	}
	if cached := child(); cached != built {
		t.Errorf("from the copy: %s\nbuilt: %s", cached, built)
	}
	if !strings.Contains(built, "{(") {
		t.Errorf("no face found on two_people.jpg: %s", built)
	}
	// A damaged copy is rebuilt, not trusted.
	if err := os.WriteFile(copies[0], []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if again := child(); again != built {
		t.Errorf("after damage: %s", again)
	}
}
