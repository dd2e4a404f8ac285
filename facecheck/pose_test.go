package facecheck

import (
	"context"
	"image"
	"math"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/internal/testsupport"
)

// project turns the generic head by yaw and pitch (degrees, the Pose
// convention), then projects it orthographically at s px per mm.
func project(model []modelPoint, n int, yaw, pitch, s float64) []image.Point {
	y, p := yaw*math.Pi/180, pitch*math.Pi/180
	pts := make([]image.Point, n)
	for _, m := range model {
		x, v, z := m.xyz[0], m.xyz[1], m.xyz[2]
		// pitch: about x, positive moves the nose (z) down (-y)
		v, z = v*math.Cos(p)+z*math.Sin(-p), v*math.Sin(p)+z*math.Cos(p)
		// yaw: about y, positive moves the nose (z) right (+x)
		x, z = x*math.Cos(y)+z*math.Sin(y), -x*math.Sin(y)+z*math.Cos(y)
		pts[m.i] = image.Pt(int(math.Round(500+s*x)), int(math.Round(500-s*v)))
	}
	return pts
}

// The solver recovers a known pose from the model's own projection, with
// landmarks rounded to whole pixels as dlib gives them.
func TestPoseRecoversKnownAngles(t *testing.T) {
	for _, c := range []struct {
		model []modelPoint
		n     int
		tol   float64
	}{{model68, 68, 1.5}, {model5, 5, 3}} {
		for _, yaw := range []float64{-40, -25, -10, 0, 15, 30} {
			for _, pitch := range []float64{-30, -12, 0, 20} {
				pts := project(c.model, c.n, yaw, pitch, 3)
				if c.n == 5 {
					// five points cannot fix a pose with both angles large
					if math.Abs(yaw) > 25 || math.Abs(pitch) > 12 {
						continue
					}
				}
				got, err := EstimatePose(pts)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(got.Yaw-yaw) > c.tol || math.Abs(got.Pitch-pitch) > c.tol {
					t.Errorf("%d points, yaw %g pitch %g: got yaw %.1f pitch %.1f", c.n, yaw, pitch, got.Yaw, got.Pitch)
				}
			}
		}
	}
}

func TestPoseNeedsKnownLayout(t *testing.T) {
	if _, err := EstimatePose(make([]image.Point, 12)); err == nil {
		t.Fatal("12 points accepted")
	}
	if _, err := EstimatePose(make([]image.Point, 68)); err == nil {
		t.Fatal("all-zero landmarks gave a pose")
	}
}

// On real photos: frontal portraits read near 0, a mirror image turns the
// other way by the same amount and nods the same way.
func TestPoseOnCorpus(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	a := NewAnalyzer(predictor(t))
	one := func(img image.Image) Pose {
		faces, err := a.Find(context.Background(), img, nil)
		if err != nil || len(faces) == 0 {
			t.Fatalf("no face: %v", err)
		}
		return faces[0].Pose
	}
	// within: how far from 0 a frontal face may read; 0 marks a face turned
	// by about 20° (both views checked by eye).
	for rel, within := range map[string]float64{
		"faces-fr/obama.jpg":                   8,
		"faces-fr/alex_lacamoire1.jpg":         8,
		"faces-gf/chaeyeon.jpg":                8,
		"faces-dlib/Tom_Cruise_avp_2014_4.jpg": 12, // smiling, head a little down
		"faces-fr/obama2.jpg":                  0,
		"faces-gf/bona3.jpg":                   0,
	} {
		img := testsupport.DecodeCorpus(t, rel)
		p := one(img)
		m := one(imaging.FlipH(img))
		t.Logf("%s: yaw %.1f pitch %.1f roll %.1f; mirrored yaw %.1f pitch %.1f roll %.1f", rel, p.Yaw, p.Pitch, p.Roll, m.Yaw, m.Pitch, m.Roll)
		if math.Abs(p.Yaw+m.Yaw) > 4 || math.Abs(p.Pitch-m.Pitch) > 4 || math.Abs(p.Roll+m.Roll) > 2 {
			t.Errorf("%s: mirror pose %+v is not the reflection of %+v", rel, m, p)
		}
		if within > 0 && (math.Abs(p.Yaw) > within || math.Abs(p.Pitch) > within) {
			t.Errorf("%s: frontal portrait reads yaw %.1f pitch %.1f", rel, p.Yaw, p.Pitch)
		}
		if within == 0 && math.Abs(p.Yaw) < 12 {
			t.Errorf("%s: turned face reads yaw %.1f pitch %.1f", rel, p.Yaw, p.Pitch)
		}
	}
}

// Yaw and pitch do not change when the face is also turned in the image
// plane, by any angle: the solver levels the eye line first.
func TestPoseIgnoresRoll(t *testing.T) {
	for _, roll := range []float64{-150, -90, -40, 25, 90, 180} {
		a := roll * math.Pi / 180
		for _, yp := range [][2]float64{{-30, 10}, {20, -15}, {0, 20}} {
			pts := project(model68, 68, yp[0], yp[1], 3)
			for i, p := range pts {
				x, y := float64(p.X-500), float64(p.Y-500)
				pts[i] = image.Pt(int(math.Round(500+x*math.Cos(a)-y*math.Sin(a))), int(math.Round(500+x*math.Sin(a)+y*math.Cos(a))))
			}
			got, err := EstimatePose(pts)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.Yaw-yp[0]) > 2 || math.Abs(got.Pitch-yp[1]) > 2 || math.Abs(math.Remainder(got.Roll-roll, 360)) > 1 {
				t.Errorf("roll %g, yaw %g pitch %g: got %+v", roll, yp[0], yp[1], got)
			}
		}
	}
}
