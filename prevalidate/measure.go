package prevalidate

import (
	"image"
	"math"

	"github.com/facegate/facegate/facecheck"
	"github.com/facegate/facegate/quality"
	"github.com/facegate/facegate/quality/iso"
)

// Side says on which side of its threshold a measure breaks its rule.
type Side int8

const (
	// Below: the rule refuses values under its threshold (a face too small).
	Below Side = iota + 1
	// Above: the rule refuses values over its threshold (a face too turned).
	Above
)

// Measure is the number a threshold rule compares with its threshold, as
// data: what it reads, on which side it refuses, the thresholds a profile
// file may set, and how far past the threshold a refusal is still a near
// miss. The rule's check is derived from it (Rule.Broken); calibrate
// learns its threshold from verdicts (when Learnt), the proxy's explore
// mode sends its near misses, and the report draws it, all through the
// same Of.
type Measure struct {
	// Name is the measure's name, as calibrate's table and the report print
	// it ("face size").
	Name string
	// Unit of the measure and its threshold: "px", "°", "share" (0..1),
	// "0..255", "bytes", "score".
	Unit string
	Side Side
	// Range is the thresholds a profile file may set.
	Range [2]float64
	// Learnt: the provider's verdicts speak to it (it refuses images for the
	// same reason), so calibrate proposes its threshold. The image size and
	// byte limits are the provider's documented requirements, not learnt.
	Learnt bool
	// Near is how far past the threshold a refusal is a near miss (the
	// proxy's explore mode): in the measure's unit, or as a share of the
	// threshold when Relative. 0: never near.
	Near     float64
	Relative bool
	// Log: its values span decades (sharpness); a chart draws them on a
	// log scale.
	Log bool
	// Of reads the measure from an image's values; ok is false when the
	// image has none (no face, no face-surface reading, not a JPEG...).
	Of func(v *Values) (x float64, ok bool)
}

// Breaks reports whether value x breaks a rule of this measure with
// threshold t.
func (ms *Measure) Breaks(x, t float64) bool {
	if ms.Side == Below {
		return x < t
	}
	return x > t
}

// NearMiss reports whether x, which breaks threshold t, is within the
// measure's Near of it.
func (ms *Measure) NearMiss(x, t float64) bool {
	if ms.Near <= 0 {
		return false
	}
	d := ms.Near
	if ms.Relative {
		d *= math.Abs(t)
	}
	if ms.Side == Below {
		return x >= t-d
	}
	return x <= t+d
}

// Values are the numbers of one image that threshold rules compare: from
// the pipeline's Measurements as it judges them, or from a record (a
// Report, an Output, a journal record) as calibrate, the proxy's explore
// mode and the report read them. One form, so that a rule's Measure reads
// the same number wherever it is read.
type Values struct {
	Width, Height int // upright
	Bytes         int64
	JPEGQuality   int // 1..100; 0 when unknown
	// FaceQuality: Sharpness and Exposure were measured on the face.
	FaceQuality bool
	Sharpness   float64
	Exposure    quality.Exposure
	// Faces are the faces counted, largest first; NotFaces the detections
	// set aside as not a person's face.
	Faces, NotFaces []FaceValues
	// Turn is how far the photo is turned, in quarter turns clockwise
	// (Measurements.Turn); 0 in a record of the bytes sent.
	Turn int
	// ISO are the largest face's ISO/IEC 29794-5 scores by component name.
	ISO map[string]float64
	// Retouch is what the largest face shows of smoothing and boosted
	// colour; nil when not measured (no face with 68 landmarks).
	Retouch *quality.Retouch
	// Recapture is the re-capture model's reading of the largest face; nil
	// when not read.
	Recapture *Recapture
}

// FaceValues are one face's numbers.
type FaceValues struct {
	Size, IPD, Yaw, Pitch, Roll float64
	// Box is the face's box; Extent the box joined with the landmarks.
	Box, Extent image.Rectangle
	// Eyes are the eye aspect ratios (right, left); nil without 68
	// landmarks.
	Eyes []float64
	// Cover is the face-surface model's reading; nil when not read.
	Cover *Cover
}

// face is the largest face, nil when none.
func (v *Values) face() *FaceValues {
	if len(v.Faces) == 0 {
		return nil
	}
	return &v.Faces[0]
}

// coverFace is the face the surface rules read: the largest face that
// counts, or when none does, the most human detection set aside as not a
// person's (a face behind sunglasses or a mask often reads so: its
// surface then says why). nil when neither has a reading.
func (v *Values) coverFace() *FaceValues {
	if f := v.face(); f != nil {
		return f
	}
	var best *FaceValues
	for i := range v.NotFaces {
		f := &v.NotFaces[i]
		if f.Cover != nil && (best == nil || f.Cover.Human > best.Cover.Human) {
			best = f
		}
	}
	return best
}

// roll is the largest face's roll with the photo turned back upright.
func (v *Values) roll() float64 {
	return math.Remainder(v.Faces[0].Roll-90*float64(v.Turn), 360)
}

// values are m's numbers, unrounded, as the rules judge them.
func (m *Measurements) values() *Values {
	v := &Values{Width: m.Width, Height: m.Height, Bytes: m.Bytes, Turn: m.Turn}
	if q := m.Quality; q != nil {
		v.JPEGQuality = max(0, q.JPEGQuality)
		v.FaceQuality = q.Region == "face"
		v.Sharpness, v.Exposure = q.Sharpness, q.Exposure
		v.Retouch, v.Recapture = q.Retouch, q.Recapture
	}
	of := func(fs []facecheck.Face) []FaceValues {
		out := make([]FaceValues, len(fs))
		for i := range fs {
			f := &fs[i]
			out[i] = FaceValues{Size: f.Size, IPD: f.IPD, Yaw: f.Pose.Yaw, Pitch: f.Pose.Pitch, Roll: f.Pose.Roll,
				Box: f.Box, Extent: f.Extent(), Cover: coverOf(f.Cover, false)}
			if r, l, ok := quality.EyeAspectRatio(f.Landmarks); ok {
				out[i].Eyes = []float64{r, l}
			}
		}
		return out
	}
	v.Faces, v.NotFaces = of(m.Faces), of(m.NotFaces)
	if len(m.ISO) > 0 && m.ISO[0] != nil {
		v.ISO = scoresOf(m.ISO[0])
	}
	return v
}

func scoresOf(c iso.Components) map[string]float64 {
	out := map[string]float64{}
	for name, q := range c {
		if q.Score != nil {
			out[name] = *q.Score
		}
	}
	return out
}

// ValuesOf are the numbers of a record of an image: its upright size,
// bytes, faces and quality measures as a Report or an Output gives them
// (rounded as reported).
func ValuesOf(width, height int, bytes int64, faces, notFaces []Face, q *Quality) *Values {
	v := &Values{Width: width, Height: height, Bytes: bytes}
	if q != nil {
		v.JPEGQuality = max(0, q.JPEGQuality)
		v.FaceQuality = q.Region == "face"
		v.Sharpness, v.Exposure = q.Sharpness, q.Exposure
		v.Retouch, v.Recapture = q.Retouch, q.Recapture
	}
	of := func(fs []Face) []FaceValues {
		out := make([]FaceValues, len(fs))
		for i, f := range fs {
			ext := rect(f.Extent)
			if ext.Empty() {
				ext = rect(f.Box)
			}
			out[i] = FaceValues{Size: f.Size, IPD: f.IPD, Yaw: f.Yaw, Pitch: f.Pitch, Roll: f.Roll,
				Box: rect(f.Box), Extent: ext, Eyes: f.Eyes, Cover: f.Cover}
		}
		return out
	}
	v.Faces, v.NotFaces = of(faces), of(notFaces)
	if len(faces) > 0 && faces[0].ISO != nil {
		v.ISO = scoresOf(faces[0].ISO)
	}
	return v
}

// Values are the input's numbers as the report gives them.
func (r *Report) Values() *Values {
	return ValuesOf(r.Width, r.Height, r.Bytes, r.Faces, r.NotFaces, r.Quality)
}

// Values are the output's numbers as the report gives them.
func (o *Output) Values() *Values {
	return ValuesOf(o.Width, o.Height, o.Bytes, o.Faces, o.NotFaces, o.Measures)
}

// The measures of the built-in threshold rules (read them through a
// profile's rules: Rule.Measure).
var (
	measureMinSide = &Measure{Name: "shorter side", Unit: "px", Side: Below, Range: [2]float64{1, 65535},
		Of: func(v *Values) (float64, bool) { return float64(min(v.Width, v.Height)), v.Width > 0 }}
	measureMaxSide = &Measure{Name: "longer side", Unit: "px", Side: Above, Range: [2]float64{1, 65535},
		Of: func(v *Values) (float64, bool) { return float64(max(v.Width, v.Height)), v.Width > 0 }}
	measureHeight = &Measure{Name: "height", Unit: "px", Side: Above, Range: [2]float64{1, 65535},
		Of: func(v *Values) (float64, bool) { return float64(v.Height), v.Height > 0 }}
	measureBytes = &Measure{Name: "file size", Unit: "bytes", Side: Above, Range: [2]float64{1024, 1e10},
		Of: func(v *Values) (float64, bool) { return float64(v.Bytes), v.Bytes > 0 }}

	// measureTurned is the largest face's eye-line angle when the photo is
	// turned (0 when it is upright).
	measureTurned = &Measure{Name: "eye line of a turned photo", Unit: "°", Side: Above, Range: [2]float64{0, 90},
		Of: func(v *Values) (float64, bool) {
			f := v.face()
			if f == nil {
				return 0, false
			}
			if v.Turn == 0 {
				return 0, true
			}
			return math.Abs(f.Roll), true
		}}
	// measureHuman is the person's-face score of the most human detection,
	// counted as a face or set aside; a face counted without a reading
	// gives none.
	measureHuman = &Measure{Name: "person's face", Unit: "score", Side: Below, Range: [2]float64{0, 1}, Learnt: true,
		Of: func(v *Values) (float64, bool) {
			best, ok := -1.0, false
			for _, fs := range [][]FaceValues{v.Faces, v.NotFaces} {
				for _, f := range fs {
					if f.Cover == nil {
						if len(v.Faces) > 0 {
							return 0, false
						}
						continue
					}
					best, ok = math.Max(best, f.Cover.Human), true
				}
			}
			return best, ok
		}}
	// measureSecondFace is the second largest face's size over the
	// largest's.
	measureSecondFace = &Measure{Name: "second face's size over the largest's", Unit: "share", Side: Above, Range: [2]float64{0.01, 1},
		Of: func(v *Values) (float64, bool) {
			if len(v.Faces) == 0 || v.Faces[0].Size <= 0 {
				return 0, false
			}
			second := 0.0
			for _, f := range v.Faces[1:] {
				second = math.Max(second, f.Size)
			}
			return second / v.Faces[0].Size, true
		}}
	measureFaceSize = &Measure{Name: "face size", Unit: "px", Side: Below, Range: [2]float64{1, 10000}, Learnt: true, Near: 0.15, Relative: true,
		Of: faceOf(func(f *FaceValues) float64 { return f.Size })}
	measureEyeDistance = &Measure{Name: "eye distance", Unit: "px", Side: Below, Range: [2]float64{1, 10000}, Learnt: true, Near: 0.15, Relative: true,
		Of: faceOf(func(f *FaceValues) float64 { return f.IPD })}
	// measureYawPitch is the larger of |yaw| and |pitch|.
	measureYawPitch = &Measure{Name: "yaw or pitch", Unit: "°", Side: Above, Range: [2]float64{0, 90}, Learnt: true, Near: 10,
		Of: faceOf(func(f *FaceValues) float64 { return math.Max(math.Abs(f.Yaw), math.Abs(f.Pitch)) })}
	// measureRoll is |roll| with the photo turned upright.
	measureRoll = &Measure{Name: "roll", Unit: "°", Side: Above, Range: [2]float64{0, 180}, Learnt: true, Near: 10,
		Of: func(v *Values) (float64, bool) {
			if v.face() == nil {
				return 0, false
			}
			return math.Abs(v.roll()), true
		}}
	// measureBorderGap is the least distance from the face's extent to an
	// edge over the face's box width; none when the face is cut off
	// (FACE_CROPPED's).
	measureBorderGap = &Measure{Name: "margin over face width", Unit: "share", Side: Below, Range: [2]float64{0, 1}, Learnt: true, Near: 0.5, Relative: true,
		Of: func(v *Values) (float64, bool) {
			f := v.face()
			if f == nil || f.Box.Dx() <= 0 || !f.Extent.In(image.Rect(0, 0, v.Width, v.Height)) {
				return 0, false
			}
			return float64(borderGap(f.Extent, v.Width, v.Height)) / float64(f.Box.Dx()), true
		}}
	// measureFrameShare is the larger share of the image's width and
	// height the face's box fills.
	measureFrameShare = &Measure{Name: "share of the frame", Unit: "share", Side: Above, Range: [2]float64{0.01, 1}, Learnt: true, Near: 0.1,
		Of: func(v *Values) (float64, bool) {
			f := v.face()
			if f == nil || f.Box.Dx() <= 0 || v.Width <= 0 || v.Height <= 0 {
				return 0, false
			}
			return frameShare(f.Box, v.Width, v.Height), true
		}}
	// measureMouthNose is the largest share covered of the mouth, the nose
	// and the lower face.
	measureMouthNose = &Measure{Name: "mouth and nose covered", Unit: "share", Side: Above, Range: [2]float64{0, 1}, Learnt: true, Near: 0.15,
		Of: coverMeasure(func(c *Cover) float64 { return c.MouthNose() })}
	measureForehead = &Measure{Name: "forehead covered", Unit: "share", Side: Above, Range: [2]float64{0, 1}, Learnt: true, Near: 0.15,
		Of: coverMeasure(func(c *Cover) float64 { return c.Forehead })}
	// measureEyesCovered is the larger share covered of the two eyes.
	measureEyesCovered = &Measure{Name: "eyes covered", Unit: "share", Side: Above, Range: [2]float64{0, 1}, Learnt: true, Near: 0.15,
		Of: coverMeasure(func(c *Cover) float64 { return c.Eyes() })}
	// measureGlare is the larger share of an eye blown out by glare.
	measureGlare = &Measure{Name: "eye glare", Unit: "share", Side: Above, Range: [2]float64{0, 1},
		Of: coverMeasure(func(c *Cover) float64 { return math.Max(c.Glare[0], c.Glare[1]) })}
	// measureSharpness is the face's sharpness (variance of the Laplacian).
	measureSharpness = &Measure{Name: "sharpness", Unit: "Laplacian variance", Side: Below, Range: [2]float64{0, 10000}, Learnt: true, Near: 0.5, Relative: true, Log: true,
		Of: func(v *Values) (float64, bool) { return v.Sharpness, v.FaceQuality }}
	// The face's mean luminance, judged from both sides: too dark under
	// one threshold, too bright over another.
	measureTooDark = &Measure{Name: "face luminance", Unit: "0..255", Side: Below, Range: [2]float64{0, 255}, Learnt: true, Near: 15,
		Of: luminance}
	measureTooBright = &Measure{Name: "face luminance", Unit: "0..255", Side: Above, Range: [2]float64{0, 255}, Learnt: true, Near: 15,
		Of: luminance}
	measureJPEGQuality = &Measure{Name: "JPEG quality", Unit: "1..100", Side: Below, Range: [2]float64{1, 100}, Learnt: true,
		Of: func(v *Values) (float64, bool) { return float64(v.JPEGQuality), v.JPEGQuality >= 1 }}
	// measureEyesOpen is the larger of the two eyes' aspect ratios.
	measureEyesOpen = &Measure{Name: "eye opening", Unit: "aspect ratio", Side: Below, Range: [2]float64{0, 1}, Learnt: true, Near: 0.05,
		Of: func(v *Values) (float64, bool) {
			f := v.face()
			if f == nil || len(f.Eyes) != 2 {
				return 0, false
			}
			return math.Max(f.Eyes[0], f.Eyes[1]), true
		}}
)

func luminance(v *Values) (float64, bool) { return v.Exposure.Mean, v.FaceQuality }

var (
	// measureSkinTexture is the cheeks' fine detail against the eyes'
	// (quality.Retouch.Texture): skin smoothing lowers it.
	measureSkinTexture = &Measure{Name: "skin texture", Unit: "ratio", Side: Below, Range: [2]float64{0, 2},
		Of: func(v *Values) (float64, bool) {
			if v.Retouch == nil {
				return 0, false
			}
			return v.Retouch.Texture, true
		}}
	// measureSkinSaturation is the cheeks' median saturation: a colour
	// boost raises it.
	measureSkinSaturation = &Measure{Name: "skin saturation", Unit: "share", Side: Above, Range: [2]float64{0, 1},
		Of: func(v *Values) (float64, bool) {
			if v.Retouch == nil {
				return 0, false
			}
			return v.Retouch.SkinSaturation, true
		}}
)

// measureLive is the re-capture model's live-face score: a photo of a
// print or a screen lowers it.
var measureLive = &Measure{Name: "live face", Unit: "score", Side: Below, Range: [2]float64{0, 1},
	Of: func(v *Values) (float64, bool) {
		if v.Recapture == nil {
			return 0, false
		}
		return v.Recapture.Live, true
	}}

func faceOf(get func(f *FaceValues) float64) func(v *Values) (float64, bool) {
	return func(v *Values) (float64, bool) {
		f := v.face()
		if f == nil {
			return 0, false
		}
		return get(f), true
	}
}

func coverMeasure(get func(c *Cover) float64) func(v *Values) (float64, bool) {
	return func(v *Values) (float64, bool) {
		f := v.coverFace()
		if f == nil || f.Cover == nil {
			return 0, false
		}
		return get(f.Cover), true
	}
}

// isoMeasure is an ISO/IEC 29794-5 component's score on the largest face.
func isoMeasure(name string) *Measure {
	return &Measure{Name: name + " score", Unit: "score", Side: Below, Range: [2]float64{0, 100},
		Of: func(v *Values) (float64, bool) { s, ok := v.ISO[name]; return s, ok }}
}
