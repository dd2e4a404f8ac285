package facecheck

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	"path/filepath"
	"slices"
	"testing"

	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/internal/testsupport"
)

// guideRegions keeps the candidates that may be a face (score, width),
// grows each by guideMargin widths, clips to the image and joins the
// regions that overlap, transitively.
func TestGuideRegions(t *testing.T) {
	b := image.Rect(0, 0, 1000, 800)
	key := func(x0, y0, w, score float64) KeyFace {
		return KeyFace{Score: score, Box: [4]float64{x0, y0, x0 + w, y0 + w}}
	}
	got := guideRegions(b, []KeyFace{
		key(400, 400, 100, 0.5),       // kept: 300..600
		key(100, 100, 100, 0.1),       // scores too little
		key(700, 100, 20, 0.7),        // too small
		key(900, 700, 60, 0.3),        // kept, clipped: 840..1000 x 640..800
		key(620, 420, 60, guideScore), // kept: 560..740, meets the first
	}, 50, func(float64) int { return 0 })
	want := []image.Rectangle{image.Rect(300, 300, 740, 600), image.Rect(840, 640, 1000, 800)}
	if len(got) != len(want) {
		t.Fatalf("regions %v, want %v", got, want)
	}
	for i := range want {
		if got[i].r != want[i] {
			t.Errorf("region %d: %v, want %v", i, got[i].r, want[i])
		}
	}
	// A chain: a meets b only through c, added last.
	got = guideRegions(b, []KeyFace{key(100, 100, 50, 0.5), key(400, 100, 50, 0.5), key(240, 100, 60, 0.5)}, 10, func(float64) int { return 1 })
	if len(got) != 1 || got[0] != (guideRegion{image.Rect(50, 40, 500, 220), 1}) {
		t.Errorf("chain: %v", got)
	}
	// Regions searched from different levels stay apart: a large
	// candidate's is searched only where its face would be.
	got = guideRegions(b, []KeyFace{key(100, 100, 50, 0.5), key(120, 100, 300, 0.5)}, 10, func(w float64) int { return int(w / 100) })
	if len(got) != 2 || got[0] != (guideRegion{image.Rect(50, 50, 200, 200), 0}) || got[1] != (guideRegion{image.Rect(0, 0, 720, 700), 3}) {
		t.Errorf("levels: %v", got)
	}
}

// On a phone photo (one HOG pass), the second look searches only around
// BlazeFace's weak candidates. Real faces pasted near the minimum size
// into the corpus's faceless phone photos, which BlazeFace misses: the
// guided look finds each where the whole search does, and on the photos
// alone finds nothing, as the whole search does not.
func TestGuidedSecondLook(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	ctx := context.Background()
	a := keypointAnalyzer(t)
	a.SetSecondLook(true)
	opts := &FindOptions{MinFace: 112, Relative: 1}
	backs := []string{"exif-samples/jpg/mobile/jolla.jpg", "exif-samples/jpg/hdr/iphone_hdr_YES.jpg"}
	faces, err := filepath.Glob("../testdata/surface/small_*.jpg")
	if err != nil || len(faces) == 0 {
		t.Fatalf("no faces: %v", err)
	}
	missed := 0
	for bi, bp := range backs {
		bg := samples.Scaled(testsupport.DecodeCorpus(t, bp), 0.5) // as the pipeline decodes it
		// The photo alone: no face either way.
		var weak []KeyFace
		if keys, err := a.detectKeypoints(ctx, bg, opts, &weak); err != nil || len(keys) != 0 {
			t.Fatalf("%s: BlazeFace %v %v", bp, keys, err)
		}
		if got, err := a.lookAgain(ctx, bg, opts, weak); err != nil || len(got) != 0 {
			t.Errorf("%s: the guided look finds %+v %v", bp, got, err)
		}
		for fi, fp := range faces {
			src := testsupport.DecodeFile(t, fp)
			alone, err := a.Find(ctx, src, &FindOptions{MinFace: 40})
			if err != nil || len(alone) != 1 {
				t.Fatalf("%s alone: %+v %v", fp, alone, err)
			}
			for _, fw := range []float64{112, 120} {
				// The face as wide as MinFace or just over (HOG's box).
				k := fw / float64(alone[0].Box.Dx())
				face := samples.Scaled(src, k)
				comp := image.NewRGBA(bg.Bounds())
				draw.Draw(comp, comp.Bounds(), bg, bg.Bounds().Min, draw.Src)
				at := image.Pt(150+(fi*397+bi*211+int(fw)*7)%(comp.Bounds().Dx()-face.Bounds().Dx()-300), 150+(fi*173)%(comp.Bounds().Dy()-face.Bounds().Dy()-300))
				draw.Draw(comp, face.Bounds().Add(at), face, face.Bounds().Min, draw.Src)
				want := image.Rect(int(float64(alone[0].Box.Min.X)*k), int(float64(alone[0].Box.Min.Y)*k),
					int(float64(alone[0].Box.Max.X)*k), int(float64(alone[0].Box.Max.Y)*k)).Add(at)
				name := fmt.Sprintf("%s at %.0f px in %s", filepath.Base(fp), fw, filepath.Base(bp))
				weak = weak[:0]
				keys, err := a.detectKeypoints(ctx, comp, opts, &weak)
				if err != nil {
					t.Fatal(err)
				}
				whole, err := a.searchHOG(ctx, comp, opts, secondLookFloor)
				if err != nil {
					t.Fatal(err)
				}
				if len(keys) > 0 {
					t.Logf("%s: BlazeFace finds it (%.2f)", name, keys[0].Score)
					continue
				}
				guided, err := a.lookAgain(ctx, comp, opts, weak)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%s: %d candidates; whole search %d faces, guided %d", name, len(weak), len(whole), len(guided))
				// Every face the whole search finds, at the same box: the
				// levels searched are its own pixels. A region cut off that
				// grid (a large candidate's) may find one more, which must be
				// the face pasted.
				for _, w := range whole {
					if !slices.ContainsFunc(guided, func(g Face) bool { return g.Box == w.Box }) {
						t.Errorf("%s: the whole search finds %v, the guided look %+v", name, w.Box, guided)
					}
				}
				for _, g := range guided {
					if !slices.ContainsFunc(whole, func(w Face) bool { return g.Box == w.Box }) && iou(g.Box, want) < 0.5 {
						t.Errorf("%s: the guided look finds %v, not the face pasted at %v", name, g.Box, want)
					}
				}
				if len(whole) == 0 {
					continue // too small for HOG as well
				}
				if iou(whole[0].Box, want) < 0.5 {
					t.Errorf("%s: found at %v, pasted at %v", name, whole[0].Box, want)
				}
				missed++
				// And through Find, as the pipeline calls it.
				if got, err := a.Find(ctx, comp, opts); err != nil || len(got) != 1 || got[0].Box != whole[0].Box {
					t.Errorf("%s: Find %+v %v", name, got, err)
				}
			}
		}
	}
	if missed < 3 {
		t.Fatalf("only %d pasted faces need the second look: the test no longer exercises it", missed)
	}
}
