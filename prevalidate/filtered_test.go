package prevalidate

import (
	"bytes"
	"context"
	"image"
	"os"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/facegate/facegate/internal/retouchfx"
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

// smoothSkin blurs the skin under the feathered skin mask (Gaussian, 0.06
// eye distances), as internal/cmd/filtereval's evaluation does.
func smoothSkin(img image.Image, f Face) image.Image {
	lm := make([]image.Point, len(f.Landmarks))
	for i, p := range f.Landmarks {
		lm[i] = image.Pt(p[0], p[1])
	}
	return retouchfx.Smooth(imaging.Clone(img), lm, f.IPD)
}
