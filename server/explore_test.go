package server

import (
	"testing"

	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/quality"
)

// nearMiss sends only refusals by calibratable rules, each a little past
// its threshold (progeny profile: face 224 px, eyes 85 px, yaw/pitch 25°,
// roll 35°, border margin 0.05 of the face width, frame share 0.8, face
// luminance 45..220).
func TestNearMiss(t *testing.T) {
	p := prevalidate.Progeny()
	face := func(mod func(*prevalidate.Face)) []prevalidate.Face {
		f := prevalidate.Face{Box: [4]int{300, 300, 300, 300}, Extent: [4]int{290, 280, 320, 340}, Size: 300, IPD: 120}
		mod(&f)
		return []prevalidate.Face{f}
	}
	out := func(code prevalidate.Code, faces []prevalidate.Face, mean float64) *prevalidate.Output {
		return &prevalidate.Output{Width: 900, Height: 1000, Faces: faces,
			Issues:   []prevalidate.Issue{{Code: code, Severity: prevalidate.SeverityError}},
			Measures: &prevalidate.Quality{Sharpness: 100, Exposure: quality.Exposure{Mean: mean}, Region: "face"}}
	}
	same := func(*prevalidate.Face) {}
	for _, c := range []struct {
		name string
		o    *prevalidate.Output
		near bool
	}{
		{"face a little small", out(prevalidate.FaceTooSmall, face(func(f *prevalidate.Face) { f.Size = 200 }), 120), true},
		{"face far too small", out(prevalidate.FaceTooSmall, face(func(f *prevalidate.Face) { f.Size = 150 }), 120), false},
		{"yaw a little over", out(prevalidate.FaceAngleTooLarge, face(func(f *prevalidate.Face) { f.Yaw = 30 }), 120), true},
		{"rolled far over", out(prevalidate.FaceAngleTooLarge, face(func(f *prevalidate.Face) { f.Roll = 60 }), 120), false},
		{"a little close to the border", out(prevalidate.FaceCloseToBorder, face(func(f *prevalidate.Face) { f.Extent[0] = 10 }), 120), true},
		{"at the border", out(prevalidate.FaceCloseToBorder, face(func(f *prevalidate.Face) { f.Extent[0] = 2 }), 120), false},
		{"a little too close", out(prevalidate.FaceTooClose, face(func(f *prevalidate.Face) { f.Box[2], f.Box[3] = 760, 850 }), 120), true},
		{"filling the frame", out(prevalidate.FaceTooClose, face(func(f *prevalidate.Face) { f.Box[2], f.Box[3] = 900, 1000 }), 120), false},
		{"a little dark", out(prevalidate.PoorImageExposure, face(same), 35), true},
		{"very dark", out(prevalidate.PoorImageExposure, face(same), 12), false},
		{"a little bright", out(prevalidate.PoorImageExposure, face(same), 230), true},
		{"not a threshold rule", out(prevalidate.FaceNotFound, face(same), 120), false},
		{"mouth a little covered", out(prevalidate.FaceOccluded, face(func(f *prevalidate.Face) { f.Cover = &prevalidate.Cover{Mouth: 0.5} }), 120), true},
		{"behind a mask", out(prevalidate.FaceOccluded, face(func(f *prevalidate.Face) { f.Cover = &prevalidate.Cover{Mouth: 1, Nose: 0.9} }), 120), false},
		{"an eye a little covered", out(prevalidate.EyesNotVisible, face(func(f *prevalidate.Face) { f.Cover = &prevalidate.Cover{LeftEye: 0.55} }), 120), true},
		{"sunglasses", out(prevalidate.EyesNotVisible, face(func(f *prevalidate.Face) { f.Cover = &prevalidate.Cover{LeftEye: 1, RightEye: 1} }), 120), false},
		{"occlusion not read", out(prevalidate.FaceOccluded, face(same), 120), false},
	} {
		if got := nearMiss(p, c.o); got != c.near {
			t.Errorf("%s: near miss %v, want %v", c.name, got, c.near)
		}
	}
}
