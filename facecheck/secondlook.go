package facecheck

import (
	"context"
	"image"
	"math"
)

// The guided second look. On a photo large enough for one HOG pass (a
// phone photo), dlib's HOG search of the whole pyramid costs 70-85 ms on
// one core, a quarter of a set's time when half the photos show no face.
// The faces it finds there that BlazeFace missed are ones BlazeFace still
// saw as candidates: on the 65 faces only the second look found
// (benchmarks/secondlook.sh's phone photos and surface.sh's photos), a
// BlazeFace candidate under the score a face needs covered every one, at
// 0.25-0.88, and on the phone photos at 0.44-0.75 with a box 0.77-1.06
// times MinFace. So on such a photo the second look searches only around
// those candidates, on the pass's own pyramid levels; a faceless photo
// with none costs nothing more.
const (
	// guideScore is the least BlazeFace score of a candidate the second
	// look searches around.
	guideScore = 0.2
	// guideWidth is the least width of such a candidate, as a share of
	// the smallest face the second look is for (secondLookFloor times
	// MinFace): a candidate much smaller than a face that passes cannot
	// be one.
	guideWidth = 0.5
	// guideMargin is how far, in the candidate's widths, the searched
	// region reaches beyond its box on every side: HOG's 80 px window is
	// wider than the 72 px box it places, and the features near a region's
	// edge are not the whole image's, so the face must sit well inside.
	guideMargin = 1.0
	// guideLevelShare: a region is searched from the level of a face of
	// this share of its candidate's width (or of the smallest face the
	// second look is for, if larger). On the phone photos' finds HOG's
	// box was 0.93-1.17 times MinFace where BlazeFace's candidate was
	// 0.77-1.06 times it.
	guideLevelShare = 0.6
	// maxAlignedLevel is the last first level whose regions are cut on
	// the whole search's pixel grid (see lookAgain).
	maxAlignedLevel = 2
)

// lookAgain is the second look, after BlazeFace found no face: dlib's HOG
// detector on the pass Passes gives the image, from the pyramid level of a
// face of secondLookFloor times MinFace. On an image searched in one pass
// (no retries, no upsampling) only the regions around weak, BlazeFace's
// candidates, are searched; a smaller image, searched in several passes,
// costs little and is searched whole.
func (a *Analyzer) lookAgain(ctx context.Context, img image.Image, opts *FindOptions, weak []KeyFace) ([]Face, error) {
	b := img.Bounds()
	passes := opts.Passes(b.Dx(), b.Dy())
	if len(passes) != 1 || passes[0].Upsample != 0 {
		return a.searchHOG(ctx, img, opts, secondLookFloor)
	}
	c := passes[0].Scale
	need := secondLookFloor * opts.minFace()
	regions := guideRegions(b, weak, guideWidth*need, func(w float64) int {
		return firstLevel(max(need, guideLevelShare*w) * c)
	})
	if len(regions) == 0 {
		return nil, nil
	}
	det, err := a.detector()
	if err != nil {
		return nil, err
	}
	defer a.release(det)
	// The pass's own grey copy, cut at the regions. A region searched
	// from level 0-2 has its corners on a multiple of 8·6^skip: its levels
	// are then the whole search's own pixels, HOG's cells where they are
	// there. (Beyond that the multiple outgrows a photo, and a region's
	// levels are its own copy's.)
	g := scaleGray(img, c)
	gb := g.Bounds()
	var dets []Detection
	for _, r := range regions {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rr := mapBox(r.r, b, gb)
		if r.skip <= maxAlignedLevel {
			align := 8
			for range r.skip {
				align *= 6
			}
			rr.Min.X -= (rr.Min.X - gb.Min.X) % align
			rr.Min.Y -= (rr.Min.Y - gb.Min.Y) % align
		}
		sub, ok := g.SubImage(rr.Intersect(gb)).(*image.Gray)
		if !ok || sub.Bounds().Dx() < 2 || sub.Bounds().Dy() < 2 {
			continue
		}
		found, err := det.DetectLevels(sub, r.skip, 0)
		if err != nil {
			return nil, err
		}
		dets = append(dets, found...)
	}
	dets = mapped(mergeDetections(dets), c, gb, b)
	return a.MeasureAt(ctx, img, dets)
}

// guideRegion is a region of the image and the first level of the
// pass's pyramid searched there.
type guideRegion struct {
	r    image.Rectangle
	skip int
}

// guideRegions are the regions of b around the candidates at least minW
// wide and scoring guideScore, guideMargin of their width beyond their
// box on every side, each searched from the level level gives for the
// candidate's width; regions of the same level that overlap are joined.
func guideRegions(b image.Rectangle, weak []KeyFace, minW float64, level func(w float64) int) []guideRegion {
	var out []guideRegion
	for _, k := range weak {
		w := k.width()
		if k.Score < guideScore || w < minW || math.IsNaN(w) {
			continue
		}
		m := guideMargin * w
		r := image.Rect(int(math.Floor(k.Box[0]-m)), int(math.Floor(k.Box[1]-m)),
			int(math.Ceil(k.Box[2]+m)), int(math.Ceil(k.Box[3]+m))).Intersect(b)
		if r.Empty() {
			continue
		}
		out = append(out, guideRegion{r, level(w)})
	}
	// Join until no two overlap (each join may make a region meet another).
	for joined := true; joined; {
		joined = false
		for i := 0; i < len(out) && !joined; i++ {
			for j := i + 1; j < len(out); j++ {
				if out[i].skip == out[j].skip && out[i].r.Overlaps(out[j].r) {
					out[i].r = out[i].r.Union(out[j].r)
					out = append(out[:j], out[j+1:]...)
					joined = true
					break
				}
			}
		}
	}
	return out
}
