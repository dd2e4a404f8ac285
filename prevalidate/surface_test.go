package prevalidate

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/internal/testsupport"
)

const surfaceDir = "../testdata/surface"

func checkBytes(t *testing.T, b []byte, opts *Options) *Report {
	t.Helper()
	rep, err := CheckBytes(context.Background(), b, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func issueOf(rep *Report, c Code) *Issue {
	for i := range rep.Issues {
		if rep.Issues[i].Code == c {
			return &rep.Issues[i]
		}
	}
	return nil
}

// Real masked faces (held out of the model's training) are FACE_OCCLUDED,
// naming the mouth, with their eyes visible; Fix cannot help.
func TestMaskedFacesAreOccluded(t *testing.T) {
	testsupport.RequireNative(t)
	paths, _ := filepath.Glob(filepath.Join(surfaceDir, "mask_*.jpg"))
	if len(paths) != 5 {
		t.Fatalf("%d masked photos", len(paths))
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rep := checkBytes(t, b, nil)
		is := issueOf(rep, FaceOccluded)
		if is == nil || is.Severity != SeverityError || is.Fixable || !strings.Contains(is.Message, "mouth") {
			t.Errorf("%s: %v (%+v)", p, rep.Codes(), is)
			continue
		}
		if rep.Has(EyesNotVisible) || len(rep.Faces) != 1 || rep.Faces[0].Cover == nil {
			t.Errorf("%s: %v, faces %+v", p, rep.Codes(), rep.Faces)
			continue
		}
		c := rep.Faces[0].Cover
		if c.Human < 0.5 || c.MouthNose() <= 0.5 {
			t.Errorf("%s: cover %+v", p, c)
		}
		t.Logf("%s: %s", filepath.Base(p), is.Message)
	}
	b, _ := os.ReadFile(paths[0])
	rep, out, err := FixBytes(context.Background(), b, nil)
	if err != nil || out == nil || rep.OK || rep.Output == nil || !slicesHas(rep.Output.Issues, FaceOccluded) {
		t.Errorf("fix of a masked face: ok %v, output %+v, %v", rep.OK, rep.Output, err)
	}
}

func slicesHas(issues []Issue, c Code) bool {
	for _, is := range issues {
		if is.Code == c {
			return true
		}
	}
	return false
}

// A photo of a cat scaled 2x, whose face BlazeFace finds, is not a
// person's face: FACE_NOT_FOUND saying why, the detection set aside with
// its score; without the human-face rule (a profile file that leaves it
// out) the same detection counts as a face.
func TestCatIsNotAFace(t *testing.T) {
	testsupport.RequireNative(t)
	f, err := os.Open(filepath.Join(surfaceDir, "chelsea.png"))
	if err != nil {
		t.Fatal(err)
	}
	cat, _, err := image.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	big := imaging.Resize(cat, 2*cat.Bounds().Dx(), 0, imaging.Lanczos)
	b := encodeJPEG(t, big, 92)
	rep := checkBytes(t, b, nil)
	is := issueOf(rep, FaceNotFound)
	if is == nil || !strings.Contains(is.Message, "person's face") || len(rep.Faces) != 0 || len(rep.NotFaces) != 1 {
		t.Fatalf("cat: %v %+v, faces %d, not faces %d", rep.Codes(), is, len(rep.Faces), len(rep.NotFaces))
	}
	if h := rep.NotFaces[0].Cover.Human; h >= 0.5 {
		t.Errorf("human score %.3f", h)
	}
	t.Log(is.Message)
	p := Progeny()
	p.Rules = deleteRule(p.Rules, FaceNotFound, KeyHuman)
	rep = checkBytes(t, b, &Options{Profile: p})
	if len(rep.Faces) != 1 || len(rep.NotFaces) != 0 {
		t.Errorf("without the human rule: %d faces, %d set aside", len(rep.Faces), len(rep.NotFaces))
	}
}

func deleteRule(rules []Rule, c Code, key string) []Rule {
	var out []Rule
	for _, r := range rules {
		if r.Code != c || r.Key != key {
			out = append(out, r)
		}
	}
	return out
}

// Corpus portraits pass as they are; with two dark lenses painted over
// their eyes they are EYES_NOT_VISIBLE (and nothing else new), with a mask
// painted over the lower face FACE_OCCLUDED.
func TestPaintedCovers(t *testing.T) {
	testsupport.RequireNative(t)
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/biden.jpg", "faces-gf/chaeyeon.jpg"} {
		clear := checkFile(t, rel, &Options{Landmarks: true})
		if clear.Has(FaceOccluded) || clear.Has(EyesNotVisible) || len(clear.Faces) == 0 || clear.Faces[0].Cover == nil {
			t.Fatalf("%s: %v", rel, clear.Codes())
		}
		img := testsupport.DecodeCorpus(t, rel)
		f := clear.Faces[0]
		lenses := toRGBA(img)
		for _, e := range f.EyePoints {
			fillEllipse(lenses, e[0], e[1]+0.05*f.IPD, 0.45*f.IPD, 0.32*f.IPD, color.RGBA{20, 20, 26, 255})
		}
		rep := checkBytes(t, encodeJPEG(t, lenses, 92), nil)
		if !rep.Has(EyesNotVisible) || rep.Has(FaceOccluded) {
			t.Errorf("%s with lenses: %v", rel, rep.Codes())
		} else {
			t.Logf("%s with lenses: %s", rel, issueOf(rep, EyesNotVisible).Message)
		}
		// A reflection blowing out one eye: EYE_GLARE, a warning.
		glare := toRGBA(img)
		e := f.EyePoints[1]
		fillEllipse(glare, e[0], e[1], 0.22*f.IPD, 0.12*f.IPD, color.RGBA{255, 255, 255, 255})
		rep = checkBytes(t, encodeJPEG(t, glare, 92), nil)
		if is := issueOf(rep, EyeGlare); is == nil || is.Severity != SeverityWarning {
			t.Errorf("%s with glare: %v", rel, rep.Codes())
		} else {
			t.Logf("%s with glare: %s (%v)", rel, is.Message, rep.Codes())
		}
		masked := toRGBA(img)
		lm := f.Landmarks
		poly := [][2]float64{}
		for _, i := range []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14} {
			poly = append(poly, [2]float64{float64(lm[i][0]), float64(lm[i][1])})
		}
		poly = append(poly, [2]float64{float64(lm[14][0]), float64(lm[29][1])}, [2]float64{float64(lm[2][0]), float64(lm[29][1])})
		fillPolygon(masked, poly, color.RGBA{235, 240, 245, 255})
		rep = checkBytes(t, encodeJPEG(t, masked, 92), nil)
		if is := issueOf(rep, FaceOccluded); is == nil || !strings.Contains(is.Message, "mouth") || rep.Has(EyesNotVisible) {
			t.Errorf("%s with a mask: %v", rel, rep.Codes())
		} else {
			t.Logf("%s with a mask: %s", rel, is.Message)
		}
	}
}

// A face in a photo with a black border that BlazeFace misses is found by
// the second look (dlib's HOG detector), at each scale HOG finds it.
func TestSecondLookFindsBorderedFace(t *testing.T) {
	testsupport.RequireNative(t)
	img := testsupport.DecodeFile(t, filepath.Join(surfaceDir, "border.jpg"))
	blazeOnly, err := LoadAnalyzer(&AnalyzerOptions{NoSecondLook: true, NoSurface: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []float64{1, 1.5, 2} {
		b := encodeJPEG(t, imaging.Resize(img, int(k*float64(img.Bounds().Dx())), 0, imaging.Lanczos), 92)
		if rep := checkBytes(t, b, &Options{Faces: blazeOnly}); len(rep.Faces) != 0 {
			t.Errorf("x%g: BlazeFace alone finds %d faces; the test photo no longer shows the miss", k, len(rep.Faces))
		}
		hog := checkBytes(t, b, &Options{Detector: DetectorHOG})
		rep := checkBytes(t, b, nil)
		if len(hog.Faces) != 1 || len(rep.Faces) != 1 || rep.Has(FaceNotFound) {
			t.Errorf("x%g: HOG %d faces, the default %d (%v)", k, len(hog.Faces), len(rep.Faces), rep.Codes())
		}
	}
}

func toRGBA(img image.Image) *image.RGBA {
	out := image.NewRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out
}

func fillEllipse(img draw.Image, cx, cy, rx, ry float64, c color.Color) {
	for y := int(cy - ry); y <= int(cy+ry); y++ {
		for x := int(cx - rx); x <= int(cx+rx); x++ {
			dx, dy := (float64(x)+0.5-cx)/rx, (float64(y)+0.5-cy)/ry
			if dx*dx+dy*dy <= 1 {
				img.Set(x, y, c)
			}
		}
	}
}

func fillPolygon(img draw.Image, poly [][2]float64, c color.Color) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		fy := float64(y) + 0.5
		for x := b.Min.X; x < b.Max.X; x++ {
			fx := float64(x) + 0.5
			in := false
			for i := range poly {
				p, q := poly[i], poly[(i+1)%len(poly)]
				if (p[1] > fy) != (q[1] > fy) && fx < p[0]+(fy-p[1])*(q[0]-p[0])/(q[1]-p[1]) {
					in = !in
				}
			}
			if in {
				img.Set(x, y, c)
			}
		}
	}
}

// Faces cropped tight, which BlazeFace reads upside down: read again the
// other way up, they are upright, so neither is IMAGE_TURNED (Fix would
// turn them upside down); the masked one is FACE_OCCLUDED, the clear one
// has no surface code.
func TestTightFacesReadUpright(t *testing.T) {
	testsupport.RequireNative(t)
	for _, c := range []struct {
		file    string
		covered bool
	}{{"tight_mask_283.jpg", true}, {"tight_clear_312.jpg", false}} {
		b, err := os.ReadFile(filepath.Join(surfaceDir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		rep := checkBytes(t, b, nil)
		if len(rep.Faces) != 1 || rep.Has(ImageTurned) || rep.Faces[0].Roll < -45 || rep.Faces[0].Roll > 45 {
			t.Errorf("%s: %v, faces %+v", c.file, rep.Codes(), rep.Faces)
			continue
		}
		if rep.Has(FaceOccluded) != c.covered || rep.Has(EyesNotVisible) {
			t.Errorf("%s: %v, cover %+v", c.file, rep.Codes(), rep.Faces[0].Cover)
		}
	}
}

// A face just over the minimum size in a wide phone photo: BlazeFace's
// pass over the whole image sees it at about 14 px and may misplace its
// keypoints (bona2's face was then fitted in a 150 px box and read too
// small, covered and blurred); such a small first reading sends the
// search on to the tiles, which read it right.
func TestSmallFaceInPhonePhoto(t *testing.T) {
	testsupport.RequireNative(t)
	bg := testsupport.DecodeCorpus(t, "exif-samples/jpg/mobile/HMD_Nokia_8.3_5G.jpg") // 4608x1976
	data, err := os.ReadFile(testsupport.CorpusPath(t, "faces-gf/bona2.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	alone := checkBytes(t, data, nil)
	if len(alone.Faces) != 1 {
		t.Fatalf("bona2.jpg alone: %d faces", len(alone.Faces))
	}
	img, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
	if err != nil {
		t.Fatal(err)
	}
	const width = 260 // the face's, in the composite
	box := alone.Faces[0].Box
	k := float64(width) / float64(box[2])
	face := imaging.Resize(img, int(float64(img.Bounds().Dx())*k+0.5), 0, imaging.Lanczos)
	at := image.Pt(974-int(float64(box[0])*k), 862-int(float64(box[1])*k))
	comp := toRGBA(bg)
	draw.Draw(comp, face.Bounds().Add(at), face, image.Point{}, draw.Src)
	rep := checkBytes(t, encodeJPEG(t, comp, 90), nil)
	if len(rep.Faces) != 1 || math.Abs(rep.Faces[0].Size-width) > 0.1*width ||
		rep.Has(FaceNotFound) || rep.Has(FaceTooSmall) || rep.Has(FaceOccluded) {
		var sizes []float64
		for _, f := range rep.Faces {
			sizes = append(sizes, f.Size)
		}
		t.Errorf("a %d px face in a 4608x1976 photo: faces of %v px, %v", width, sizes, rep.Codes())
	}
}
