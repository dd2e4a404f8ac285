//go:build cgo

package facecheck

import (
	"bytes"
	"errors"
	"image"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/models"
)

var (
	refOnce sync.Once
	ref     *dlibPredictor
	refErr  error
)

// dlibReference is the 68-point model loaded by dlib itself.
func dlibReference(t testing.TB) *dlibPredictor {
	t.Helper()
	refOnce.Do(func() {
		var path string
		if path, refErr = models.Find(models.Landmarks68, nil); refErr == nil {
			ref, refErr = loadDlibPredictor(path)
		}
	})
	if refErr != nil {
		t.Fatal(refErr)
	}
	return ref
}

// The flat model gives, point for point, what dlib's own shape_predictor
// gives: on every face dlib's detector finds in the corpus's face photos
// (shrunk to at most 800 px), at its box and at boxes shifted, shrunk,
// grown and pushed over the image's edge (feature pixels outside the image
// read 0).
func TestFlatShapeMatchesDlib(t *testing.T) {
	testsupport.RequireNative(t)
	reference, flat := dlibReference(t), predictor(t)
	det, err := NewDetector()
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	photos, boxes := 0, 0
	for _, e := range testsupport.Manifest(t) {
		if !strings.HasPrefix(e.Path, "faces-") || (e.Format != "JPEG" && e.Format != "PNG") {
			continue
		}
		if testing.Short() && photos >= 8 {
			break
		}
		img := testsupport.DecodeCorpus(t, e.Path)
		c := min(1, 800/float64(max(img.Bounds().Dx(), img.Bounds().Dy())))
		g := scaleGray(img, c)
		dets, err := det.Detect(g, 0)
		if err != nil {
			t.Fatal(err)
		}
		photos++
		for _, d := range dets {
			b := d.Box
			w, h := b.Dx(), b.Dy()
			for _, r := range []image.Rectangle{
				b, b.Add(image.Pt(w/4, -h/4)), b.Add(image.Pt(-w/3, h/5)),
				b.Inset(w / 5), b.Inset(-w / 3),
				b.Add(image.Pt(-b.Min.X-w/2, 0)), // half over the left edge
			} {
				want, err1 := reference.landmarks(g, r)
				got, err2 := flat.Landmarks(g, r)
				if err1 != nil || err2 != nil {
					t.Fatalf("%s %v: %v, %v", e.Path, r, err1, err2)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s box %v: flat model's landmarks differ from dlib's:\n got %v\nwant %v", e.Path, r, got, want)
				}
				boxes++
			}
		}
	}
	t.Logf("%d photos, %d boxes: every landmark the same", photos, boxes)
	if boxes < 100 && !testing.Short() {
		t.Errorf("only %d boxes compared", boxes)
	}
}

// The flat copy of the landmark model predicts exactly what dlib's own
// object does; a damaged copy is not trusted but made again.
func TestLoadPredictorCached(t *testing.T) {
	testsupport.RequireNative(t)
	if testing.Short() {
		t.Skip("reads dlib's format twice (slow under -race); the full run covers it")
	}
	path, err := models.Find(models.Landmarks68, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	first, err := LoadPredictorCached(path, dir) // parses dlib's file, writes the copy
	if err != nil {
		t.Fatal(err)
	}
	copies, _ := filepath.Glob(filepath.Join(dir, "*.shape"))
	if len(copies) != 1 {
		t.Fatalf("cache holds %v, want one .shape file", copies)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	second, err := LoadPredictor(copies[0]) // a flat file is mapped as it is
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
	want, err := dlibReference(t).landmarks(g, dets[0].Box)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*Predictor{"parsed then saved": first, "mapped copy": second} {
		got, err := p.Landmarks(g, dets[0].Box)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: landmarks differ from dlib's own object (%v)", name, err)
		}
	}
	// A cut copy, one with a wrong magic or an anchor out of range is
	// refused; then (once: reading dlib's format is the slow part) the
	// model is read again and its copy written again.
	data, err := os.ReadFile(copies[0])
	if err != nil {
		t.Fatal(err)
	}
	sm, err := readFlat(data)
	if err != nil {
		t.Fatal(err)
	}
	anchor := append([]byte(nil), data...)
	anchor[sm.offAnchors()] = 200
	for name, bad := range map[string][]byte{
		"truncated": data[:len(data)/3],
		"magic":     append([]byte("NOTSHAPE"), data[8:]...),
		"anchor":    anchor,
		"empty":     nil,
	} {
		if err := os.WriteFile(copies[0], bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := mapPredictor(copies[0]); err == nil || (len(bad) >= flatHeader && !errors.Is(err, ErrShapeModel)) {
			t.Errorf("%s copy: mapped (%v)", name, err)
		}
	}
	p, err := LoadPredictorCached(path, dir) // over the empty copy
	if err != nil || p.Points() != 68 {
		t.Errorf("damaged copy: no fallback to dlib's file: %v", err)
	}
	if again, err := os.ReadFile(copies[0]); err != nil || !bytes.Equal(again, data) {
		t.Errorf("damaged copy: not written again (%v)", err)
	}
}

// BenchmarkLandmarkModelLoad measures the forms the 68-point model loads
// from: dlib's own deserialise into its shape_predictor, facegate's reader
// of dlib's format into the flat form (a first run, or a run with no
// cache), and the flat copy mapped from the cache (every later run); the
// last also fits one face, which reads its leaves' pages for the first
// time. go test ./facecheck -run - -bench LandmarkModelLoad -benchtime 5x
func BenchmarkLandmarkModelLoad(b *testing.B) {
	testsupport.RequireNative(b)
	path, err := models.Find(models.Landmarks68, nil)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if _, err := LoadPredictorCached(path, dir); err != nil {
		b.Fatal(err)
	}
	g := Gray(testsupport.DecodeCorpus(b, "faces-fr/obama.jpg"))
	box := image.Rect(349, 142, 617, 409)
	b.Run("dlib-deserialize", func(b *testing.B) {
		for b.Loop() {
			if _, err := loadDlibPredictor(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("dlib-format-to-flat", func(b *testing.B) {
		for b.Loop() {
			if _, err := LoadPredictor(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("flat-mapped", func(b *testing.B) {
		for b.Loop() {
			if _, err := LoadPredictorCached(path, dir); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("flat-mapped-first-fit", func(b *testing.B) {
		for b.Loop() {
			p, err := LoadPredictorCached(path, dir)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.Landmarks(g, box); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLandmarkFit compares one fit of the flat model with dlib's own
// object's, on the same face.
func BenchmarkLandmarkFit(b *testing.B) {
	testsupport.RequireNative(b)
	g := Gray(testsupport.DecodeCorpus(b, "faces-fr/obama.jpg"))
	box := image.Rect(349, 142, 617, 409)
	ref := dlibReference(b)
	b.Run("dlib", func(b *testing.B) {
		for b.Loop() {
			if _, err := ref.landmarks(g, box); err != nil {
				b.Fatal(err)
			}
		}
	})
	p := predictor(b)
	b.Run("flat", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.Landmarks(g, box); err != nil {
				b.Fatal(err)
			}
		}
	})
}
