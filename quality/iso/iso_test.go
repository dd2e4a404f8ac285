package iso

import (
	"image"
	"math"
	"testing"
)

// template is a drawn 68-point face already in OFIQ's reference frame:
// the eye centres at (251, 272) and (364, 272), the nose tip at
// (308, 336), the mouth corners at (262, 402) and (355, 402), so that the
// alignment is the identity and the frame's pixels are the image's. The
// chin is 135 px under the eyes (OFIQ's T = 135). eyeH is each eye's lid
// distance, mouthGap the inner lips'.
func template(eyeH, mouthGap int) []image.Point {
	p := make([]image.Point, 68)
	const eyeY, chinY = 272, 407
	for i := range 17 { // the jaw, ear to ear through the chin
		th := math.Pi * float64(i) / 16
		p[i] = image.Pt(int(math.Round(307.5-110*math.Cos(th))), int(math.Round(eyeY+135*math.Sin(th))))
	}
	p[8] = image.Pt(308, chinY)
	for i := range 5 { // brows
		p[17+i] = image.Pt(215+17*i, 235)
		p[22+i] = image.Pt(332+17*i, 235)
	}
	for i := range 4 { // nose bridge to tip
		p[27+i] = image.Pt(308, 285+17*i)
	}
	p[30] = image.Pt(308, 336)
	for i := range 5 {
		p[31+i] = image.Pt(290+9*i, 346)
	}
	eye := func(at int, cx int) { // corners 22 px either side of the centre
		top, bot := eyeY-eyeH/2, eyeY+(eyeH-eyeH/2)
		p[at] = image.Pt(cx-22, eyeY)
		p[at+1], p[at+2] = image.Pt(cx-8, top), image.Pt(cx+8, top)
		p[at+3] = image.Pt(cx+22, eyeY)
		p[at+4], p[at+5] = image.Pt(cx+8, bot), image.Pt(cx-8, bot)
	}
	eye(36, 251)
	eye(42, 364)
	p[48], p[54] = image.Pt(262, 402), image.Pt(355, 402)
	for i := range 5 { // outer lips
		p[49+i] = image.Pt(277+15*i, 392)
		p[59-i] = image.Pt(277+15*i, 414)
	}
	p[60], p[64] = image.Pt(272, 402), image.Pt(345, 402)
	top, bot := 402-mouthGap/2, 402+(mouthGap-mouthGap/2)
	for i := range 3 {
		p[61+i] = image.Pt(290+18*i, top)
		p[67-i] = image.Pt(290+18*i, bot)
	}
	return p
}

func grey(w, h int, v uint8) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = v, v, v, 0xff
	}
	return m
}

func measure(t *testing.T, img image.Image, f Face, others ...Face) Components {
	t.Helper()
	c, err := Measure(img, append([]Face{f}, others...), 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func want(t *testing.T, c Components, name string, raw, score, tol float64) {
	t.Helper()
	got, ok := c[name]
	if !ok || got.Raw == nil || got.Score == nil {
		t.Errorf("%s: %+v", name, got)
		return
	}
	// Raw values are reported to 6 significant digits.
	if !math.IsNaN(raw) && math.Abs(*got.Raw-raw) > math.Max(tol, 1e-5*math.Abs(raw)) {
		t.Errorf("%s raw %.6f, want %.6f", name, *got.Raw, raw)
	}
	if *got.Score != score {
		t.Errorf("%s score %v, want %v (raw %.6f)", name, *got.Score, score, *got.Raw)
	}
}

// The alignment of a face already in the reference frame is the identity.
func TestAlignIdentity(t *testing.T) {
	n := landmarksOf(toF(template(17, 0)))
	s := fitSimilarity([]pt{n.eyeL, n.eyeR, n.nose, n.mouthL, n.mouthR}, refs[:])
	if math.Abs(s.a-1) > 1e-12 || math.Abs(s.b) > 1e-12 || math.Abs(s.tx) > 1e-9 || math.Abs(s.ty) > 1e-9 {
		t.Fatalf("transform %+v", s)
	}
	// Scaled by 2, turned 30° and moved, the fit undoes it exactly.
	th := 30 * math.Pi / 180
	m := similarity{2 * math.Cos(th), 2 * math.Sin(th), 40, -15}
	var src []pt
	for _, p := range refs {
		src = append(src, m.inverse().apply(p))
	}
	if f := fitSimilarity(src, refs[:]); math.Abs(f.a-m.a) > 1e-9 || math.Abs(f.b-m.b) > 1e-9 || math.Abs(f.tx-m.tx) > 1e-6 {
		t.Errorf("fit %+v, want %+v", f, m)
	}
}

// A flat grey face region: the luminance is the grey's linear light
// (128: ((128/255 + 0.055)/1.055)^2.4 = 0.21586, 55 of 255), with no
// variance, no entropy, no clipping and identical cheeks. Its a* with
// OFIQ's constants is -0.0001 (the matrix rows sum to 0.96422 against a
// white of 0.964221), and a negative a* is OFIQ's worst natural colour.
func TestFlatGrey(t *testing.T) {
	c := measure(t, grey(616, 616, 128), Face{Box: image.Rect(200, 200, 420, 420), Landmarks: template(17, 0)})
	want(t, c, LuminanceMean, 55.0/255, 58, 1e-9)     // 100 σ((0.2157-0.2)/0.05) (1-σ((0.2157-0.8)/0.05)) = 57.8
	want(t, c, LuminanceVariance, 0, 0, 1e-12)        // 100 sin(0)
	want(t, c, DynamicRange, 0, 0, 1e-12)             // 12.5 × 0 bits
	want(t, c, UnderExposurePrevention, 0, 100, 0)    // 120 (0.832 - σ(-18.4)) = 99.84
	want(t, c, OverExposurePrevention, 0, 100, 0)     // 1 / (0 + 0.01)
	want(t, c, IlluminationUniformity, 1, 100, 1e-12) // 100 × 1^0.3
	want(t, c, NaturalColour, 100, 0, 0)
	// Dark grey (40: linear 0.02122, 5 of 255): all of it under-exposed.
	c = measure(t, grey(616, 616, 40), Face{Box: image.Rect(200, 200, 420, 420), Landmarks: template(17, 0)})
	want(t, c, LuminanceMean, 5.0/255, 3, 1e-9)  // 100 σ(-3.61) = 2.6
	want(t, c, UnderExposurePrevention, 1, 0, 0) // 120 (0.832 - σ(1.6)) < 0
	// White: all over-exposed; 1/(1 + 0.01) rounds to 1.
	c = measure(t, grey(616, 616, 255), Face{Box: image.Rect(200, 200, 420, 420), Landmarks: template(17, 0)})
	want(t, c, OverExposurePrevention, 1, 1, 0)
}

// Two cheek zones of different histograms: the image-left cheek all one
// grey, the image-right one a third another: the histograms share 2/3,
// 100 × (2/3)^0.3 = 88.5.
func TestIlluminationUniformityByHand(t *testing.T) {
	img := grey(616, 616, 128)
	// The image-right cheek zone is x 331..363, y 337..369 (0.3 IED = 33
	// px square, half the 130 px eye-to-mouth distance under the eye).
	for y := range 616 {
		for x := 331; x < 342; x++ {
			copy(img.Pix[img.PixOffset(x, y):], []uint8{60, 60, 60})
		}
	}
	c := measure(t, img, Face{Box: image.Rect(200, 200, 420, 420), Landmarks: template(17, 0)})
	want(t, c, IlluminationUniformity, 2.0/3, 89, 1e-9)
}

// A one-pixel checkerboard of two greys: an entropy of 1 bit (the face
// region's pixels split half and half, within a row's worth).
func TestDynamicRangeTwoLevels(t *testing.T) {
	img := grey(616, 616, 90)
	for y := range 616 {
		for x := y % 2; x < 616; x += 2 {
			copy(img.Pix[img.PixOffset(x, y):], []uint8{200, 200, 200})
		}
	}
	c := measure(t, img, Face{Box: image.Rect(200, 200, 420, 420), Landmarks: template(17, 0)})
	if r := *c[DynamicRange].Raw; math.Abs(r-1) > 1e-4 || math.Abs(*c[DynamicRange].Score-12.5) > 2e-3 {
		t.Errorf("entropy %.6f bits, score %v; want 1 and 12.5", r, *c[DynamicRange].Score)
	}
}

// A strong colour cast: a* negative (green) is OFIQ's 100, the worst.
func TestNaturalColourCast(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 616, 616))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 40, 200, 40, 0xff
	}
	c := measure(t, img, Face{Box: image.Rect(200, 200, 420, 420), Landmarks: template(17, 0)})
	want(t, c, NaturalColour, 100, 0, 0)
	// Skin-like (a* 16.5, b* 23.5): inside a* 5..25, b* 5..35, so 0 and 100.
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2] = 200, 150, 120
	}
	c = measure(t, img, Face{Box: image.Rect(200, 200, 420, 420), Landmarks: template(17, 0)})
	want(t, c, NaturalColour, 0, 100, 0)
}

// The landmark components by hand. T (eyes' midpoint to chin) is 135 px,
// the eye centres 113 px apart.
func TestLandmarkComponents(t *testing.T) {
	img := grey(616, 616, 128)
	box := image.Rect(200, 200, 420, 420)
	c := measure(t, img, Face{Box: box, Landmarks: template(17, 0), Yaw: 30, Pitch: -10, Roll: 90, Sharpness: 35})
	want(t, c, EyesOpen, 17.0/135, 100, 1e-3)                       // σ((0.126-0.02)/0.01)
	want(t, c, MouthClosed, 0, 97, 1e-9)                            // 100 (1 - σ(-0.2/0.06)) = 96.6
	want(t, c, InterEyeDistance, 113/math.Cos(math.Pi/6), 95, 1e-6) // 130.5 px: σ(3.02) = 0.954
	want(t, c, HeadSize, 135.0/616, 2, 1e-3)                        // 200 (1 - σ(0.2308/0.05)) = 1.97
	want(t, c, LeftwardCropOfTheFaceImage, 364.0/113, 100, 1e-3)
	want(t, c, RightwardCropOfTheFaceImage, (616-251.0)/113, 100, 1e-3)
	want(t, c, MarginAboveOfTheFaceImage, 272.0/135, 100, 1e-3)
	want(t, c, MarginBelowOfTheFaceImage, (616-272.0)/135, 100, 1e-3)
	want(t, c, HeadPoseYaw, 30, 75, 0)    // 100 cos² 30°
	want(t, c, HeadPosePitch, -10, 97, 0) // 96.98
	want(t, c, HeadPoseRoll, 90, 0, 0)
	want(t, c, SingleFacePresent, 0, 100, 0)
	want(t, c, Sharpness, 35, 50, 0)
	// Closed eyes, an open mouth (inner lips 34 px apart: 0.252 T), a
	// frame cut 102 px right of the image-left eye (0.903 IED), a second
	// face of a quarter the area, a sharper face.
	c = measure(t, grey(353, 616, 128), Face{Box: box, Landmarks: template(0, 34), Sharpness: 70},
		Face{Box: image.Rect(0, 0, 110, 110)})
	want(t, c, EyesOpen, 0, 12, 0)                               // 100 σ(-2) = 11.9
	want(t, c, MouthClosed, 34.0/135, 30, 1e-3)                  // 100 (1 - σ(0.8519)) = 29.9
	want(t, c, RightwardCropOfTheFaceImage, 102.0/113, 51, 1e-3) // σ(0.027) = 0.507
	want(t, c, SingleFacePresent, 0.5, 50, 1e-9)
	want(t, c, Sharpness, 70, 88, 0)            // σ(ln 2 / 0.35) = 0.879
	want(t, c, InterEyeDistance, 113, 90, 1e-9) // σ(43/20) = 0.896
}

// Every measure OFIQ reports is in the result; those needing a network
// are "none", with a reason and no number. Without the face-surface
// model's reading, the occlusion components are "none" too.
func TestEveryMeasureListed(t *testing.T) {
	occ := &Occluded{EyeZones: 0.25, Mouth: 1, Face: 0.404}
	c := measure(t, grey(616, 616, 128), Face{Box: image.Rect(200, 200, 420, 420), Landmarks: template(17, 0), Sharpness: 40, Occluded: occ})
	if len(c) != len(Measures()) {
		t.Errorf("%d components for %d measures", len(c), len(Measures()))
	}
	for _, in := range Measures() {
		got := c[in.Name]
		if got.ID != in.Hex() || got.How != in.How {
			t.Errorf("%s: %+v", in.Name, got)
		}
		if (in.How == HowNone) != (got.Raw == nil) || (in.How == HowNone && got.Why == "") {
			t.Errorf("%s (%s): raw %v, why %q", in.Name, in.How, got.Raw, got.Why)
		}
	}
	want(t, c, EyesVisible, 0.25, 75, 0)
	want(t, c, MouthOcclusionPrevention, 1, 0, 0)
	want(t, c, FaceOcclusionPrevention, 0.404, 60, 0)
	c = measure(t, grey(616, 616, 128), Face{Box: image.Rect(200, 200, 420, 420), Landmarks: template(17, 0)})
	for _, name := range []string{EyesVisible, MouthOcclusionPrevention, FaceOcclusionPrevention} {
		if got := c[name]; got.How != HowNone || got.Raw != nil || got.Why == "" {
			t.Errorf("%s without the model: %+v", name, got)
		}
	}
	if _, err := Measure(grey(10, 10, 1), []Face{{Landmarks: make([]image.Point, 5)}}, 0, Options{}); err == nil {
		t.Error("5 landmarks measured")
	}
}

// The region components do not depend on the photo's resolution: the
// same drawn face at half the size reads the same, within the
// resampling's rounding.
func TestResolutionIndependent(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 616, 616))
	for y := range 616 {
		for x := range 616 { // a left-to-right light gradient, a little colour
			v := uint8(60 + x/4)
			copy(img.Pix[img.PixOffset(x, y):], []uint8{v + 20, v, v - 10, 0xff})
		}
	}
	big := measure(t, img, Face{Box: image.Rect(200, 200, 420, 420), Landmarks: template(17, 0)})
	half := image.NewRGBA(image.Rect(0, 0, 308, 308))
	for y := range 308 {
		for x := range 308 {
			var s [3]int
			for _, d := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				p := img.Pix[img.PixOffset(2*x+d[0], 2*y+d[1]):]
				s[0], s[1], s[2] = s[0]+int(p[0]), s[1]+int(p[1]), s[2]+int(p[2])
			}
			copy(half.Pix[half.PixOffset(x, y):], []uint8{uint8(s[0] / 4), uint8(s[1] / 4), uint8(s[2] / 4), 0xff})
		}
	}
	pts := template(17, 0)
	for i := range pts {
		pts[i] = image.Pt(pts[i].X/2, pts[i].Y/2)
	}
	small := measure(t, half, Face{Box: image.Rect(100, 100, 210, 210), Landmarks: pts})
	for _, name := range []string{LuminanceMean, IlluminationUniformity, NaturalColour, UnderExposurePrevention} {
		if d := math.Abs(*big[name].Score - *small[name].Score); d > 3 {
			t.Errorf("%s: %v at full size, %v at half", name, *big[name].Score, *small[name].Score)
		}
	}
}

// Align shows the frame the region components read: for a face already in
// the reference frame, the same landmarks and pixels, black outside the
// face region, and the cheek zones worked out by hand in
// TestIlluminationUniformityByHand.
func TestAlignView(t *testing.T) {
	pts := template(17, 0)
	a, err := Align(grey(616, 616, 128), pts)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range a.Landmarks {
		if p != pts[i] {
			t.Fatalf("landmark %d at %v, want %v", i, p, pts[i])
		}
	}
	if c := a.Frame.RGBAAt(308, 336); c.R != 128 || c.A != 255 {
		t.Errorf("nose tip pixel %v", c)
	}
	if c := a.Frame.RGBAAt(10, 10); c.R != 0 || c.A != 255 {
		t.Errorf("outside the face region %v", c)
	}
	if a.Cheeks[0] != image.Rect(331, 337, 364, 370) || a.Cheeks[1] != image.Rect(251, 337, 284, 370) {
		t.Errorf("cheek zones %v", a.Cheeks)
	}
	if _, err := Align(grey(8, 8, 1), pts[:5]); err == nil {
		t.Error("5 landmarks aligned")
	}
}

// Measure is safe for concurrent use (the frames come from a pool) and
// gives the same components every time.
func TestMeasureConcurrent(t *testing.T) {
	img := grey(616, 616, 128)
	f := Face{Box: image.Rect(200, 200, 420, 420), Landmarks: template(17, 0), Sharpness: 50}
	want := measure(t, img, f)
	done := make(chan Components)
	for range 4 {
		go func() {
			for range 10 {
				c, _ := Measure(img, []Face{f}, 0, Options{})
				done <- c
			}
		}()
	}
	for range 40 {
		c := <-done
		for name, w := range want {
			if g := c[name]; (g.Score == nil) != (w.Score == nil) || (g.Score != nil && *g.Score != *w.Score) {
				t.Fatalf("%s: %+v, want %+v", name, g, w)
			}
		}
	}
}
