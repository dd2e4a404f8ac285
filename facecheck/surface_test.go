package facecheck

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"math"
	"sync"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/models"
)

// The crop's two mappings are each other's inverse, and the crop of a
// face turned by 30 degrees has its eyes level.
func TestCropGeometry(t *testing.T) {
	pts := make([]image.Point, 68)
	for i := range pts { // a rough face: points on a circle, eyes where dlib puts them
		a := 2 * math.Pi * float64(i) / 68
		pts[i] = image.Pt(200+int(60*math.Cos(a)), 300+int(80*math.Sin(a)))
	}
	turn := func(x, y float64) image.Point { // 30 degrees about (200, 300)
		c, s := math.Cos(math.Pi/6), math.Sin(math.Pi/6)
		return image.Pt(int(math.Round(200+c*(x-200)-s*(y-300))), int(math.Round(300+s*(x-200)+c*(y-300))))
	}
	for i := 36; i < 42; i++ {
		pts[i] = turn(170+float64(i-36), 280)
	}
	for i := 42; i < 48; i++ {
		pts[i] = turn(230+float64(i-42), 280)
	}
	c, ok := CropOf(pts)
	if !ok {
		t.Fatal("no crop")
	}
	if math.Abs(c.Angle-math.Pi/6) > 0.03 {
		t.Errorf("angle %.3f, want %.3f", c.Angle, math.Pi/6)
	}
	for _, p := range []image.Point{{10, 20}, {200, 300}, {-40, 700}} {
		q := c.ToCrop(p)
		x, y := c.ToImage(q[0], q[1])
		if math.Abs(x-float64(p.X)-0.5) > 1e-9 || math.Abs(y-float64(p.Y)-0.5) > 1e-9 {
			t.Errorf("%v -> %v -> (%.3f, %.3f)", p, q, x, y)
		}
	}
	r, l := c.ToCrop(pts[38]), c.ToCrop(pts[44])
	if math.Abs(r[1]-l[1]) > 2 {
		t.Errorf("eyes at %v and %v in the crop: not level", r, l)
	}
	if _, ok := CropOf(pts[:5]); ok {
		t.Error("a crop from 5 points")
	}
}

// rasterize takes the cells whose centres are inside, even-odd.
func TestRasterize(t *testing.T) {
	cells := make([]bool, 48*48)
	// a square over crop pixels 40..80: grid cells 10..19 (centres 10.5..19.5)
	rasterize([][2]float64{{40, 40}, {80, 40}, {80, 80}, {40, 80}}, 48, cells)
	n := 0
	for i, in := range cells {
		if in {
			n++
			x, y := i%48, i/48
			if x < 10 || x > 19 || y < 10 || y > 19 {
				t.Errorf("cell %d,%d inside", x, y)
			}
		}
	}
	if n != 100 {
		t.Errorf("%d cells, want 100", n)
	}
}

var (
	surfOnce sync.Once
	surfM    *SurfaceModel
	surfErr  error
)

// surfaceModel loads ONNX Runtime and the face-surface model built into
// facegate.
func surfaceModel(t testing.TB) *SurfaceModel {
	t.Helper()
	blazeFace(t) // loads the runtime
	surfOnce.Do(func() {
		data, _, err := models.SurfaceBytes(nil)
		if err != nil {
			surfErr = err
			return
		}
		surfM, surfErr = NewSurfaceModel(data)
	})
	if surfErr != nil {
		t.Fatal(surfErr)
	}
	return surfM
}

// paintLenses draws two dark lenses over a face's eyes, as cheap
// sunglasses are: an ellipse per eye, 0.9 by 0.65 eye distances.
func paintLenses(img draw.Image, f *Face) {
	r := 0.45 * f.IPD
	for _, e := range [][2]float64{f.Eyes.Right, f.Eyes.Left} {
		fillEllipse(img, e[0], e[1]+0.05*f.IPD, r, 0.72*r, color.RGBA{18, 20, 24, 255})
	}
}

// paintMask draws a light blue surgical mask from the middle of the nose
// down over the jaw line.
func paintMask(img draw.Image, f *Face) {
	pts := f.Landmarks
	top := float64(pts[29].Y)
	for y := int(top); y <= pts[8].Y+int(0.1*f.IPD); y++ {
		// the jaw's width at this height
		x0, x1 := math.Inf(1), math.Inf(-1)
		for i := 1; i < 16; i++ {
			if math.Abs(float64(pts[i].Y-y)) < 0.25*f.IPD || float64(y) > float64(pts[i].Y) && i >= 5 && i <= 11 {
				x0, x1 = math.Min(x0, float64(pts[i].X)), math.Max(x1, float64(pts[i].X))
			}
		}
		if x0 > x1 {
			x0, x1 = float64(pts[3].X), float64(pts[13].X)
		}
		for x := int(x0); x <= int(x1); x++ {
			img.Set(x, y, color.RGBA{170, 205, 235, 255})
		}
	}
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

func rgbaCopy(img image.Image) *image.RGBA {
	out := image.NewRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out
}

// On real portraits of the corpus: a clear face is a person's with its
// eyes, nose and mouth visible; dark lenses painted over its eyes hide
// them; a mask painted over its lower face covers the mouth and nose, and
// the face is still a person's.
func TestSurfaceOnPortraits(t *testing.T) {
	testsupport.RequireNative(t)
	a := keypointAnalyzer(t)
	m := surfaceModel(t)
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/biden.jpg", "faces-gf/chaeyeon.jpg", "faces-dlib/2008_001322.jpg"} {
		img := testsupport.DecodeCorpus(t, rel)
		faces, err := a.Find(context.Background(), img, nil)
		if err != nil || len(faces) == 0 {
			t.Fatalf("%s: %d faces, %v", rel, len(faces), err)
		}
		f := faces[0]
		clear, err := m.Measure(img, &f, false)
		if err != nil {
			t.Fatal(err)
		}
		if clear.Human < 0.5 || clear.Eyes() > 0.3 || clear.LowerFace() > 0.3 {
			t.Errorf("%s clear: %+v", rel, clear.Covered)
		}
		lenses := rgbaCopy(img)
		paintLenses(lenses, &f)
		sun, err := m.Measure(lenses, &f, false)
		if err != nil {
			t.Fatal(err)
		}
		if sun.Covered[RegionRightEye] < 0.5 || sun.Covered[RegionLeftEye] < 0.5 || sun.LowerFace() > 0.3 {
			t.Errorf("%s with lenses: %v", rel, sun.Covered)
		}
		masked := rgbaCopy(img)
		paintMask(masked, &f)
		mk, err := m.Measure(masked, &f, false)
		if err != nil {
			t.Fatal(err)
		}
		if mk.Covered[RegionMouth] < 0.5 || mk.Eyes() > 0.3 || mk.Human < 0.5 {
			t.Errorf("%s with a mask: %v, human %.2f", rel, mk.Covered, mk.Human)
		}
		t.Logf("%s: clear %.2f/%.2f human %.2f; lenses eyes %.2f; mask mouth %.2f nose %.2f", rel,
			clear.Eyes(), clear.LowerFace(), clear.Human, sun.Eyes(), mk.Covered[RegionMouth], mk.Covered[RegionNose])
	}
}
