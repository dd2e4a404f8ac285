package facecheck

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/models"
)

// The raw copy of the landmark model predicts exactly what dlib's own file
// does; a damaged copy is ignored, not trusted.
func TestLoadPredictorCached(t *testing.T) {
	testsupport.RequireNative(t)
	path, err := models.Find(models.Landmarks68, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	first, err := LoadPredictorCached(path, dir) // parses dlib's file, writes the copy
	if err != nil {
		t.Fatal(err)
	}
	raws, _ := filepath.Glob(filepath.Join(dir, "*.raw"))
	if len(raws) != 1 {
		t.Fatalf("cache holds %v, want one .raw file", raws)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	second, err := loadRaw(raws[0])
	if err != nil {
		t.Fatalf("the copy does not load: %v", err)
	}
	if second.Points() != 68 || first.Points() != 68 {
		t.Fatalf("points %d and %d", first.Points(), second.Points())
	}
	g := grey(t, "faces-fr/obama.jpg")
	det, err := NewDetector()
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	dets, err := det.Detect(g, 0)
	if err != nil || len(dets) == 0 {
		t.Fatalf("no face to compare on: %v", err)
	}
	want, err := predictor(t).Landmarks(g, dets[0].Box)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*Predictor{"parsed then saved": first, "raw copy": second} {
		got, err := p.Landmarks(g, dets[0].Box)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: landmarks differ from dlib's loader (%v)", name, err)
		}
	}
	// A cut copy, or one with a wrong magic, is refused and the model is
	// parsed again.
	data, err := os.ReadFile(raws[0])
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"truncated": data[:len(data)/3],
		"magic":     append([]byte("NOTRAW!!"), data[8:]...),
		"empty":     nil,
	} {
		if err := os.WriteFile(raws[0], bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := loadRaw(raws[0]); err == nil {
			t.Errorf("%s copy: loaded", name)
		}
		p, err := LoadPredictorCached(path, dir)
		if err != nil || p.Points() != 68 {
			t.Errorf("%s copy: no fallback to dlib's file: %v", name, err)
		}
	}
}

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
