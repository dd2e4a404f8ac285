package facecheck

import (
	"errors"
	"image"
	_ "image/jpeg"
	"os"
	"sync"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/models"
)

var (
	predOnce sync.Once
	pred     *Predictor
	predErr  error
)

func predictor(t testing.TB) *Predictor {
	t.Helper()
	predOnce.Do(func() {
		var path string
		if path, predErr = models.Find(models.Landmarks68, nil); predErr == nil {
			// The flat copy in the cache facegate uses (reading dlib's
			// format takes seconds under -race); TestLoadPredictorCached
			// checks the reading itself in a folder of its own.
			pred, predErr = LoadPredictorCached(path, models.CacheDir(""))
		}
	})
	if predErr != nil {
		t.Fatal(predErr)
	}
	return pred
}

func grey(t *testing.T, rel string) *image.Gray {
	t.Helper()
	return Gray(testsupport.DecodeCorpus(t, rel))
}

func near(a, b image.Rectangle, tol int) bool {
	d := func(x, y int) bool { return x-y <= tol && y-x <= tol }
	return d(a.Min.X, b.Min.X) && d(a.Min.Y, b.Min.Y) && d(a.Max.X, b.Max.X) && d(a.Max.Y, b.Max.Y)
}

func TestDetectCorpus(t *testing.T) {
	testsupport.RequireNative(t)
	det, err := NewDetector()
	if err != nil {
		t.Fatal(err)
	}
	// face_recognition's HOG box for obama.jpg, found with one upsample:
	// (top, right, bottom, left) = (142, 617, 409, 349).
	dets, err := det.Detect(grey(t, "faces-fr/obama.jpg"), 1)
	if err != nil || len(dets) != 1 {
		t.Fatalf("obama.jpg: %v, %v", dets, err)
	}
	if want := image.Rect(349, 142, 617, 409); !near(dets[0].Box, want, 3) {
		t.Errorf("obama.jpg: box %v, want about %v", dets[0].Box, want)
	}
	for rel, want := range map[string]int{
		"faces-dlib/Tom_Cruise_avp_2014_4.jpg": 1,
		"faces-dlib/dogs.jpg":                  0,
		"faces-fr/two_people.jpg":              2,
	} {
		dets, err := det.Detect(grey(t, rel), 0)
		if err != nil || len(dets) != want {
			t.Errorf("%s: %d faces (%v), want %d", rel, len(dets), err, want)
		}
	}
}

func TestLandmarks68(t *testing.T) {
	testsupport.RequireNative(t)
	p := predictor(t)
	if p.Points() != 68 {
		t.Fatalf("%d points", p.Points())
	}
	det, _ := NewDetector()
	img := grey(t, "faces-dlib/Tom_Cruise_avp_2014_4.jpg")
	dets, err := det.Detect(img, 0)
	if err != nil || len(dets) != 1 {
		t.Fatalf("%v %v", dets, err)
	}
	pts, err := p.Landmarks(img, dets[0].Box)
	if err != nil || len(pts) != 68 {
		t.Fatalf("%d points, %v", len(pts), err)
	}
	box := dets[0].Box
	grown := box.Inset(-box.Dx() / 4)
	for i, pt := range pts {
		if !pt.In(grown) {
			t.Errorf("point %d %v outside %v", i, pt, grown)
		}
	}
	// Anatomy: the right eye (36-41, the subject's right) is left of the left
	// eye (42-47) in the image, and both are above the mouth (48-67).
	mean := func(a, b int) image.Point {
		var s image.Point
		for _, q := range pts[a : b+1] {
			s = s.Add(q)
		}
		return s.Div(b - a + 1)
	}
	re, le, mouth := mean(36, 41), mean(42, 47), mean(48, 67)
	if re.X >= le.X || re.Y >= mouth.Y || le.Y >= mouth.Y {
		t.Errorf("eyes %v %v, mouth %v", re, le, mouth)
	}
}

func TestInvalidInputsAreErrors(t *testing.T) {
	testsupport.RequireNative(t)
	det, _ := NewDetector()
	p := predictor(t)
	for _, img := range []*image.Gray{nil, image.NewGray(image.Rect(0, 0, 1, 500)), image.NewGray(image.Rect(0, 0, 0, 0))} {
		if _, err := det.Detect(img, 0); !errors.Is(err, ErrDlib) {
			t.Errorf("detect %v: %v", img, err)
		}
		if _, err := p.Landmarks(img, image.Rect(0, 0, 10, 10)); !errors.Is(err, ErrDlib) {
			t.Errorf("landmarks: %v", err)
		}
	}
	if _, err := LoadPredictor("/nonexistent/model.dat"); !errors.Is(err, ErrDlib) {
		t.Errorf("missing model: %v", err)
	}
	bad := t.TempDir() + "/bad.dat"
	os.WriteFile(bad, []byte("not a model"), 0o644)
	if _, err := LoadPredictor(bad); !errors.Is(err, ErrShapeModel) {
		t.Errorf("garbage model: %v", err)
	}
}

// One shared predictor, one detector per goroutine: same results as serial.
func TestConcurrentDetectors(t *testing.T) {
	testsupport.RequireNative(t)
	p := predictor(t)
	img := grey(t, "faces-dlib/Tom_Cruise_avp_2014_4.jpg")
	det, _ := NewDetector()
	want, _ := det.Detect(img, 0)
	wantPts, _ := p.Landmarks(img, want[0].Box)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := NewDetector()
			if err != nil {
				t.Error(err)
				return
			}
			for r := 0; r < 3; r++ {
				got, err := d.Detect(img, 0)
				if err != nil || len(got) != 1 || got[0] != want[0] {
					t.Errorf("detect: %v %v", got, err)
					return
				}
				pts, err := p.Landmarks(img, got[0].Box)
				if err != nil || len(pts) != len(wantPts) || pts[30] != wantPts[30] {
					t.Errorf("landmarks differ: %v", err)
				}
			}
		}()
	}
	wg.Wait()
}

// The two halves of dlib's pyramid, searched apart, find what one search
// finds: the face of obama.jpg (on level 7) and the faces of
// obama_and_biden.jpg, two_people.jpg and bald_guys.jpg, in the same order,
// within two pixels (boxes are rounded once per part).
func TestDetectLevelsSplit(t *testing.T) {
	testsupport.RequireNative(t)
	det, err := NewDetector()
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/obama_and_biden.jpg", "faces-fr/two_people.jpg", "faces-dlib/bald_guys.jpg"} {
		g := grey(t, rel)
		whole, err := det.Detect(g, 0)
		if err != nil || len(whole) == 0 {
			t.Fatalf("%s: %v %v", rel, whole, err)
		}
		for _, split := range []int{2, 4, 7} {
			fine, err := det.DetectLevels(g, 0, split)
			if err != nil {
				t.Fatal(err)
			}
			coarse, err := det.DetectLevels(g, split, 0)
			if err != nil {
				t.Fatal(err)
			}
			got := mergeDetections(append(fine, coarse...))
			if len(got) != len(whole) {
				t.Errorf("%s split at %d: %d + %d faces, %d in one search", rel, split, len(fine), len(coarse), len(whole))
				continue
			}
			for i := range got {
				if !near(got[i].Box, whole[i].Box, 2) {
					t.Errorf("%s split at %d: face %d at %v, %v in one search", rel, split, i, got[i].Box, whole[i].Box)
				}
			}
		}
	}
	// Past the last level there is nothing; never an error.
	if d, err := det.DetectLevels(grey(t, "faces-fr/obama-240p.jpg"), 40, 0); err != nil || len(d) != 0 {
		t.Errorf("40 levels skipped: %v %v", d, err)
	}
}
