package prevalidate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/png"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/quality/iso"
)

// isoPortraits are corpus photos of one well-lit face with the mouth
// closed, for the controlled degradations.
var isoPortraits = []string{
	"faces-fr/obama.jpg", "faces-fr/alex_lacamoire1.jpg", "faces-fr/biden2.jpg", "faces-fr/lin-manuel-miranda.png",
	"faces-fr-knn/train/rose_leslie/img2.jpg", "faces-fr-knn/train/alex_lacamoire/img1.jpg", "faces-dlib/Tom_Cruise_avp_2014_4.jpg",
	"faces-gf/nana.jpg", "faces-gf/bona3.jpg", "faces-gf/tzuyu.jpg",
}

// degradation changes a photo's pixels (RGBA, opaque).
type degradation struct {
	name string
	f    func(img *image.NRGBA, face Face) image.Image
}

// perPixel applies f to each pixel; x is the column relative to the
// face's centre, in face widths.
func perPixel(f func(x float64, r, g, b float64) (float64, float64, float64)) func(*image.NRGBA, Face) image.Image {
	return func(img *image.NRGBA, face Face) image.Image {
		out := image.NewNRGBA(img.Rect)
		cx, fw := float64(face.Box[0])+float64(face.Box[2])/2, float64(face.Box[2])
		for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
			for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
				i := img.PixOffset(x, y)
				p := img.Pix[i:]
				r, g, b := f((float64(x)-cx)/fw, float64(p[0]), float64(p[1]), float64(p[2]))
				c := func(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(v)))) }
				out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = c(r), c(g), c(b), 0xff
			}
		}
		return out
	}
}

var degradations = []degradation{
	{"darkened (x 0.3)", perPixel(func(_, r, g, b float64) (float64, float64, float64) { return 0.3 * r, 0.3 * g, 0.3 * b })},
	// Light from one side: 1.6 at the face's left edge to 0.4 at its
	// right, 1 at its centre.
	{"lit from one side", perPixel(func(x, r, g, b float64) (float64, float64, float64) {
		k := math.Max(0.2, math.Min(1.8, 1-1.2*x))
		return k * r, k * g, k * b
	})},
	{"desaturated", perPixel(func(_, r, g, b float64) (float64, float64, float64) {
		v := 0.299*r + 0.587*g + 0.114*b
		return v, v, v
	})},
	{"blue cast", perPixel(func(_, r, g, b float64) (float64, float64, float64) { return 0.85 * r, g, 1.35*b + 25 })},
	// Cropped tight: the face's box and a tenth of it around.
	{"cropped tight", func(img *image.NRGBA, face Face) image.Image {
		b := face.Box
		d := b[2] / 10
		return img.SubImage(image.Rect(b[0]-d, b[1]-d, b[0]+b[2]+d, b[1]+b[3]+d).Intersect(img.Rect))
	}},
	// Cut at the image-left eye's centre: OFIQ's leftward crop is the
	// other eye's distance to the left edge in eye distances, about 1
	// here (its score falls steeply only under that: the face is cut).
	{"cut at an eye", func(img *image.NRGBA, face Face) image.Image {
		x := int(face.EyePoints[0][0])
		return img.SubImage(image.Rect(x, img.Rect.Min.Y, img.Rect.Max.X, img.Rect.Max.Y))
	}},
}

// isoScores checks a JPEG with ISO on and returns the largest face's
// scores and raws, and its box.
func isoScores(t *testing.T, data []byte) (map[string]float64, map[string]float64, Face) {
	t.Helper()
	scores, raws, f, ok := tryISOScores(t, data)
	if !ok {
		t.Fatal("no face measured")
	}
	return scores, raws, f
}

func tryISOScores(t *testing.T, data []byte) (map[string]float64, map[string]float64, Face, bool) {
	t.Helper()
	rep, err := CheckBytes(context.Background(), data, &Options{ISO: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Faces) == 0 || rep.Faces[0].ISO == nil {
		return nil, nil, Face{}, false
	}
	f := rep.Faces[0]
	scores, raws := map[string]float64{}, map[string]float64{}
	for name, c := range f.ISO {
		if c.Score != nil {
			scores[name], raws[name] = *c.Score, *c.Raw
		}
	}
	return scores, raws, f, true
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Controlled degradations of corpus portraits move the component they
// should, in the direction they should, and leave the others about where
// they were (medians over the portraits). The table is the README's.
func TestISODegradations(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	watched := []string{iso.LuminanceMean, iso.UnderExposurePrevention, iso.IlluminationUniformity, iso.NaturalColour,
		iso.MarginAboveOfTheFaceImage, iso.MarginBelowOfTheFaceImage, iso.LeftwardCropOfTheFaceImage, iso.RightwardCropOfTheFaceImage,
		iso.EyesOpen, iso.MouthClosed}
	before, beforeRaw := map[string][]float64{}, map[string][]float64{}
	after, afterRaw := map[string]map[string][]float64{}, map[string]map[string][]float64{}
	for _, rel := range isoPortraits {
		data, err := os.ReadFile(testsupport.CorpusPath(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		src, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if src.Bounds().Dy() > 1000 {
			src = imaging.Resize(src, 0, 1000, imaging.Lanczos)
		}
		img := imaging.Clone(src)
		base, baseRaw, face := isoScores(t, encodeJPEG(t, img, 95))
		for _, name := range watched {
			before[name] = append(before[name], base[name])
			beforeRaw[name] = append(beforeRaw[name], baseRaw[name])
		}
		for _, d := range degradations {
			got, raw, _, ok := tryISOScores(t, encodeJPEG(t, d.f(img, face), 95))
			if !ok && d.name == "cut at an eye" {
				continue // half an eye gone: not every face is still found
			}
			if !ok {
				t.Fatalf("%s %s: no face measured", rel, d.name)
			}
			if after[d.name] == nil {
				after[d.name], afterRaw[d.name] = map[string][]float64{}, map[string][]float64{}
			}
			for _, name := range watched {
				after[d.name][name] = append(after[d.name][name], got[name])
				afterRaw[d.name][name] = append(afterRaw[d.name][name], raw[name])
			}
		}
	}
	var tab strings.Builder
	fmt.Fprintf(&tab, "| median score | original |")
	for _, d := range degradations {
		fmt.Fprintf(&tab, " %s |", d.name)
	}
	tab.WriteString("\n|---|---|" + strings.Repeat("---|", len(degradations)) + "\n")
	for _, name := range watched {
		fmt.Fprintf(&tab, "| %s | %.0f |", name, median(before[name]))
		for _, d := range degradations {
			fmt.Fprintf(&tab, " %.0f |", median(after[d.name][name]))
		}
		tab.WriteString("\n")
	}
	t.Logf("%d portraits (%d still found when cut at an eye):\n%s", len(isoPortraits), len(after["cut at an eye"][iso.LuminanceMean]), tab.String())
	if n := len(after["cut at an eye"][iso.LuminanceMean]); n < 4 {
		t.Errorf("only %d portraits found when cut at an eye", n)
	}
	delta := func(d, name string) float64 { return median(after[d][name]) - median(before[name]) }
	// What each degradation must move, and by at least how much (score
	// points, signed).
	moves := map[string]map[string]float64{
		"darkened (x 0.3)":  {iso.LuminanceMean: -30, iso.UnderExposurePrevention: -30},
		"lit from one side": {iso.IlluminationUniformity: -15},
		"desaturated":       {iso.NaturalColour: -50},
		"blue cast":         {iso.NaturalColour: -50},
		// The portraits' eyes are already high in the frame (margin above
		// 8); OFIQ's side crops only fall when the frame cuts the face.
		"cropped tight": {iso.MarginAboveOfTheFaceImage: -5, iso.MarginBelowOfTheFaceImage: -50},
		"cut at an eye": {iso.LeftwardCropOfTheFaceImage: -5},
	}
	for _, d := range degradations {
		for _, name := range watched {
			got := delta(d.name, name)
			if need, ok := moves[d.name][name]; ok {
				if got > need {
					t.Errorf("%s: %s moved %+.0f, want %+.0f or more", d.name, name, got, need)
				}
				continue
			}
			// The others stay within 12 points (the landmark fit and the
			// JPEG re-encode move them a little).
			if math.Abs(got) > 12 && !(d.name == "lit from one side" && name == iso.LuminanceMean && math.Abs(got) < math.Abs(delta(d.name, iso.IlluminationUniformity))) {
				t.Errorf("%s: %s moved %+.0f, which it should not", d.name, name, got)
			}
		}
	}
	if b, a := median(beforeRaw[iso.LeftwardCropOfTheFaceImage]), median(afterRaw["cut at an eye"][iso.LeftwardCropOfTheFaceImage]); a > 0.5*b || a > 1.5 {
		t.Errorf("cut at an eye: leftward crop raw %.2f -> %.2f eye distances", b, a)
	} else {
		t.Logf("cut at an eye: leftward crop raw %.2f -> %.2f eye distances", b, a)
	}
	// An open mouth in the corpus (nayoung.jpg, seen with its landmarks)
	// against the closed ones.
	data, err := os.ReadFile(testsupport.CorpusPath(t, "faces-gf/nayoung.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	open, _, _ := isoScores(t, data)
	if closed := median(before[iso.MouthClosed]); open[iso.MouthClosed] > closed-25 {
		t.Errorf("open mouth: MouthClosed %v, closed mouths' median %v", open[iso.MouthClosed], closed)
	}
}

// A profile file may require an ISO component's score: lit from one side,
// a portrait fails IlluminationUniformity >= 60 that it passes as taken,
// and the components are computed for the rule without Options.ISO.
func TestISORuleInProfileFile(t *testing.T) {
	testsupport.RequireNative(t)
	p, err := ParseProfile([]byte(`{"facegate_profile": 1, "name": "even-light", "rules": [
		{"code": "FACE_NOT_FOUND"},
		{"code": "ISO_QUALITY_TOO_LOW", "key": "IlluminationUniformity", "threshold": 60}]}`))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(testsupport.CorpusPath(t, "faces-fr/obama.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := CheckBytes(context.Background(), data, &Options{Profile: p})
	if err != nil || !rep.OK || rep.Faces[0].ISO == nil {
		t.Fatalf("as taken: %v %+v", err, rep.Issues)
	}
	src, _, _ := image.Decode(bytes.NewReader(data))
	lit := degradations[1].f(imaging.Clone(src), rep.Faces[0])
	rep, err = CheckBytes(context.Background(), encodeJPEG(t, lit, 95), &Options{Profile: p})
	if err != nil || rep.OK || len(rep.Issues) != 1 || rep.Issues[0].Code != ISOQualityTooLow || !strings.Contains(rep.Issues[0].Message, "IlluminationUniformity score") {
		t.Errorf("lit from one side: %v %+v", err, rep.Issues)
	} else {
		t.Log(rep.Issues[0].Message)
	}
	// A key that is no computed component is refused, naming the known ones.
	_, err = ParseProfile([]byte(`{"facegate_profile": 1, "name": "x", "rules": [{"code": "ISO_QUALITY_TOO_LOW", "key": "UnifiedQualityScore"}]}`))
	var pe *ProfileError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "IlluminationUniformity") {
		t.Errorf("a component not computed: %v", err)
	}
}
