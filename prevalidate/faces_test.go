package prevalidate

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/internal/testsupport"
)

func checkFile(t *testing.T, rel string, opts *Options) *Report {
	t.Helper()
	f, err := os.Open(testsupport.CorpusPath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := Check(context.Background(), f, opts)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return rep
}

func faceCodes(issues []Issue) []Code {
	var out []Code
	for _, is := range issues {
		if Progeny().FaceCode(is.Code) {
			out = append(out, is.Code)
		}
	}
	return out
}

// The face cases of the faces-fr set, as the issue lists them.
func TestFaceRulesOnCorpus(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	for _, c := range []struct {
		rel   string
		faces int
		want  []Code // face codes, exactly; any of them when anyOf
		anyOf bool
	}{
		{"faces-fr/obama.jpg", 1, nil, false},
		{"faces-fr/biden.jpg", 1, nil, false},
		{"faces-fr/32bit.png", 1, nil, false}, // PNG with alpha
		{"faces-fr/two_people.jpg", 2, []Code{TooManyFaces, FaceTooSmall}, false},
		{"faces-fr/obama_partial_face.jpg", 1, []Code{FaceCropped, FaceCloseToBorder}, true},
		{"faces-fr/obama_partial_face2.jpg", 1, []Code{FaceCropped, FaceCloseToBorder}, true},
		{"faces-fr/obama-240p.jpg", 1, []Code{FaceTooSmall}, false},
		{"faces-fr/obama-720p.jpg", 1, []Code{FaceTooSmall}, false},
		{"faces-fr/obama-1080p.jpg", 1, nil, false},
		{"faces-dlib/dogs.jpg", 0, []Code{FaceNotFound}, false},
	} {
		rep := checkFile(t, c.rel, nil)
		got := slices.Compact(faceCodes(rep.Issues))
		t.Logf("%s: %d faces %+v, issues %v", c.rel, len(rep.Faces), rep.Faces, rep.Codes())
		if len(rep.Faces) != c.faces {
			t.Errorf("%s: %d faces, want %d", c.rel, len(rep.Faces), c.faces)
		}
		switch {
		case c.anyOf:
			if len(got) == 0 || !slices.ContainsFunc(got, func(x Code) bool { return slices.Contains(c.want, x) }) {
				t.Errorf("%s: face issues %v, want one of %v", c.rel, got, c.want)
			}
		case !slices.Equal(got, c.want):
			t.Errorf("%s: face issues %v, want %v", c.rel, got, c.want)
		}
	}
}

// Every photo of the EXIF orientation set has no face.
func TestNoFaceInOrientationSet(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	files, _ := filepath.Glob(filepath.Join(testsupport.CorpusDir(t), "exif-orientation", "*.jpg"))
	if len(files) < 18 {
		t.Fatalf("%d files", len(files))
	}
	for _, f := range files {
		rel := "exif-orientation/" + filepath.Base(f)
		if rep := checkFile(t, rel, nil); !rep.Has(FaceNotFound) || rep.OK {
			t.Errorf("%s: %v", rel, rep.Codes())
		}
	}
}

// A frontal photo turned by a known angle reports that roll, in the
// upright coordinates of what was submitted.
func TestRollOfATurnedPhoto(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	raw, err := os.ReadFile(testsupport.CorpusPath(t, "faces-fr/obama.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	src := samples.MustDecode(raw)
	roll := func(deg float64) float64 {
		b, err := samples.PNG(imaging.Rotate(src, deg, color.White))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := CheckBytes(context.Background(), b, nil)
		if err != nil || len(rep.Faces) != 1 {
			t.Fatalf("turned %g: %d faces, %v", deg, len(rep.Faces), err)
		}
		return rep.Faces[0].Roll
	}
	base := roll(0)
	for _, deg := range []float64{-30, -15, 15, 30} {
		// imaging turns counter-clockwise, which lifts the image-right eye.
		got := roll(deg)
		if math.Abs(got-(base-deg)) > 3 {
			t.Errorf("turned %+g: roll %.1f, want %.1f within 3", deg, got, base-deg)
		}
	}
	if rep, _ := CheckBytes(context.Background(), mustPNG(t, imaging.Rotate(src, 40, color.White)), nil); !rep.Has(FaceAngleTooLarge) {
		t.Errorf("turned 40: %v %+v", rep.Codes(), rep.Faces)
	}
}

func mustPNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	b, err := samples.PNG(img)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// facePhotos lists every image in the corpus's face sets.
func facePhotos(t *testing.T) []string {
	var out []string
	for _, e := range testsupport.Manifest(t) {
		if strings.HasPrefix(e.Path, "faces-") && (e.Format == "JPEG" || e.Format == "PNG") {
			out = append(out, e.Path)
		}
	}
	if len(out) < 40 {
		t.Fatalf("only %d face photos in the manifest", len(out))
	}
	return out
}

// The round trip, on every face photo in the corpus: when Fix says ok,
// Check on its output says ok; and Fix never turns a face rule the input
// passes into one the output fails. Both hold with and without cropping.
func TestFixRoundTripOnFacePhotos(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	for _, v := range []struct {
		crop     bool
		detector string
	}{{false, DetectorBlazeFace}, {true, DetectorBlazeFace}, {false, DetectorHOG}} {
		crop := v.crop
		opts := &Options{Crop: crop, Detector: v.detector}
		var ok int
		for _, rel := range facePhotos(t) {
			rep, out := fixFile(t, testsupport.CorpusPath(t, rel), opts)
			if out == nil {
				t.Errorf("%s: no output: %v", rel, rep.Codes())
				continue
			}
			again, err := CheckBytes(context.Background(), out, opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK != again.OK {
				t.Errorf("%s (crop %v): fix ok=%v, check of its output ok=%v %v", rel, crop, rep.OK, again.OK, again.Codes())
			}
			before := faceCodes(rep.Issues)
			for _, c := range faceCodes(again.Issues) {
				if !slices.Contains(before, c) {
					t.Errorf("%s (crop %v): the output fails %s, the input did not (%v -> %v; output %dx%d, faces %+v)",
						rel, crop, c, rep.Codes(), again.Codes(), rep.Output.Width, rep.Output.Height, again.Faces)
				}
			}
			if rep.OK {
				ok++
			}
			t.Logf("crop %v %s: %v -> ok=%v %dx%d cropped=%v faces %+v", crop, rel, faceCodes(rep.Issues), rep.OK, rep.Output.Width, rep.Output.Height, rep.Output.Cropped, rep.Output.Faces)
		}
		t.Logf("crop %v, %s: %d photos fixed to ok", crop, v.detector, ok)
	}
}

// chaeyeon.jpg is a 2667x4000 portrait with a 450 px face: at 1080 px high
// the face would be 121 px. Fix keeps the height the face needs; with Crop
// it cuts a 1080 px high window around the face instead.
func TestFaceAwareFix(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	path := testsupport.CorpusPath(t, "faces-gf/chaeyeon.jpg")
	rep, out := fixFile(t, path, nil)
	o := rep.Output
	if !rep.OK || o.Height <= 1080 || o.Height > 4096 || o.Bytes > 2_000_000 || len(o.Faces) != 1 || o.Faces[0].Size < 224 || o.Faces[0].IPD < 85 {
		t.Fatalf("kept size: ok=%v %+v", rep.OK, o)
	}
	if !slices.ContainsFunc(o.Issues, func(is Issue) bool { return is.Code == HeightAboveRecommended }) {
		t.Errorf("a height over 1080 must still be reported as a warning: %v", o.Issues)
	}
	t.Logf("kept: %dx%d q%d %d bytes, face %+v", o.Width, o.Height, o.Quality, o.Bytes, o.Faces[0])
	assertClean(t, "kept", out)

	rep, out = fixFile(t, path, &Options{Crop: true})
	o = rep.Output
	if !rep.OK || !o.Cropped || o.Height != 1080 || o.Width != 720 || len(o.Faces) != 1 || o.Faces[0].Size < 224 || o.Faces[0].IPD < 85 {
		t.Fatalf("cropped: ok=%v %+v", rep.OK, o)
	}
	if len(o.Issues) != 0 {
		t.Errorf("cropped output issues: %v", o.Issues)
	}
	t.Logf("cropped: %dx%d q%d %d bytes, face %+v", o.Width, o.Height, o.Quality, o.Bytes, o.Faces[0])
	assertClean(t, "cropped", out)

	// A face that already fits at 1080 px is scaled as usual, crop or not.
	rep, _ = fixFile(t, testsupport.CorpusPath(t, "faces-fr/obama.jpg"), &Options{Crop: true})
	if !rep.OK || rep.Output.Cropped || rep.Output.Height != 1080 {
		t.Errorf("obama.jpg: %+v", rep.Output)
	}
}

func TestRegressedOnlyWhenTheInputPassedTheFaceRules(t *testing.T) {
	small := Issue{Code: FaceTooSmall, Severity: SeverityError}
	none := Issue{Code: FaceNotFound, Severity: SeverityError}
	warn := Issue{Code: HeightAboveRecommended, Severity: SeverityWarning}
	for _, c := range []struct {
		before, after []Issue
		want          bool
	}{
		{nil, []Issue{small}, true},
		{[]Issue{warn}, []Issue{warn, none}, true},
		{[]Issue{small}, []Issue{none}, false}, // failed before: nothing to protect
		{nil, []Issue{warn}, false},
	} {
		if got := regressed(Progeny(), c.before, c.after); got != c.want {
			t.Errorf("%v -> %v: %v", c.before, c.after, got)
		}
	}
}

// By default faces under half the largest are not looked for; AllFaces
// finds them. Either way the verdict is the same, and every face the
// rules count is reported.
func TestAllFaces(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	for _, rel := range []string{"faces-dlib/bald_guys.jpg", "faces-dlib/2008_007676.jpg", "faces-fr/obama_and_biden.jpg",
		"faces-fr/two_people.jpg", "faces-gf/nana.jpg", "faces-gf/chaeyeon.jpg"} {
		def := checkFile(t, rel, nil)
		all := checkFile(t, rel, &Options{AllFaces: true})
		t.Logf("%s: %d faces reported by default, %d with AllFaces; %v", rel, len(def.Faces), len(all.Faces), def.Codes())
		if !slices.Equal(def.Codes(), all.Codes()) {
			t.Errorf("%s: %v by default, %v with AllFaces", rel, def.Codes(), all.Codes())
		}
		if len(all.Faces) < len(def.Faces) {
			t.Errorf("%s: AllFaces reports fewer faces", rel)
		}
		counted := func(fs []Face) int {
			n := 0
			for _, f := range fs {
				if f.Size >= 0.5*fs[0].Size {
					n++
				}
			}
			return n
		}
		if len(all.Faces) > 0 && counted(def.Faces) != counted(all.Faces) {
			t.Errorf("%s: %d faces of at least half the largest by default, %d with AllFaces", rel, counted(def.Faces), counted(all.Faces))
		}
	}
	// nana's 690 px face with obama.jpg at 3/4 (a 195 px face) pasted in a
	// corner: the second face is under a third of the first, so only
	// AllFaces looks for it, and it changes nothing in the verdict.
	nana := decodeFile(t, "faces-gf/nana.jpg")
	small := imaging.Resize(decodeFile(t, "faces-fr/obama.jpg"), 682, 0, imaging.Lanczos)
	canvas := imaging.Paste(nana, small, image.Pt(0, nana.Bounds().Dy()-small.Bounds().Dy()))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, canvas, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	def, err := CheckBytes(context.Background(), buf.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	all, err := CheckBytes(context.Background(), buf.Bytes(), &Options{AllFaces: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("nana + obama: faces %v by default, %v with AllFaces", def.Faces, all.Faces)
	if len(def.Faces) != 1 || len(all.Faces) != 2 || !slices.Equal(def.Codes(), all.Codes()) {
		t.Errorf("nana + obama: %d faces %v by default, %d faces %v with AllFaces; want 1 and 2, same codes",
			len(def.Faces), def.Codes(), len(all.Faces), all.Codes())
	}
}

func decodeFile(t *testing.T, rel string) image.Image {
	t.Helper()
	img, err := imaging.Open(testsupport.CorpusPath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// One issue per code: obama_small.jpg's face fails both FACE_TOO_SMALL
// rules, and the one issue names both measures.
func TestOneIssuePerCode(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	rep := checkFile(t, "faces-fr/obama_small.jpg", nil)
	n := 0
	for _, is := range rep.Issues {
		if is.Code == FaceTooSmall {
			n++
			if !strings.Contains(is.Message, "Absolute face size is too small") || !strings.Contains(is.Message, "Interpupillary distance is too small") {
				t.Errorf("message %q", is.Message)
			}
		}
	}
	if n != 1 || !slices.Equal(rep.Codes(), slices.Compact(slices.Clone(rep.Codes()))) {
		t.Errorf("codes %v", rep.Codes())
	}
}

// Face rules are marked on the rules themselves; the built-in profiles
// are looked up by name, each call a new copy.
func TestFaceCodesAndProfileLookup(t *testing.T) {
	p := Progeny()
	for c, want := range map[Code]bool{FaceTooSmall: true, ImageTurned: true, FaceNotFound: true, FaceTooClose: true,
		EyesClosed: false, ImageTooBlurry: false, FileTooLarge: false} {
		if p.FaceCode(c) != want {
			t.Errorf("%s: face code %v", c, !want)
		}
	}
	a, ok1 := ProfileByName("progeny")
	b, ok2 := ProfileByName("progeny")
	if !ok1 || !ok2 || a == b || &a.Rules[0] == &b.Rules[0] {
		t.Error("ProfileByName does not give new copies")
	}
	if _, ok := ProfileByName("strict"); ok || !slices.Equal(ProfileNames(), []string{"document", "progeny"}) {
		t.Errorf("names %v", ProfileNames())
	}
}
