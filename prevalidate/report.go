package prevalidate

import (
	"image"
	"math"

	"github.com/facegate/facegate/facecheck"
	"github.com/facegate/facegate/provenance"

	"github.com/facegate/facegate/quality/iso"
)

// Severity of an issue. Only errors make a report not OK.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Issue is one rule that an image breaks.
type Issue struct {
	Code     Code     `json:"code"`
	Message  string   `json:"message"`
	Fixable  bool     `json:"fixable"`
	Severity Severity `json:"severity"`
}

// Face is one detected face, in upright pixel coordinates of the image it
// was found in (the input for Report.Faces, the output for Output.Faces).
// Angles are in degrees, with facecheck.Pose's signs: yaw > 0 turned
// towards the image's right, pitch > 0 chin down, roll > 0 clockwise.
type Face struct {
	Box [4]int `json:"box"` // dlib's rectangle: x, y, w, h
	// Extent is the box joined with the landmarks (x, y, w, h): what the
	// border rules (FACE_CROPPED, FACE_CLOSE_TO_BORDER) judge.
	Extent [4]int `json:"extent"`
	// Size is the face width on dlib's box scale, from the landmarks: the
	// number the 224 px rule judges (facecheck.Face.Size).
	Size  float64 `json:"size"`
	IPD   float64 `json:"ipd"` // distance between the eye centres, pixels
	Yaw   float64 `json:"yaw"`
	Pitch float64 `json:"pitch"`
	Roll  float64 `json:"roll"`
	// Eyes are the eye aspect ratios (quality.EyeAspectRatio) of the
	// subject's right and left eye; absent with 5 landmarks.
	Eyes []float64 `json:"eyes_open,omitempty"`
	// EyePoints are the centres of the subject's right and left eye.
	EyePoints [][2]float64 `json:"eye_points,omitempty"`
	Landmarks [][2]int     `json:"landmarks,omitempty"` // 68 or 5 points, when asked for
	// ISO are the face's ISO/IEC 29794-5 quality components, keyed by
	// OFIQ's measure names (package quality/iso), when asked for.
	ISO iso.Components `json:"iso,omitempty"`
	// Cover is what the face-surface model read on the face, when a rule
	// reads it.
	Cover *Cover `json:"cover,omitempty"`
}

// MouthNose is FACE_OCCLUDED's measure: the largest share covered of the
// mouth, the nose and the lower face.
func (c *Cover) MouthNose() float64 { return max(c.Mouth, c.Nose, c.Lower) }

// Eyes is EYES_NOT_VISIBLE's measure: the larger share covered of the two
// eyes.
func (c *Cover) Eyes() float64 { return max(c.RightEye, c.LeftEye) }

// Cover is what the face-surface model read on a face (facecheck.Cover):
// the share (0..1) of each region covered by something in front of the
// face, the share of each eye blown out by glare, the score that it is a
// person's face, and MediaPipe's face-presence score.
type Cover struct {
	RightEye float64    `json:"right_eye"`
	LeftEye  float64    `json:"left_eye"`
	Nose     float64    `json:"nose"`
	Mouth    float64    `json:"mouth"`
	Forehead float64    `json:"forehead"`
	Lower    float64    `json:"lower_face"`
	Face     float64    `json:"face"`
	Glare    [2]float64 `json:"glare"` // right eye, left eye
	Human    float64    `json:"human"`
	Presence float64    `json:"presence"`
}

// coverOf is a model's reading in the report's form, rounded for reading
// when round.
func coverOf(c *facecheck.Cover, round bool) *Cover {
	if c == nil {
		return nil
	}
	r3 := func(v float64) float64 { return v }
	if round {
		r3 = func(v float64) float64 { return math.Round(v*1000) / 1000 }
	}
	return &Cover{
		RightEye: r3(c.Covered[facecheck.RegionRightEye]), LeftEye: r3(c.Covered[facecheck.RegionLeftEye]),
		Nose: r3(c.Covered[facecheck.RegionNose]), Mouth: r3(c.Covered[facecheck.RegionMouth]),
		Forehead: r3(c.Covered[facecheck.RegionForehead]), Lower: r3(c.Covered[facecheck.RegionLower]), Face: r3(c.Covered[facecheck.RegionFace]),
		Glare: [2]float64{r3(c.Glare[0]), r3(c.Glare[1])}, Human: r3(c.Human), Presence: r3(c.Presence),
	}
}

// rect is an x, y, w, h quadruple as a rectangle.
func rect(q [4]int) image.Rectangle { return image.Rect(q[0], q[1], q[0]+q[2], q[1]+q[3]) }

// BorderGap is the least distance in pixels from the face's extent to the
// edges of a w x h image (negative when cut off): what
// FACE_CLOSE_TO_BORDER compares with its threshold times the box width.
func (f *Face) BorderGap(w, h int) int { return borderGap(rect(f.Extent), w, h) }

// FrameShare is the larger share of a w x h image's width and height the
// face's box fills: what FACE_TOO_CLOSE compares with its threshold.
func (f *Face) FrameShare(w, h int) float64 { return frameShare(rect(f.Box), w, h) }

// Output describes what Fix produced.
type Output struct {
	Path    string  `json:"path,omitempty"` // set by whoever writes the bytes
	Width   int     `json:"width"`
	Height  int     `json:"height"`
	Bytes   int64   `json:"bytes"`
	Quality int     `json:"quality"`
	Cropped bool    `json:"cropped,omitempty"` // cut around the face (Options.Crop)
	Issues  []Issue `json:"issues"`            // what still fails on the output
	Faces   []Face  `json:"faces"`             // as measured on the output
	// NotFaces: detections on the output set aside as not a person's face.
	NotFaces []Face `json:"not_faces,omitempty"`
	// Measures of the output (its JPEG quality the lower of the input's
	// and its own, as the rule judges it).
	Measures *Quality `json:"quality_measures,omitempty"`
}

// Report is the result of checking (and perhaps fixing) one image. The CLI
// prints it as JSON, one object per line.
type Report struct {
	Path string `json:"path"`
	// OK: for Check, the input as it is has no issue of severity error; for
	// Fix, the output has none. Warnings never make OK false.
	OK     bool   `json:"ok"`
	Format Format `json:"format"`
	// Width and Height are upright, after orientation (0 when unknown).
	Width       int     `json:"width"`
	Height      int     `json:"height"`
	Bytes       int64   `json:"bytes"`
	Orientation int     `json:"orientation"` // EXIF orientation, 1 when none
	Issues      []Issue `json:"issues"`      // of the input
	Faces       []Face  `json:"faces"`
	// NotFaces are detections set aside as not a person's face (FACE_NOT_FOUND's
	// human-face score), with the model's reading.
	NotFaces []Face   `json:"not_faces,omitempty"`
	Quality  *Quality `json:"quality,omitempty"` // nil when not decoded
	// Provenance is what the file declares about its making (XMP, C2PA,
	// EXIF's Software), nil when nothing: kept here because Fix's output
	// carries no metadata.
	Provenance *provenance.Declared `json:"provenance,omitempty"`
	Output     *Output              `json:"output,omitempty"`
	// Error is a failure of the run on this image, not a finding about
	// it: its fixed image could not be written. Such a record is not done
	// (OK is false): a resumed run does the image again.
	Error string `json:"error,omitempty"`
}

// Has reports whether the input has an issue with this code.
func (r *Report) Has(c Code) bool {
	for _, is := range r.Issues {
		if is.Code == c {
			return true
		}
	}
	return false
}

// Codes lists the input's issue codes in order.
func (r *Report) Codes() []Code {
	out := make([]Code, len(r.Issues))
	for i, is := range r.Issues {
		out[i] = is.Code
	}
	return out
}

func noErrors(issues []Issue) bool {
	for _, is := range issues {
		if is.Severity == SeverityError {
			return false
		}
	}
	return true
}
