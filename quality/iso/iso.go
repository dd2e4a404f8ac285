// Package iso computes face-image quality components in the vocabulary of
// ISO/IEC 29794-5 as its open reference implementation, BSI's OFIQ,
// defines them: each component's name and quality-measure id are OFIQ's,
// with the native value (Raw) and the 0-100 quality component value
// (Score) that OFIQ's mapping gives, with OFIQ's published constants.
//
// OFIQ finds 98 landmarks with its ADNet network; this package reads dlib's
// 68 and maps them to the points OFIQ uses (eye corners and lids, inner
// lips, nose tip, mouth corners, chin). Components whose input needs one
// of OFIQ's networks are listed with How "none" and the reason, never
// guessed. Each component says how it was computed:
//
//   - "ofiq": OFIQ's definition and constants, on dlib's landmarks. The
//     region components run on the face aligned to OFIQ's 616 x 616
//     reference frame (a similarity transform fitted to the eye centres,
//     nose tip and mouth corners by least squares; OFIQ fits it with
//     LMedS), inside the convex hull of the aligned landmarks.
//   - "ofiq-no-occlusion": OFIQ's definition, but OFIQ also removes the
//     pixels its face-occlusion segmentation network marks, which this
//     package does not run (under- and over-exposure prevention).
//   - "facegate": facegate's own measure in OFIQ's place (head pose from
//     facegate's landmark pose solver, where OFIQ runs the 3DDFA-V2
//     network; sharpness from facegate's calibrated variance of the
//     Laplacian, where OFIQ runs a random forest whose model is not
//     shipped here), mapped to 0-100 as the component's doc says.
//   - "none": not computed (Why says which network it needs).
package iso

import (
	"fmt"
	"image"
	"math"
	"slices"
)

// Component is one quality component of one face.
type Component struct {
	ID string `json:"id"` // ISO/IEC 29794-5 quality-measure id, as OFIQ numbers it: "0x44"
	// Raw is the native quality measure, Score the quality component value
	// 0..100 (higher is better); both absent when How is "none".
	Raw   *float64 `json:"raw,omitempty"`
	Score *float64 `json:"score,omitempty"`
	How   string   `json:"how"`
	Why   string   `json:"why,omitempty"`
}

// How values.
const (
	HowOFIQ        = "ofiq"
	HowNoOcclusion = "ofiq-no-occlusion"
	HowFacegate    = "facegate"
	HowNone        = "none"
)

// Measure names and ids, in OFIQ's order and spelling.
const (
	UnifiedQualityScore         = "UnifiedQualityScore"
	BackgroundUniformity        = "BackgroundUniformity"
	IlluminationUniformity      = "IlluminationUniformity"
	LuminanceMean               = "LuminanceMean"
	LuminanceVariance           = "LuminanceVariance"
	UnderExposurePrevention     = "UnderExposurePrevention"
	OverExposurePrevention      = "OverExposurePrevention"
	DynamicRange                = "DynamicRange"
	Sharpness                   = "Sharpness"
	CompressionArtifacts        = "CompressionArtifacts"
	NaturalColour               = "NaturalColour"
	SingleFacePresent           = "SingleFacePresent"
	EyesOpen                    = "EyesOpen"
	MouthClosed                 = "MouthClosed"
	EyesVisible                 = "EyesVisible"
	MouthOcclusionPrevention    = "MouthOcclusionPrevention"
	FaceOcclusionPrevention     = "FaceOcclusionPrevention"
	InterEyeDistance            = "InterEyeDistance"
	HeadSize                    = "HeadSize"
	LeftwardCropOfTheFaceImage  = "LeftwardCropOfTheFaceImage"
	RightwardCropOfTheFaceImage = "RightwardCropOfTheFaceImage"
	MarginAboveOfTheFaceImage   = "MarginAboveOfTheFaceImage"
	MarginBelowOfTheFaceImage   = "MarginBelowOfTheFaceImage"
	HeadPoseYaw                 = "HeadPoseYaw"
	HeadPosePitch               = "HeadPosePitch"
	HeadPoseRoll                = "HeadPoseRoll"
	ExpressionNeutrality        = "ExpressionNeutrality"
	NoHeadCoverings             = "NoHeadCoverings"
)

// Info describes one measure.
type Info struct {
	Name string
	ID   int
	How  string
	// Why: for How "none", the network it needs; otherwise how it differs
	// from OFIQ, if it does.
	Why string
}

var infos = []Info{
	{UnifiedQualityScore, 0x41, HowNone, "needs OFIQ's MagFace network"},
	{BackgroundUniformity, 0x42, HowNone, "needs OFIQ's face-parsing network for the background"},
	{IlluminationUniformity, 0x43, HowOFIQ, ""},
	{LuminanceMean, 0x44, HowOFIQ, ""},
	{LuminanceVariance, 0x45, HowOFIQ, ""},
	{UnderExposurePrevention, 0x46, HowNoOcclusion, "face region not cut by OFIQ's occlusion-segmentation network"},
	{OverExposurePrevention, 0x47, HowNoOcclusion, "face region not cut by OFIQ's occlusion-segmentation network"},
	{DynamicRange, 0x48, HowOFIQ, ""},
	{Sharpness, 0x49, HowFacegate, "facegate's variance of the Laplacian (OFIQ: a random forest over Laplacian and Sobel features); score 50 at facegate's blur threshold"},
	{CompressionArtifacts, 0x4a, HowNone, "needs OFIQ's compression-artefact network"},
	{NaturalColour, 0x4b, HowOFIQ, ""},
	{SingleFacePresent, 0x4c, HowOFIQ, "faces from facegate's detector"},
	{EyesOpen, 0x4d, HowOFIQ, ""},
	{MouthClosed, 0x4e, HowOFIQ, ""},
	{EyesVisible, 0x4f, HowFacegate, occlusionWhy},
	{MouthOcclusionPrevention, 0x50, HowFacegate, occlusionWhy},
	{FaceOcclusionPrevention, 0x51, HowFacegate, occlusionWhy},
	{InterEyeDistance, 0x52, HowOFIQ, "corrected by facegate's yaw"},
	{HeadSize, 0x53, HowOFIQ, ""},
	{LeftwardCropOfTheFaceImage, 0x54, HowOFIQ, ""},
	{RightwardCropOfTheFaceImage, 0x55, HowOFIQ, ""},
	{MarginAboveOfTheFaceImage, 0x56, HowOFIQ, ""},
	{MarginBelowOfTheFaceImage, 0x57, HowOFIQ, ""},
	{HeadPoseYaw, 0x58, HowFacegate, "facegate's landmark pose solver (OFIQ: the 3DDFA-V2 network), OFIQ's cos² mapping"},
	{HeadPosePitch, 0x59, HowFacegate, "facegate's landmark pose solver (OFIQ: the 3DDFA-V2 network), OFIQ's cos² mapping"},
	{HeadPoseRoll, 0x5a, HowFacegate, "facegate's landmark pose solver (OFIQ: the 3DDFA-V2 network), OFIQ's cos² mapping"},
	{ExpressionNeutrality, 0x5b, HowNone, "needs OFIQ's expression networks"},
	{NoHeadCoverings, 0x5c, HowNone, "needs OFIQ's face-parsing network"},
}

// occlusionWhy says how the occlusion components differ from OFIQ's.
const occlusionWhy = "OFIQ's zones (eye visibility zones, outer lips, the landmarked face) and mapping, on facegate's face-surface model's occlusion map (OFIQ: its occlusion-segmentation network)"

// Measures lists every ISO/IEC 29794-5 measure OFIQ reports, in its order,
// with how this package computes it (or why it does not).
func Measures() []Info { return slices.Clone(infos) }

// Lookup finds a measure by its OFIQ name.
func Lookup(name string) (Info, bool) {
	i := slices.IndexFunc(infos, func(in Info) bool { return in.Name == name })
	if i < 0 {
		return Info{}, false
	}
	return infos[i], true
}

func mustHex(name string) string {
	in, _ := Lookup(name)
	return in.Hex()
}

// Computed lists the names of the measures this package computes.
func Computed() []string {
	var out []string
	for _, in := range infos {
		if in.How != HowNone {
			out = append(out, in.Name)
		}
	}
	return out
}

// Face is what Measure needs of one face, in the pixels of the image it is
// given.
type Face struct {
	Box       image.Rectangle
	Landmarks []image.Point // dlib's 68
	// Yaw, Pitch and Roll in degrees, facegate's pose.
	Yaw, Pitch, Roll float64
	// Sharpness is facegate's measure of the face (quality.Sharpness);
	// 0 leaves the component out.
	Sharpness float64
	// Occluded are the occluded shares of OFIQ's zones, as facegate's
	// face-surface model reads the face; nil leaves the occlusion
	// components uncomputed.
	Occluded *Occluded
}

// Occluded are the shares (0..1) of OFIQ's occlusion zones that something
// covers: the two eye visibility zones (each eye's landmarks' bounding box
// grown by a twentieth of the inter-eye distance), the outer lips, and the
// landmarked face region.
type Occluded struct {
	EyeZones, Mouth, Face float64
}

// Options configure Measure. The zero value is the defaults.
type Options struct {
	// PixelScale is the size of one pixel of the given image in the
	// pixels of the photo it was decoded from (2 for an image decoded at
	// half size): the inter-eye distance is reported in the photo's
	// pixels, as OFIQ measures it. 0 = 1.
	PixelScale float64
	// BlurThreshold is the sharpness facegate's blur rule refuses under,
	// where the sharpness score is 50. 0 = 35.
	BlurThreshold float64
}

// ErrLandmarks is returned for a face without dlib's 68 landmarks.
var ErrLandmarks = fmt.Errorf("iso: the components need dlib's 68 landmarks")

// Components of one face, keyed by OFIQ's measure name.
type Components map[string]Component

// Measure computes the components of faces[i] in img; all the faces found
// are given for SingleFacePresent. Every measure of Measures is in the
// result, the ones not computed with How "none".
func Measure(img image.Image, faces []Face, i int, o Options) (Components, error) {
	if i < 0 || i >= len(faces) {
		return nil, fmt.Errorf("iso: face %d of %d", i, len(faces))
	}
	f := faces[i]
	if len(f.Landmarks) != 68 {
		return nil, ErrLandmarks
	}
	if o.PixelScale <= 0 {
		o.PixelScale = 1
	}
	if o.BlurThreshold <= 0 {
		o.BlurThreshold = 35
	}
	c := Components{}
	for _, in := range infos {
		if in.How == HowNone {
			c[in.Name] = Component{ID: in.Hex(), How: HowNone, Why: in.Why}
		}
	}
	set := func(name string, raw, score float64) {
		in, _ := Lookup(name)
		if math.IsInf(raw, 0) || math.IsNaN(raw) || math.IsNaN(score) {
			// A yaw of 90° makes the corrected eye distance infinite.
			c[name] = Component{ID: in.Hex(), How: HowNone, Why: "undefined for this face"}
			return
		}
		c[name] = Component{ID: in.Hex(), Raw: ptr(sig6(raw)), Score: ptr(math.Round(clamp(score)*1000) / 1000), How: in.How}
	}
	pts := toF(f.Landmarks)
	lm := landmarksOf(pts)
	b := img.Bounds()
	W, H := float64(b.Dx()), float64(b.Dy())
	// Landmark components, on the photo's own landmarks (OFIQ: the
	// original image, except EyesOpen, which reads the aligned ones;
	// a similarity transform leaves its ratio as it is).
	T := lm.t()
	iedImg := dist(lm.eyeL, lm.eyeR)
	if T <= 0 || iedImg <= 0 {
		return nil, ErrLandmarks
	}
	raw := map[string]float64{
		EyesOpen:         math.Min(maxPair(pts, eyePairsImageLeft), maxPair(pts, eyePairsImageRight)) / T,
		MouthClosed:      maxPair(pts, innerLipPairs) / T,
		InterEyeDistance: iedImg * o.PixelScale / math.Cos(f.Yaw*math.Pi/180),
		HeadSize:         T / H,
		// OFIQ's crops: the farther eye's distance to the left and to the
		// right edge, in eye distances; the eyes' distance to the top and
		// to the bottom edge, in T.
		LeftwardCropOfTheFaceImage:  (lm.eyeR.x - float64(b.Min.X)) / iedImg,
		RightwardCropOfTheFaceImage: (W - (lm.eyeL.x - float64(b.Min.X))) / iedImg,
		MarginAboveOfTheFaceImage:   (lm.eyeMid().y - float64(b.Min.Y)) / T,
		MarginBelowOfTheFaceImage:   (H - (lm.eyeMid().y - float64(b.Min.Y))) / T,
		HeadPoseYaw:                 f.Yaw,
		HeadPosePitch:               f.Pitch,
		HeadPoseRoll:                f.Roll,
		SingleFacePresent:           singleFace(faces),
	}
	// Region components, on the aligned face.
	a := align(img, pts)
	r := a.regions()
	a.release()
	raw[LuminanceMean], raw[LuminanceVariance] = r.mean, r.variance
	raw[UnderExposurePrevention], raw[OverExposurePrevention] = r.dark, r.bright
	raw[DynamicRange], raw[IlluminationUniformity], raw[NaturalColour] = r.entropy, r.uniformity, r.colour
	for name, v := range raw {
		set(name, v, Score(name, v))
	}
	if f.Sharpness > 0 {
		// 50 at the blur threshold, 88 at twice it, 12 at half.
		set(Sharpness, f.Sharpness, round(100*sigmoid(math.Log(f.Sharpness), math.Log(o.BlurThreshold), 0.35)))
	}
	// Occlusion: OFIQ's raw value is the occluded share of its zone, the
	// score 100 times the visible share.
	for name, v := range map[string]func(*Occluded) float64{
		EyesVisible:              func(o *Occluded) float64 { return o.EyeZones },
		MouthOcclusionPrevention: func(o *Occluded) float64 { return o.Mouth },
		FaceOcclusionPrevention:  func(o *Occluded) float64 { return o.Face },
	} {
		if f.Occluded == nil {
			c[name] = Component{ID: mustHex(name), How: HowNone, Why: "needs facegate's face-surface model (not loaded) or OFIQ's occlusion-segmentation network"}
			continue
		}
		x := v(f.Occluded)
		set(name, x, round(100*(1-x)))
	}
	return c, nil
}

// mappings turn each component's native value into its quality
// component value as OFIQ does: its sigmoid mappings with the constants of
// its configuration (and code defaults), or the measure's own formula
// where OFIQ has one (luminance, illumination uniformity, over-exposure,
// dynamic range, head pose, single face present). Sharpness is facegate's
// (see Measure).
var mappings = map[string]func(x float64) float64{
	EyesOpen:                    func(x float64) float64 { return round(100 * sigmoid(x, 0.02, 0.01)) },
	MouthClosed:                 func(x float64) float64 { return round(100 * (1 - sigmoid(x, 0.2, 0.06))) },
	InterEyeDistance:            func(x float64) float64 { return round(100 * sigmoid(x, 70, 20)) },
	HeadSize:                    func(x float64) float64 { return round(200 * (1 - sigmoid(math.Abs(x-0.45), 0, 0.05))) },
	LeftwardCropOfTheFaceImage:  func(x float64) float64 { return round(100 * sigmoid(x, 0.9, 0.1)) },
	RightwardCropOfTheFaceImage: func(x float64) float64 { return round(100 * sigmoid(x, 0.9, 0.1)) },
	MarginAboveOfTheFaceImage:   func(x float64) float64 { return round(100 * sigmoid(x, 1.4, 0.1)) },
	MarginBelowOfTheFaceImage:   func(x float64) float64 { return round(100 * sigmoid(x, 1.8, 0.1)) },
	HeadPoseYaw:                 headPose,
	HeadPosePitch:               headPose,
	HeadPoseRoll:                headPose,
	SingleFacePresent:           func(x float64) float64 { return round(100 * (1 - x)) },
	LuminanceMean: func(x float64) float64 {
		return round(100 * sigmoid(x, 0.2, 0.05) * (1 - sigmoid(x, 0.8, 0.05)))
	},
	LuminanceVariance:       func(x float64) float64 { return round(100 * math.Sin(60*x/(60*x+1)*math.Pi)) },
	UnderExposurePrevention: func(x float64) float64 { return round(120 * (0.832 - sigmoid(x, 0.92, 0.05))) },
	OverExposurePrevention:  func(x float64) float64 { return round(1 / (x + 0.01)) },
	DynamicRange:            func(x float64) float64 { return 12.5 * x },
	IlluminationUniformity:  func(x float64) float64 { return round(100 * math.Pow(x, 0.3)) },
	NaturalColour:           func(x float64) float64 { return round(200 * (1 - sigmoid(x, 0, 10))) },
}

func headPose(a float64) float64 {
	c := math.Cos(a * math.Pi / 180)
	return math.Max(0, round(100*c*c))
}

// Score is the quality component value (0..100) OFIQ gives the native
// value x of the named measure; NaN for a measure without an OFIQ mapping
// here (not computed, or Sharpness, which is facegate's).
func Score(name string, x float64) float64 {
	m, ok := mappings[name]
	if !ok {
		return math.NaN()
	}
	return clamp(m(x))
}

// Hex is the measure's id as OFIQ writes it: "0x44".
func (in Info) Hex() string { return fmt.Sprintf("0x%02x", in.ID) }

func ptr(v float64) *float64 { return &v }

// sig6 rounds v to 6 significant digits, for reading.
func sig6(v float64) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	k := math.Pow(10, 5-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*k) / k
}

// sigmoid is OFIQ's (1 + exp((x0 - x) / w))^-1.
func sigmoid(x, x0, w float64) float64 { return 1 / (1 + math.Exp((x0-x)/w)) }

// round is C's round (halves away from zero), as OFIQ rounds.
func round(v float64) float64 { return math.Round(v) }

func clamp(v float64) float64 { return math.Max(0, math.Min(100, v)) }

// singleFace is OFIQ's face unicity: the square root of the second
// largest face box's area over the largest's (0 for one face, 1 for none).
func singleFace(faces []Face) float64 {
	var a1, a2 float64
	for _, f := range faces {
		a := float64(f.Box.Dx()) * float64(f.Box.Dy())
		switch {
		case a > a1:
			a1, a2 = a, a1
		case a > a2:
			a2 = a
		}
	}
	switch {
	case len(faces) == 0 || a1 == 0:
		return 1
	case len(faces) == 1:
		return 0
	}
	return math.Sqrt(a2 / a1)
}
