package facecheck

import (
	"context"
	"image"
	"image/color"
	"math"
	"sync"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/models"
)

// The crops are the networks' repository's (src/generate_patches.py):
// the box grown about its centre, less when the image is smaller, pushed
// inside, corners truncated. The rectangles were computed by that Python
// code.
func TestRecaptureCrop(t *testing.T) {
	for _, c := range []struct {
		sw, sh     int
		x, y, w, h float64
		scale      float64
		want       image.Rectangle
	}{
		{1000, 1000, 400.5, 400.25, 100, 120, 2.7, image.Rect(315, 298, 586, 623)},
		{1000, 1000, 900, 20, 80, 90, 4.0, image.Rect(679, 0, 1000, 361)},
		{480, 640, 100.4, 135.2, 205.3, 211.1, 2.7, image.Rect(0, 0, 479, 493)},
		{1440, 1080, 2, 344, 693, 711, 2.7, image.Rect(0, 0, 1052, 1080)},
		{810, 1080, 157, -13, 430, 450, 4.0, image.Rect(0, 0, 810, 847)},
		{203, 203, 20, 10, 150, 170, 2.7, image.Rect(5, 0, 185, 203)},
	} {
		if got := recaptureCrop(c.sw, c.sh, c.x, c.y, c.w, c.h, c.scale); got != c.want {
			t.Errorf("%dx%d box %v,%v %vx%v x%v: %v, want %v", c.sw, c.sh, c.x, c.y, c.w, c.h, c.scale, got, c.want)
		}
	}
}

// The box sits on the landmarks' bounding box as the networks' detector
// draws it: a little wider, higher and taller.
func TestRecaptureBox(t *testing.T) {
	pts := make([]image.Point, 68)
	for i := range pts {
		pts[i] = image.Pt(100+i%10*10, 200+i/10*20) // 100..190 by 200..320
	}
	x, y, w, h, ok := RecaptureBox(pts)
	if !ok || math.Abs(w-1.12*90) > 1e-9 || math.Abs(h-1.15*120) > 1e-9 ||
		math.Abs(x+w/2-145) > 1e-9 || math.Abs(y+h/2-(260-0.10*120)) > 1e-9 {
		t.Errorf("box %v %v %v %v %v", x, y, w, h, ok)
	}
	if _, _, _, _, ok := RecaptureBox(pts[:5]); ok {
		t.Error("a 5-point face has a box")
	}
	if _, _, _, _, ok := RecaptureBox(make([]image.Point, 68)); ok {
		t.Error("a face of one point has a box")
	}
}

// The resize is OpenCV's INTER_LINEAR (pixel centres aligned, the edges
// clamped, weights in 1/2048ths): on a smooth image it is the exact
// bilinear value within one level, and the planes are B, G, R.
func TestSampleRecapture(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 700, 500))
	val := func(x, y float64, c int) float64 {
		switch c {
		case 0:
			return 10 + 0.3*x
		case 1:
			return 20 + 0.4*y
		}
		return 5 + 0.1*x + 0.2*y
	}
	for y := range 500 {
		for x := range 700 {
			img.SetRGBA(x, y, color.RGBA{uint8(val(float64(x), float64(y), 0)), uint8(val(float64(x), float64(y), 1)), uint8(val(float64(x), float64(y), 2)), 255})
		}
	}
	r := image.Rect(37, 21, 611, 480)
	dst := make([]float32, 3*RecaptureSize*RecaptureSize)
	sampleRecapture(img, r, dst, make([]uint8, 3*700))
	const n = RecaptureSize
	src := func(f float64, size int) float64 {
		return math.Min(math.Max(f, 0), float64(size-1))
	}
	for v := range n {
		for u := range n {
			sx := src((float64(u)+0.5)*float64(r.Dx())/n-0.5, r.Dx())
			sy := src((float64(v)+0.5)*float64(r.Dy())/n-0.5, r.Dy())
			for c := range 3 {
				// The 8-bit image holds the values floored; bilinear of a
				// linear ramp is the ramp at the point.
				want := math.Floor(val(float64(r.Min.X)+sx, float64(r.Min.Y)+sy, c))
				got := float64(dst[(2-c)*n*n+v*n+u])
				if math.Abs(got-want) > 1 {
					t.Fatalf("(%d,%d) channel %d: %v, want %v", u, v, c, got, want)
				}
			}
		}
	}
}

func recaptureModel(t testing.TB) *RecaptureModel {
	t.Helper()
	blazeFace(t) // loads the runtime
	data, _, err := models.RecaptureBytes(nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewRecaptureModel(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Another model is refused by its inputs; the same face read from
// several goroutines at once reads the same.
func TestRecaptureModel(t *testing.T) {
	testsupport.RequireNative(t)
	m := recaptureModel(t)
	defer m.Close()
	surface, _, err := models.SurfaceBytes(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewRecaptureModel(surface); err == nil {
		t.Error("the face-surface model was taken for the re-capture model")
	}
	a := keypointAnalyzer(t)
	img := testsupport.DecodeCorpus(t, "faces-fr/obama.jpg")
	faces, err := a.Find(context.Background(), img, nil)
	if err != nil || len(faces) == 0 {
		t.Fatalf("%d faces, %v", len(faces), err)
	}
	want, err := m.Measure(img, &faces[0])
	if err != nil {
		t.Fatal(err)
	}
	if want.Live < 0.5 || want.Live != (want.Nets[0]+want.Nets[1])/2 || !want.Box.Overlaps(faces[0].Box) {
		t.Errorf("obama.jpg: %+v (face %v)", want, faces[0].Box)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got, err := m.Measure(img, &faces[0])
			if err != nil || got != want {
				t.Errorf("concurrent read: %+v, %v; want %+v", got, err, want)
			}
		})
	}
	wg.Wait()
	if _, err := m.Measure(img, &Face{Landmarks: faces[0].Landmarks[:5]}); err == nil {
		t.Error("a 5-point face was read")
	}
}
