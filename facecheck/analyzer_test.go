package facecheck

import (
	"context"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/internal/testsupport"
)

func findFaces(t *testing.T, a *Analyzer, img image.Image) []Face {
	t.Helper()
	faces, err := a.Find(context.Background(), img, nil)
	if err != nil {
		t.Fatal(err)
	}
	return faces
}

// The same video frame at four resolutions: one face each, the smallest
// found by a retry pass, and Size and IPD proportional to the height.
func TestFindObamaFrames(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	a := NewAnalyzer(predictor(t))
	var ratios []float64
	for _, rel := range []string{"faces-fr/obama-240p.jpg", "faces-fr/obama-480p.jpg", "faces-fr/obama-720p.jpg", "faces-fr/obama-1080p.jpg"} {
		img := testsupport.DecodeCorpus(t, rel)
		faces := findFaces(t, a, img)
		if len(faces) != 1 {
			t.Fatalf("%s: %d faces", rel, len(faces))
		}
		f := faces[0]
		h := float64(img.Bounds().Dy())
		t.Logf("%s: box %v size %.1f ipd %.1f", rel, f.Box, f.Size, f.IPD)
		ratios = append(ratios, f.Size/h, f.IPD/h)
	}
	for i := 2; i < len(ratios); i += 2 {
		for j := range 2 {
			if d := ratios[i+j]/ratios[j] - 1; math.Abs(d) > 0.05 {
				t.Errorf("frame %d: measure %d per pixel of height differs by %.1f%% from the 240p frame", i/2, j, 100*d)
			}
		}
	}
}

// dlib's box jumps by about 20 % between pyramid levels; Size must follow
// the image's scale smoothly, so a 259 px face never reads as 223.
func TestSizeIsContinuous(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	a := NewAnalyzer(predictor(t))
	src := testsupport.DecodeCorpus(t, "faces-gf/chaeyeon.jpg") // a 450 px face at full size
	base := findFaces(t, a, src)[0]
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	boxes := map[int]bool{}
	for _, want := range []float64{259, 280, 300, 330, 360, 400} {
		s := want / base.Size
		img := imaging.Resize(src, int(math.Round(float64(w)*s)), int(math.Round(float64(h)*s)), imaging.Linear)
		faces := findFaces(t, a, img)
		if len(faces) != 1 {
			t.Fatalf("scale %.2f: %d faces", s, len(faces))
		}
		f := faces[0]
		boxes[f.Box.Dx()] = true
		t.Logf("scale %.3f: size %.1f (want %.0f), box width %d", s, f.Size, want, f.Box.Dx())
		if math.Abs(f.Size/want-1) > 0.04 {
			t.Errorf("scale %.3f: size %.1f, want %.0f within 4%%", s, f.Size, want)
		}
	}
	t.Logf("dlib's boxes took %d distinct widths for 6 sizes", len(boxes))
}

func TestFindNothing(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	a := NewAnalyzer(predictor(t))
	for _, rel := range []string{"faces-dlib/dogs.jpg", "exif-orientation/Landscape_1.jpg"} {
		if faces := findFaces(t, a, testsupport.DecodeCorpus(t, rel)); len(faces) != 0 {
			t.Errorf("%s: %d faces", rel, len(faces))
		}
	}
	// Blank and tiny images are not errors.
	for _, r := range []image.Rectangle{image.Rect(0, 0, 640, 480), image.Rect(0, 0, 3, 3), image.Rect(0, 0, 1, 900)} {
		if faces := findFaces(t, a, image.NewGray(r)); len(faces) != 0 {
			t.Errorf("blank %v: %d faces", r, len(faces))
		}
	}
}

// Faces come largest first, in the coordinates of the image given, also
// for a sub-image that does not start at the origin.
func TestFindOrderAndCoordinates(t *testing.T) {
	testsupport.RequireNative(t)
	a := NewAnalyzer(predictor(t))
	img := testsupport.DecodeCorpus(t, "faces-fr/two_people.jpg")
	faces := findFaces(t, a, img)
	if len(faces) != 2 || faces[0].Size < faces[1].Size {
		t.Fatalf("%d faces, sizes out of order", len(faces))
	}
	sub := imaging.Clone(img).SubImage(image.Rect(500, 0, 1126, 661))
	right := findFaces(t, a, sub)
	if len(right) != 1 {
		t.Fatalf("right half: %d faces", len(right))
	}
	var same *Face
	for i := range faces {
		if faces[i].Box.Min.X > 500 {
			same = &faces[i]
		}
	}
	if same == nil || math.Abs(float64(right[0].Landmarks[30].X-same.Landmarks[30].X)) > 3 {
		t.Errorf("nose in sub-image %v, in whole image %v", right[0].Landmarks[30], same)
	}
}

// dlib's 5-point model is not packaged here; its layout is a subset of the
// 68 points (eye corners and nose base), so the measures must agree.
func TestMeasureFivePoints(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	a := NewAnalyzer(predictor(t))
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-gf/bona3.jpg", "faces-dlib/Tom_Cruise_avp_2014_4.jpg"} {
		f := findFaces(t, a, testsupport.DecodeCorpus(t, rel))[0]
		five := FivePoints(f.Landmarks)
		g, err := Measure(f.Box, f.Score, five)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: 68 points ipd %.1f size %.1f yaw %.1f; 5 points ipd %.1f size %.1f yaw %.1f", rel, f.IPD, f.Size, f.Pose.Yaw, g.IPD, g.Size, g.Pose.Yaw)
		if math.Abs(g.IPD/f.IPD-1) > 0.08 || math.Abs(g.Size/f.Size-1) > 0.15 || math.Abs(g.Pose.Yaw-f.Pose.Yaw) > 8 || math.Abs(g.Pose.Roll-f.Pose.Roll) > 3 {
			t.Errorf("%s: 5-point measures disagree", rel)
		}
	}
	if _, err := Measure(image.Rect(0, 0, 9, 9), 0, make([]image.Point, 7)); err == nil {
		t.Error("7 points measured")
	}
}

// One Analyzer shared by goroutines gives the serial answers.
func TestAnalyzerConcurrent(t *testing.T) {
	testsupport.RequireNative(t)
	a := NewAnalyzer(predictor(t))
	imgs := []image.Image{testsupport.DecodeCorpus(t, "faces-fr/two_people.jpg"), testsupport.DecodeCorpus(t, "faces-fr/obama.jpg"), testsupport.DecodeCorpus(t, "faces-dlib/dogs.jpg")}
	want := make([][]Face, len(imgs))
	for i, img := range imgs {
		want[i] = findFaces(t, a, img)
	}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range 2 {
				i := (g + r) % len(imgs)
				got, err := a.Find(context.Background(), imgs[i], nil)
				if err != nil || !reflect.DeepEqual(got, want[i]) {
					t.Errorf("goroutine %d image %d: differs from serial (%v)", g, i, err)
				}
			}
		}()
	}
	wg.Wait()
}

func TestFindStopsOnCancel(t *testing.T) {
	testsupport.RequireNative(t)
	a := NewAnalyzer(predictor(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Find(ctx, testsupport.DecodeCorpus(t, "faces-fr/obama.jpg"), nil); err == nil {
		t.Fatal("cancelled context: no error")
	}
}

func TestPasses(t *testing.T) {
	c := detectFloor / 224.0
	check := func(name string, got []Pass, want ...Pass) {
		t.Helper()
		ok := len(got) == len(want)
		for i := 0; ok && i < len(got); i++ {
			ok = math.Abs(got[i].Scale-want[i].Scale) < 1e-3 && got[i].Upsample == want[i].Upsample
		}
		if !ok {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	var o *FindOptions
	// The first copy's scale follows from the face size alone.
	check("480p", o.Passes(854, 480), Pass{c, 0}, Pass{2 * c, 0}, Pass{1, 1})
	check("720p", o.Passes(1280, 720), Pass{c, 0}, Pass{2 * c, 0})
	check("1080p", o.Passes(1920, 1080), Pass{c, 0}, Pass{2 * c, 0})
	check("12 MP", o.Passes(4000, 3000), Pass{c, 0})
	check("tiny", o.Passes(300, 200), Pass{c, 0}, Pass{2 * c, 0}, Pass{1, 1})
	// A 200 MP image is searched once, on a copy of 16 MP.
	check("200 MP", o.Passes(20000, 10000), Pass{math.Sqrt(16e6 / 2e8), 0})
	big := &FindOptions{MinFace: 800}
	c8 := detectFloor / 800.0
	check("MinFace 800", big.Passes(4000, 3000), Pass{c8, 0}, Pass{2 * c8, 0})
	// A face floor near the image's own resolution: one pass at full size.
	check("MinFace 84", (&FindOptions{MinFace: 84}).Passes(1000, 1500), Pass{1, 0})
	if got := o.Passes(1, 500); got != nil {
		t.Errorf("1 px wide: %v", got)
	}
}

func TestScaleGray(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 9, 6))
	for y := range 6 {
		for x := range 9 {
			g.SetGray(x, y, color.Gray{uint8(20 * x)})
		}
	}
	s := scaleGray(g, 1/1.5) // 6x4: each output covers 1.5 inputs
	if s.Bounds().Dx() != 6 || s.Bounds().Dy() != 4 {
		t.Fatalf("size %v", s.Bounds())
	}
	// Output x covers [1.5x, 1.5x+1.5): a whole input pixel and half of
	// another, weighted by how much of each it covers.
	for x := range 6 {
		lo := 1.5 * float64(x)
		var want float64
		for i := 0; i < 9; i++ {
			cover := math.Min(float64(i+1), lo+1.5) - math.Max(float64(i), lo)
			want += math.Max(cover, 0) * float64(20*i) / 1.5
		}
		if got := float64(s.GrayAt(x, 2).Y); math.Abs(got-want) > 0.6 {
			t.Errorf("x=%d: %v, want %.1f", x, got, want)
		}
	}
	flat := image.NewGray(image.Rect(3, 5, 103, 75))
	for i := range flat.Pix {
		flat.Pix[i] = 255
	}
	for _, c := range []float64{0.37, 0.5, 0.81} {
		for _, v := range scaleGray(flat, c).Pix {
			if v != 255 {
				t.Fatalf("scale %v: a flat 255 image gave %d", c, v)
			}
		}
	}
	if got := scaleGray(g, 1); got.Pix[0:1][0] != g.Pix[0] || &got.Pix[0] != &g.Pix[0] {
		t.Error("scale 1 should share the pixels")
	}
}

// skipShort skips the sequential corpus sweeps in -short runs (the race
// pass); the normal pass runs them.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("corpus sweep: runs without -short")
	}
}

// Searching large faces first (FindOptions.Relative) finds what one pass
// finds, as far as the rules look: the same largest face and the same
// faces of at least half its size. The corpus photos and three of them
// enlarged threefold, whose faces are found by the large-face part alone.
func TestLargeFirstMatchesOnePass(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	a := NewAnalyzer(predictor(t))
	const rel = 0.5
	var imgs []string
	for _, dir := range []string{"faces-fr", "faces-gf", "faces-dlib"} {
		ents, err := os.ReadDir(testsupport.CorpusPath(t, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if ext := strings.ToLower(filepath.Ext(e.Name())); ext == ".jpg" || ext == ".png" {
				imgs = append(imgs, dir+"/"+e.Name())
			}
		}
	}
	enlarged := []string{"faces-fr/obama.jpg", "faces-fr/biden.jpg", "faces-fr/two_people.jpg"}
	check := func(name string, img image.Image) {
		one, err := a.Find(context.Background(), img, nil)
		if err != nil {
			t.Fatal(err)
		}
		two, err := a.Find(context.Background(), img, &FindOptions{Relative: rel})
		if err != nil {
			t.Fatal(err)
		}
		keep := func(fs []Face) []Face {
			return slices.DeleteFunc(slices.Clone(fs), func(f Face) bool { return f.Size < rel*fs[0].Size })
		}
		if len(one) == 0 || len(two) == 0 {
			if len(one) != len(two) {
				t.Errorf("%s: %d faces in one pass, %d large first", name, len(one), len(two))
			}
			return
		}
		k1, k2 := keep(one), keep(two)
		t.Logf("%s: one pass %d faces (%d counted), large first %d (%d), largest %.0f / %.0f px",
			name, len(one), len(k1), len(two), len(k2), one[0].Size, two[0].Size)
		if len(k1) != len(k2) {
			t.Errorf("%s: %d faces of at least half the largest in one pass, %d large first", name, len(k1), len(k2))
			return
		}
		if math.Abs(two[0].Size/one[0].Size-1) > 0.03 || !near(one[0].Box, two[0].Box, one[0].Box.Dx()/10) {
			t.Errorf("%s: largest face %v size %.1f in one pass, %v %.1f large first", name, one[0].Box, one[0].Size, two[0].Box, two[0].Size)
		}
	}
	for _, rel := range imgs {
		check(rel, testsupport.DecodeCorpus(t, rel))
	}
	for _, rel := range enlarged {
		img := testsupport.DecodeCorpus(t, rel)
		check(rel+" x3", imaging.Resize(img, 3*img.Bounds().Dx(), 0, imaging.Lanczos))
	}
}
