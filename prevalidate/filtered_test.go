package prevalidate

import (
	"bytes"
	"context"
	"image"
	"os"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/facegate/facegate/internal/testsupport"
)

// Clear portraits read no FILTERED; a phone selfie with its skin blurred
// under a mask (what "smooth skin" retouching does) reads FILTERED by skin
// texture, and a portrait with its saturation boosted 1.5 times by skin
// saturation. Both are warnings: the verdict stays the portrait's. (A pale
// face boosted as much stays under the saturation threshold: the measure
// finds 19 of 54 boosted photos, benchmarks/filters.sh.)
func TestFilteredPortrait(t *testing.T) {
	testsupport.RequireNative(t)
	for _, c := range []struct {
		photo, key string
		filter     func(image.Image, Face) image.Image
	}{
		{"faces-gf/nana.jpg", KeySkinTexture, smoothSkin},
		{"faces-dlib/Tom_Cruise_avp_2014_4.jpg", KeySkinColour, func(img image.Image, _ Face) image.Image { return imaging.AdjustSaturation(img, 50) }},
	} {
		src, err := os.ReadFile(testsupport.CorpusPath(t, c.photo))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := CheckBytes(context.Background(), src, &Options{Landmarks: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Has(Filtered) || !rep.OK || rep.Quality == nil || rep.Quality.Retouch == nil {
			t.Fatalf("%s: ok %v, %v, quality %+v", c.photo, rep.OK, rep.Codes(), rep.Quality)
		}
		img, err := imaging.Decode(bytes.NewReader(src), imaging.AutoOrientation(true))
		if err != nil {
			t.Fatal(err)
		}
		r := checkBytes(t, encodeJPEG(t, c.filter(img, rep.Faces[0]), 95), nil)
		is := issueOf(r, Filtered)
		if is == nil || is.Severity != SeverityWarning || r.OK != rep.OK || r.Quality.Retouch == nil {
			t.Errorf("%s filtered: ok %v, %v (before %+v, after %+v)", c.photo, r.OK, r.Issues, *rep.Quality.Retouch, r.Quality.Retouch)
			continue
		}
		want := map[string]string{KeySkinTexture: "smoothed", KeySkinColour: "boosted"}[c.key]
		if !strings.Contains(is.Message, want) {
			t.Errorf("%s: %q does not say %q", c.photo, is.Message, want)
		}
	}
}

// smoothSkin blurs the face inside its jaw line and below the brows
// (Gaussian, 0.06 eye distances), keeping the eyes and the mouth.
func smoothSkin(img image.Image, f Face) image.Image {
	blur := imaging.Blur(img, 0.06*f.IPD)
	out := imaging.Clone(img)
	lm := f.Landmarks
	poly := make([]image.Point, 0, 21)
	for _, p := range append(lm[0:17:17], lm[26], lm[24], lm[19], lm[17]) {
		poly = append(poly, image.Pt(p[0], p[1]))
	}
	keep := []image.Rectangle{around(lm[36:42], 0.12*f.IPD), around(lm[42:48], 0.12*f.IPD), around(lm[48:60], 0.08*f.IPD)}
	b := out.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := image.Pt(x, y)
			if !inPolygon(poly, p) || inAny(keep, p) {
				continue
			}
			out.Set(x, y, blur.At(x, y))
		}
	}
	return out
}

func around(pts [][2]int, margin float64) image.Rectangle {
	r := image.Rect(pts[0][0], pts[0][1], pts[0][0]+1, pts[0][1]+1)
	for _, p := range pts[1:] {
		r = r.Union(image.Rect(p[0], p[1], p[0]+1, p[1]+1))
	}
	return r.Inset(-int(margin))
}

func inAny(rs []image.Rectangle, p image.Point) bool {
	for _, r := range rs {
		if p.In(r) {
			return true
		}
	}
	return false
}

func inPolygon(poly []image.Point, p image.Point) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, c := poly[i], poly[j]
		if (a.Y > p.Y) != (c.Y > p.Y) && float64(p.X) < float64(c.X-a.X)*float64(p.Y-a.Y)/float64(c.Y-a.Y)+float64(a.X) {
			in = !in
		}
	}
	return in
}
