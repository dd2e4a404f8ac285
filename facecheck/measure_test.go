package facecheck

import (
	"errors"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/internal/testsupport"
)

// A frontal photo turned by a known angle reports that change of roll.
func TestRollFollowsARotatedPhoto(t *testing.T) {
	testsupport.RequireNative(t)
	p := predictor(t)
	det, err := NewDetector()
	if err != nil {
		t.Fatal(err)
	}
	src := grey(t, "faces-dlib/Tom_Cruise_avp_2014_4.jpg")
	roll := func(img *image.Gray) (float64, float64) {
		dets, err := det.Detect(img, 0)
		if err != nil || len(dets) == 0 {
			t.Fatalf("no face: %v", err)
		}
		pts, err := p.Landmarks(img, dets[0].Box)
		if err != nil {
			t.Fatal(err)
		}
		eyes, err := EyeCentres(pts)
		if err != nil {
			t.Fatal(err)
		}
		return eyes.Roll(), eyes.IPD()
	}
	base, ipd := roll(src)
	if math.Abs(base) > 10 || ipd < 60 {
		t.Fatalf("upright photo: roll %.1f, IPD %.1f", base, ipd)
	}
	for _, deg := range []float64{-20, -10, 10, 20} {
		// imaging turns counter-clockwise, which lifts the image-right eye:
		// the eye line's angle falls by deg.
		turned := Gray(imaging.Rotate(src, deg, color.Gray{128}))
		got, gotIPD := roll(turned)
		if d := got - (base - deg); math.Abs(d) > 3 {
			t.Errorf("turned %+.0f: roll %.1f, want %.1f within 3", deg, got, base-deg)
		}
		if math.Abs(gotIPD-ipd) > 0.1*ipd {
			t.Errorf("turned %+.0f: IPD %.1f, upright %.1f", deg, gotIPD, ipd)
		}
		t.Logf("turned %+.0f: roll %.2f (upright %.2f), IPD %.1f", deg, got, base, gotIPD)
	}
}

func TestEyeCentresNeeds68or5(t *testing.T) {
	if _, err := EyeCentres(make([]image.Point, 7)); !errors.Is(err, ErrLandmarks) {
		t.Fatalf("7 points: %v", err)
	}
}
