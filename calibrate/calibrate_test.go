package calibrate

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/facegate/facegate/journal"
	"github.com/facegate/facegate/prevalidate"
)

// traffic is shadow-mode records judged by a provider with hidden
// cut-offs: faces under 250 px are FACE_TOO_SMALL, yaw or pitch beyond 18°
// FACE_ANGLE_TOO_LARGE; facegate's defaults are 224 and 25.
func traffic(n int, seed uint64) []journal.Record {
	rng := rand.New(rand.NewPCG(seed, 7))
	recs := make([]journal.Record, n)
	yes, no := true, false
	for i := range recs {
		size := 120 + 300*rng.Float64()
		yaw := -40 + 80*rng.Float64()
		v := &journal.Verdict{State: "SUCCESS", Status: 200, Result: &yes}
		switch {
		case size < 250:
			v = &journal.Verdict{State: "SUCCESS", Status: 400, Result: &no, Code: "FACE_TOO_SMALL"}
		case math.Abs(yaw) > 18:
			v = &journal.Verdict{State: "SUCCESS", Status: 400, Result: &no, Code: "FACE_ANGLE_TOO_LARGE"}
		}
		recs[i] = journal.Record{Format: journal.Format, Mode: "shadow", Verdict: v,
			Measures: journal.Measures{Width: 1000, Height: 1000, Faces: []journal.Face{{Size: size, IPD: size * 0.4, Yaw: yaw, EyesOpen: []float64{0.3, 0.3}}}}}
	}
	return recs
}

func find(props []Proposal, key string) *Proposal {
	for i := range props {
		if props[i].Key == key {
			return &props[i]
		}
	}
	return nil
}

// spacing is the gap between the used values that straddle t.
func spacing(recs []journal.Record, measure func(*journal.Record) float64, t float64) float64 {
	lo, hi := math.Inf(-1), math.Inf(1)
	for i := range recs {
		v := measure(&recs[i])
		if v < t {
			lo = math.Max(lo, v)
		} else {
			hi = math.Min(hi, v)
		}
	}
	return hi - lo
}

// The proposals land within the data's spacing of the hidden cut-offs, and
// on held-back traffic the calibrated profile makes fewer costly mistakes
// than the default one.
func TestProposeFindsHiddenCutoffs(t *testing.T) {
	all := traffic(900, 1)
	train, held := all[:600], all[600:]
	p := prevalidate.Progeny()
	props, sum := Propose(train, p, Options{})
	if sum.Records != 600 || sum.NoVerdict != 0 {
		t.Errorf("summary %+v", sum)
	}
	size, yaw := find(props, prevalidate.KeyFaceSize), find(props, prevalidate.KeyYawPitch)
	if size == nil || yaw == nil {
		t.Fatalf("proposals %+v", props)
	}
	sizeOf := func(r *journal.Record) float64 { return r.Measures.Faces[0].Size }
	yawOf := func(r *journal.Record) float64 { return math.Abs(r.Measures.Faces[0].Yaw) }
	if d := spacing(train, sizeOf, 250); math.Abs(size.Proposed-250) > d || size.Current != 224 {
		t.Errorf("face size: proposed %.1f (current %g), hidden 250, data spacing %.2f", size.Proposed, size.Current, d)
	}
	if !(size.Low <= size.Proposed && size.Proposed <= size.High) || size.High-size.Low > 20 {
		t.Errorf("face size interval [%.1f, %.1f] around %.1f", size.Low, size.High, size.Proposed)
	}
	// Yaw is judged only on faces large enough for the provider (the
	// others are rejected for another code and left out).
	var bigEnough []journal.Record
	for _, r := range train {
		if r.Measures.Faces[0].Size >= 250 {
			bigEnough = append(bigEnough, r)
		}
	}
	if d := spacing(bigEnough, yawOf, 18); math.Abs(yaw.Proposed-18) > d || yaw.LeftOut == 0 {
		t.Errorf("yaw: proposed %.1f, hidden 18, spacing %.2f, left out %d", yaw.Proposed, d, yaw.LeftOut)
	}
	if size.After.Cost >= size.Before.Cost || size.Before.NeedlessRetakes != 0 || size.Before.WastedCalls == 0 {
		t.Errorf("face size mistakes: before %+v, after %+v", size.Before, size.After)
	}
	calibrated, used := Apply(p, props)
	if len(used) < 2 {
		t.Fatalf("applied %d proposals", len(used))
	}
	heldProps, _ := Propose(held, calibrated, Options{})
	heldDefault, _ := Propose(held, p, Options{})
	for _, key := range []string{prevalidate.KeyFaceSize, prevalidate.KeyYawPitch} {
		after, before := find(heldProps, key).Before, find(heldDefault, key).Before
		if after.Cost >= before.Cost {
			t.Errorf("%s on held-back traffic: calibrated %+v, default %+v", key, after, before)
		}
	}
}

// Too few records, or too few of one verdict: no proposal, and why.
func TestProposeRefusesThinData(t *testing.T) {
	props, _ := Propose(traffic(30, 2), prevalidate.Progeny(), Options{})
	for _, pr := range props {
		if !math.IsNaN(pr.Proposed) || pr.Reason == "" {
			t.Errorf("%s/%s from %d records: proposed %v (%q)", pr.Code, pr.Key, pr.Records, pr.Proposed, pr.Reason)
		}
	}
	// Enough records, but Progeny never rejected for closed eyes.
	props, _ = Propose(traffic(600, 3), prevalidate.Progeny(), Options{})
	for _, e := range props {
		if e.Code == prevalidate.EyesClosed && (!math.IsNaN(e.Proposed) || e.Rejected != 0) {
			t.Errorf("eyes: proposed %v from %d rejections", e.Proposed, e.Rejected)
		}
	}
	// Records without a verdict on the image are counted and left out.
	recs := traffic(100, 4)
	for i := range 40 {
		recs[i].Verdict = &journal.Verdict{Error: "progeny: 503"}
	}
	if _, sum := Propose(recs, prevalidate.Progeny(), Options{}); sum.NoVerdict != 40 {
		t.Errorf("no-verdict records %d, want 40", sum.NoVerdict)
	}
}

// jointTraffic is shadow records whose eye distance varies apart from the
// face size (faces turned a little have their eyes closer), judged by a
// provider whose FACE_TOO_SMALL means face under minFace or eyes under
// minIPD apart.
func jointTraffic(n int, seed uint64, minFace, minIPD float64) []journal.Record {
	rng := rand.New(rand.NewPCG(seed, 11))
	yes, no := true, false
	recs := make([]journal.Record, n)
	for i := range recs {
		size := 150 + 250*rng.Float64()
		ipd := size * (0.28 + 0.14*rng.Float64())
		v := &journal.Verdict{State: "SUCCESS", Status: 200, Result: &yes}
		if size < minFace || ipd < minIPD {
			v = &journal.Verdict{State: "SUCCESS", Status: 400, Result: &no, Code: "FACE_TOO_SMALL"}
		}
		recs[i] = journal.Record{Format: journal.Format, Mode: "shadow", Verdict: v,
			Measures: journal.Measures{Width: 1000, Height: 1000, Faces: []journal.Face{{Size: size, IPD: ipd}}}}
	}
	return recs
}

// Face size and eye distance both raise FACE_TOO_SMALL: a rejection does
// not say which, so they are proposed together. Calibrated each on its
// own, the eye distance would take the rejections of small faces for its
// own and refuse large faces with close eyes that Progeny accepts.
func TestProposeJointRules(t *testing.T) {
	p := prevalidate.Progeny()
	// The provider's cut-off is the face size alone (its eye distance
	// minimum, 60, never binds).
	recs := jointTraffic(800, 1, 250, 60)
	props, _ := Propose(recs, p, Options{})
	size, ipd := find(props, prevalidate.KeyFaceSize), find(props, prevalidate.KeyEyeDistance)
	if size == nil || ipd == nil {
		t.Fatalf("proposals %+v", props)
	}
	if math.Abs(size.Proposed-250) > 2 || !slices.Equal(size.With, []string{prevalidate.KeyEyeDistance}) {
		t.Errorf("face size proposed %.1f (with %v), hidden 250", size.Proposed, size.With)
	}
	if size.After.NeedlessRetakes != 0 || size.After.WastedCalls != 0 || size.After != ipd.After {
		t.Errorf("joint mistakes after: %+v and %+v, want none", size.After, ipd.After)
	}
	minIPD := math.Inf(1) // of the faces Progeny accepted
	for _, r := range recs {
		if *r.Verdict.Result {
			minIPD = math.Min(minIPD, r.Measures.Faces[0].IPD)
		}
	}
	if ipd.Proposed > minIPD {
		t.Errorf("eye distance proposed %.1f refuses accepted faces (their least eye distance %.1f)", ipd.Proposed, minIPD)
	}
	// The provider's cut-off is the eye distance (90 px), faces down to
	// 150 px pass: the eye distance goes up to it, the face size may stay
	// where no accepted face is under it.
	recs = jointTraffic(800, 2, 150, 90)
	props, _ = Propose(recs, p, Options{})
	size, ipd = find(props, prevalidate.KeyFaceSize), find(props, prevalidate.KeyEyeDistance)
	minSize := math.Inf(1)
	for _, r := range recs {
		if *r.Verdict.Result {
			minSize = math.Min(minSize, r.Measures.Faces[0].Size)
		}
	}
	if math.Abs(ipd.Proposed-90) > 2 || size.Proposed > minSize || size.After.Cost != 0 || size.Before.Cost == 0 {
		t.Errorf("eye distance proposed %.1f (hidden 90), face size %.1f (least accepted %.1f); mistakes %+v -> %+v",
			ipd.Proposed, size.Proposed, minSize, size.Before, size.After)
	}
}

// The border rules and both sides of the exposure rule calibrate from
// their own measures: a provider that wants a tenth of the face width to
// each border (facegate: 0.05), at most 70 % of the frame filled (0.8),
// and a face luminance of 60..200 (45..220).
func TestProposeBordersAndExposure(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	yes, no := true, false
	var recs []journal.Record
	for range 1200 {
		W, H := 1000, 1200
		bw := 150 + rng.IntN(700)
		x := rng.IntN(W - bw + 1)
		y := rng.IntN(H - bw + 1)
		margins := [4]int{x, y, W - x - bw, H - y - bw}
		exposure := 20 + 220*rng.Float64()
		gap := float64(slices.Min(margins[:])) / float64(bw)
		fill := math.Max(float64(bw)/float64(W), float64(bw)/float64(H))
		v := &journal.Verdict{State: "SUCCESS", Status: 200, Result: &yes}
		bad := func(code string) { v = &journal.Verdict{State: "SUCCESS", Status: 400, Result: &no, Code: code} }
		switch {
		case gap < 0.1:
			bad("FACE_CLOSE_TO_BORDER")
		case fill > 0.7:
			bad("FACE_TOO_CLOSE")
		case exposure < 60 || exposure > 200:
			bad("POOR_IMAGE_EXPOSURE")
		}
		recs = append(recs, journal.Record{Format: journal.Format, Mode: "shadow", Verdict: v,
			Measures: journal.Measures{Width: W, Height: H, Exposure: exposure, Sharpness: 100,
				Faces: []journal.Face{{Size: 300, IPD: 120, Box: [4]int{x, y, bw, bw}, Margins: margins}}}})
	}
	props, _ := Propose(recs, prevalidate.Progeny(), Options{})
	for _, c := range []struct {
		code   prevalidate.Code
		key    string
		hidden float64
		tol    float64
	}{
		{prevalidate.FaceCloseToBorder, "", 0.1, 0.01},
		{prevalidate.FaceTooClose, "", 0.7, 0.01},
		{prevalidate.PoorImageExposure, prevalidate.KeyTooDark, 60, 2},
		{prevalidate.PoorImageExposure, prevalidate.KeyTooBright, 200, 2},
	} {
		i := slices.IndexFunc(props, func(p Proposal) bool { return p.Code == c.code && p.Key == c.key })
		if i < 0 {
			t.Errorf("%s/%s: no proposal", c.code, c.key)
			continue
		}
		if pr := props[i]; math.Abs(pr.Proposed-c.hidden) > c.tol || pr.After.Cost >= pr.Before.Cost {
			t.Errorf("%s/%s: proposed %v (current %v), hidden %v; mistakes %+v -> %+v", c.code, c.key, pr.Proposed, pr.Current, c.hidden, pr.Before, pr.After)
		}
	}
	cal, _ := Apply(prevalidate.Progeny(), props)
	if th, _ := cal.Threshold(prevalidate.RuleID{Code: prevalidate.FaceCloseToBorder}); math.Abs(th-0.1) > 0.01 || th != math.Round(th*1000)/1000 {
		t.Errorf("applied border threshold %v", th)
	}
}

// The face-surface rules are learnt from verdicts like the others: a
// provider that refuses faces whose mouth and nose are more than 30 %
// covered (answering FACE_IS_OCCLUDED, IDLive's code), eyes more than 60 %
// covered (EYES_NOT_VISIBLE), and detections scoring under 0.7 as a
// person's face (FACE_NOT_FOUND), some of them set aside by the profile.
func TestProposeSurfaceRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	yes, no := true, false
	var recs []journal.Record
	for range 1500 {
		c := &prevalidate.Cover{Mouth: rng.Float64(), Nose: rng.Float64() * 0.5, Lower: rng.Float64() * 0.5,
			RightEye: rng.Float64(), LeftEye: rng.Float64() * 0.3, Human: rng.Float64()}
		v := &journal.Verdict{State: "SUCCESS", Status: 200, Result: &yes}
		bad := func(code string) { v = &journal.Verdict{State: "SUCCESS", Status: 400, Result: &no, Code: code} }
		switch {
		case c.Human < 0.7:
			bad("FACE_NOT_FOUND")
		case c.MouthNose() > 0.3:
			bad("FACE_IS_OCCLUDED")
		case c.Eyes() > 0.6:
			bad("EYES_NOT_VISIBLE")
		}
		f := journal.Face{Size: 300, IPD: 120, Box: [4]int{300, 300, 300, 300}, Margins: [4]int{300, 300, 300, 300}, Cover: c}
		m := journal.Measures{Width: 900, Height: 900, Exposure: 120, Sharpness: 100, Faces: []journal.Face{f}}
		if c.Human < 0.5 { // the profile set it aside
			m.Faces, m.NotFaces = []journal.Face{}, []journal.Face{f}
		}
		recs = append(recs, journal.Record{Format: journal.Format, Mode: "shadow", Verdict: v, Measures: m})
	}
	props, _ := Propose(recs, prevalidate.Progeny(), Options{})
	for _, c := range []struct {
		code   prevalidate.Code
		key    string
		hidden float64
	}{
		{prevalidate.FaceOccluded, prevalidate.KeyMouthNose, 0.3},
		{prevalidate.EyesNotVisible, "", 0.6},
		{prevalidate.FaceNotFound, prevalidate.KeyHuman, 0.7},
	} {
		i := slices.IndexFunc(props, func(p Proposal) bool { return p.Code == c.code && p.Key == c.key })
		if i < 0 {
			t.Errorf("%s/%s: no proposal", c.code, c.key)
			continue
		}
		if pr := props[i]; math.Abs(pr.Proposed-c.hidden) > 0.02 || pr.After.Cost >= pr.Before.Cost {
			t.Errorf("%s/%s: proposed %v (current %v), hidden %v; mistakes %+v -> %+v", c.code, c.key, pr.Proposed, pr.Current, c.hidden, pr.Before, pr.After)
		}
	}
}

// A live face that is not the registered person's (authenticate_face:
// liveness true, likeness false) is no rejection of the image: the image
// rules learn from the liveness result, and the summary counts the
// likeness failures it set aside.
func TestLikenessFailuresAreNotImageRejections(t *testing.T) {
	recs := traffic(600, 11)
	no := false
	var turned int
	for i := range recs {
		v := recs[i].Verdict
		if v.Result != nil && *v.Result && i%3 == 0 {
			// The provider found another person: a 400 with no liveness code.
			v.Likeness, v.Status = &no, 400
			turned++
		}
	}
	props, sum := Propose(recs, prevalidate.Progeny(), Options{})
	if sum.LikenessFailures != turned || turned == 0 {
		t.Fatalf("likeness failures %d, want %d", sum.LikenessFailures, turned)
	}
	size := find(props, prevalidate.KeyFaceSize)
	if size == nil || math.Abs(size.Proposed-250) > 3 || size.Before.NeedlessRetakes+size.Before.WastedCalls == 0 {
		t.Fatalf("face size %+v", size)
	}
	// Every live face is an accepted one, whatever its likeness.
	accepted := 0
	for i := range recs {
		if r := recs[i].Verdict.Result; r != nil && *r {
			accepted++
		}
	}
	if size.Accepted != accepted {
		t.Errorf("face size learnt from %d accepted images, want the %d live ones", size.Accepted, accepted)
	}
}
