package prevalidate

import (
	"fmt"
	"github.com/facegate/facegate/quality/iso"
	"image"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/facegate/facegate/facecheck"
	"github.com/facegate/facegate/provenance"
)

// Code identifies a rule. Codes follow the provider's where one exists.
type Code string

// Codes of the progeny profile.
const (
	FailedToReadImage      Code = "FAILED_TO_READ_IMAGE"
	UnsupportedFormat      Code = "UNSUPPORTED_FORMAT"
	InputTooLarge          Code = "INPUT_TOO_LARGE"
	NotUpright             Code = "NOT_UPRIGHT"
	ImageTooSmall          Code = "IMAGE_TOO_SMALL"
	ImageTooLarge          Code = "IMAGE_TOO_LARGE"
	HeightAboveRecommended Code = "HEIGHT_ABOVE_RECOMMENDED"
	FileTooLarge           Code = "FILE_TOO_LARGE"
	MetadataPresent        Code = "METADATA_PRESENT"
	MetadataUnreadable     Code = "METADATA_UNREADABLE"

	// What the file declares about its making (package provenance).
	AIGenerated Code = "AI_GENERATED"
	Edited      Code = "EDITED"
	// Filtered is what the pixels show of a beauty filter or a colour
	// boost (quality.Retouch): a measure, a warning.
	Filtered Code = "FILTERED"
	// Recaptured is what the re-capture model (facecheck.Recapture) reads
	// of a photo of a print or a screen rather than of a live face: a
	// measure, advisory (a warning).
	Recaptured Code = "RECAPTURED"

	ImageTurned       Code = "IMAGE_TURNED"
	FaceNotFound      Code = "FACE_NOT_FOUND"
	TooManyFaces      Code = "TOO_MANY_FACES"
	FaceTooSmall      Code = "FACE_TOO_SMALL"
	FaceAngleTooLarge Code = "FACE_ANGLE_TOO_LARGE"
	FaceCropped       Code = "FACE_CROPPED"
	FaceCloseToBorder Code = "FACE_CLOSE_TO_BORDER"
	FaceTooClose      Code = "FACE_TOO_CLOSE"

	ImageTooBlurry       Code = "IMAGE_TOO_BLURRY"
	PoorImageExposure    Code = "POOR_IMAGE_EXPOSURE"
	ImageIsTooCompressed Code = "IMAGE_IS_TOO_COMPRESSED"
	EyesClosed           Code = "EYES_CLOSED"

	// What covers the face (the face-surface model, facecheck.Cover).
	FaceOccluded   Code = "FACE_OCCLUDED"
	EyesNotVisible Code = "EYES_NOT_VISIBLE"
	EyeGlare       Code = "EYE_GLARE"

	// ISOQualityTooLow is an ISO/IEC 29794-5 component's score under a
	// profile's minimum: a rule no built-in profile has, that a profile
	// file adds with the component's name as its key (see ISORules).
	ISOQualityTooLow Code = "ISO_QUALITY_TOO_LOW"
)

// Keys of rules that share a code, for Profile.Threshold.
const (
	KeyFaceSize    = "face_size"       // FACE_TOO_SMALL by face size, px
	KeyEyeDistance = "eye_distance"    // FACE_TOO_SMALL by IPD, px
	KeyYawPitch    = "yaw_pitch"       // FACE_ANGLE_TOO_LARGE by yaw or pitch, degrees
	KeyRoll        = "roll"            // FACE_ANGLE_TOO_LARGE by roll, degrees
	KeyTooDark     = "too_dark"        // POOR_IMAGE_EXPOSURE: mean face luminance under, 0..255
	KeyTooBright   = "too_bright"      // POOR_IMAGE_EXPOSURE: mean face luminance over, 0..255
	KeyHuman       = "human"           // FACE_NOT_FOUND: least human-face score of a face that counts, 0..1
	KeyMouthNose   = "mouth_nose"      // FACE_OCCLUDED: share of the mouth or the nose covered, 0..1
	KeyForehead    = "forehead"        // FACE_OCCLUDED: share of the forehead covered, 0..1
	KeySkinTexture = "skin_texture"    // FILTERED: the cheeks' detail against the eyes', under
	KeySkinColour  = "skin_saturation" // FILTERED: the cheeks' median saturation, over
)

// Clipping limits of POOR_IMAGE_EXPOSURE, beside its mean thresholds: more
// than this fraction of the face at luminance <= 25 (dark) or >= 247
// (bright) is poor exposure whatever the mean. See docs/quality.md.
const (
	MaxDarkFraction   = 0.40
	MaxBrightFraction = 0.25
)

// Measurements are what the pipeline learnt about an image; rules read them.
type Measurements struct {
	Format        Format
	Bytes         int64
	Width, Height int // upright
	Orientation   int
	ReadError     string // why the image could not be read; "" when it was
	OverLimit     string // which safety limit the input is over; "" when none
	Decoded       bool   // pixels were decoded
	Metadata      []string
	MetadataError string
	// Provenance is what the file declares about its making (XMP, C2PA,
	// EXIF's Software), read from the header; nil when it declares
	// nothing. Fix's output carries none, so verify judges the input's.
	Provenance *provenance.Declared
	// Faces measured on the upright image, largest first; rules judge the
	// first. FacesMeasured is false when the profile has no face rules or
	// the image was not decoded.
	Faces         []facecheck.Face
	FacesMeasured bool
	FaceError     string // why face detection failed; "" when it ran
	// NotFaces are detections the face-surface model reads as not a
	// person's face (an animal, a drawing, a pattern), under FACE_NOT_FOUND's
	// human-face threshold: set aside, neither judged nor counted.
	NotFaces []facecheck.Face
	// Turn is how far the largest face is turned in the image, in quarter
	// turns clockwise (0..3): 1 when its eye line runs down the image, 2
	// when it is upside down. Faces turned more than 45 degrees mean the
	// photo is turned, not the head; the angle rules judge the face as it
	// would be with the photo turned back.
	Turn    int
	Quality *Quality // nil when the image was not decoded
	// ISO are the ISO/IEC 29794-5 components of each face (as Faces),
	// when Options.ISO asked for them or a rule judges one.
	ISO []iso.Components
}

// face is the face the rules judge: the largest.
func (m *Measurements) face() *facecheck.Face {
	if len(m.Faces) == 0 {
		return nil
	}
	return &m.Faces[0]
}

// Rule is one requirement as data. A threshold rule has a Measure, which
// says what it compares with Threshold and in which direction, and its
// check is derived from it; a yes-or-no rule (a file that cannot be read,
// a face cut off) has Check.
type Rule struct {
	Code Code
	// Key tells apart rules that share a code (FACE_TOO_SMALL judges both
	// the face size and the eye distance); "" means the code.
	Key       string
	Message   string
	Severity  Severity
	Fixable   bool
	Threshold float64
	// NeedsPixels rules are judged only on images that were decoded.
	NeedsPixels bool
	// NeedsFace rules are judged only when faces were measured, and only
	// when one was found (except FACE_NOT_FOUND's own rule).
	NeedsFace bool
	// Face rules judge the face itself (found, alone, its size, angle and
	// place), which Fix must never turn from passing to failing; quality
	// rules that read the face are not among them.
	Face bool
	// Measure is what a threshold rule compares with Threshold.
	Measure *Measure
	// Also breaks a threshold rule whatever its threshold (the exposure
	// rules' clipping limits); nil for none.
	Also func(v *Values) bool
	// Detail says what was measured, for the message of a threshold rule
	// that is broken (x is the measure's value, t the threshold).
	Detail func(v *Values, x, t float64) string
	// Check says whether m breaks a yes-or-no rule, with a detail for the
	// message.
	Check func(m *Measurements) (broken bool, detail string)
	// SetAside rules (what covers the face) also judge, when no face
	// counts, the most human detection set aside as not a person's: a face
	// behind sunglasses or a mask often reads as not a person's, and the
	// photo then says why as well (Values.coverFace).
	SetAside bool
	// FixNeeds, for a fixable rule, are the rules that must pass for its
	// fix to give a passing image (IMAGE_TURNED's quarter turn leaves a
	// face tilted 50 degrees at 40): when one of them is broken, this rule
	// raises nothing, so fixable is never promised in vain; their issues
	// say what is wrong.
	FixNeeds []RuleID
}

// ID names a rule: its code, and its key where rules share a code.
func (r *Rule) ID() RuleID { return RuleID{r.Code, r.Key} }

// Broken says whether an image breaks r, with the detail for its message:
// m for a yes-or-no rule, v (m's values) for a threshold rule.
func (r *Rule) Broken(m *Measurements, v *Values) (bool, string) {
	if r.Measure == nil {
		return r.Check(m)
	}
	x, ok := r.Measure.Of(v)
	if !ok {
		return false, ""
	}
	if !r.Measure.Breaks(x, r.Threshold) && (r.Also == nil || !r.Also(v)) {
		return false, ""
	}
	return true, r.Detail(v, x, r.Threshold)
}

// RuleID names a rule of a profile: its code, and its key where rules
// share a code ("" otherwise).
type RuleID struct {
	Code Code
	Key  string
}

func (id RuleID) String() string {
	if id.Key == "" {
		return string(id.Code)
	}
	return string(id.Code) + " (key " + id.Key + ")"
}

// Profile is a named list of rules.
type Profile struct {
	Name  string
	Rules []Rule
}

// Rule returns the profile's rule with this id.
func (p *Profile) Rule(id RuleID) (*Rule, bool) {
	for i := range p.Rules {
		if p.Rules[i].ID() == id {
			return &p.Rules[i], true
		}
	}
	return nil, false
}

// Threshold returns the threshold of the profile's rule with this id.
func (p *Profile) Threshold(id RuleID) (float64, bool) {
	if r, ok := p.Rule(id); ok {
		return r.Threshold, true
	}
	return 0, false
}

// FaceCode reports whether c is the code of one of the profile's face
// rules (Rule.Face).
func (p *Profile) FaceCode(c Code) bool {
	return slices.ContainsFunc(p.Rules, func(r Rule) bool { return r.Face && r.Code == c })
}

// HasFaceRules reports whether judging needs faces measured.
func (p *Profile) HasFaceRules() bool {
	for _, r := range p.Rules {
		if r.NeedsFace {
			return true
		}
	}
	return false
}

// Judge applies the profile's rules to m, in order, and returns one issue
// per code broken.
func (p *Profile) Judge(m *Measurements) []Issue {
	issues := []Issue{}
	v := m.values()
	details := make([]string, len(p.Rules))
	broken := map[RuleID]bool{}
	for i, r := range p.Rules {
		if r.NeedsPixels && !m.Decoded {
			continue
		}
		if r.NeedsFace && (!m.FacesMeasured || (r.Code != FaceNotFound && m.face() == nil && !(r.SetAside && v.coverFace() != nil))) {
			continue
		}
		var b bool
		if b, details[i] = r.Broken(m, v); b {
			broken[r.ID()] = true
		}
	}
	for i, r := range p.Rules {
		if !broken[r.ID()] || slices.ContainsFunc(r.FixNeeds, func(id RuleID) bool { return broken[id] }) {
			continue
		}
		detail := details[i]
		msg := r.Message
		if detail != "" {
			msg += ": " + detail
		}
		// One issue per code: rules that share one (FACE_TOO_SMALL by size
		// and by eye distance) name every measure that failed in it.
		if i := slices.IndexFunc(issues, func(is Issue) bool { return is.Code == r.Code }); i >= 0 {
			issues[i].Message += "; " + msg
			continue
		}
		issues = append(issues, Issue{Code: r.Code, Message: msg, Fixable: r.Fixable, Severity: r.Severity})
	}
	return issues
}

// builtins are the built-in profiles by name.
var builtins = map[string]func() *Profile{"progeny": Progeny, "document": Document}

// ProfileByName returns a new copy of the built-in profile with that name.
func ProfileByName(name string) (*Profile, bool) {
	f, ok := builtins[name]
	if !ok {
		return nil, false
	}
	return f(), true
}

// ProfileNames lists the built-in profiles' names, sorted.
func ProfileNames() []string {
	return slices.Sorted(maps.Keys(builtins))
}

// Progeny is the default profile: the image requirements of the Progeny API
// for a face photo (the image of register_face, authenticate_face,
// face_liveness, and the selfie of the KYC services).
func Progeny() *Profile {
	return &Profile{Name: "progeny", Rules: slices.Concat(imageRules(), faceRules(), surfaceRules(), qualityRules())}
}

// Document is Progeny's image requirements without the face rules, for
// the ID card and passport images of the KYC and OCR services.
func Document() *Profile {
	return &Profile{Name: "document", Rules: imageRules()}
}

func imageRules() []Rule {
	return []Rule{
		{Code: FailedToReadImage, Message: "Failed to read image", Severity: SeverityError,
			Check: func(m *Measurements) (bool, string) { return m.ReadError != "", m.ReadError }},
		{Code: InputTooLarge, Message: "Input is over a safety limit and was not decoded", Severity: SeverityError,
			Check: func(m *Measurements) (bool, string) { return m.OverLimit != "", m.OverLimit }},
		{Code: UnsupportedFormat, Message: "Only PNG and JPEG are accepted", Severity: SeverityError, Fixable: true, NeedsPixels: true,
			Check: func(m *Measurements) (bool, string) {
				return m.Format != FormatJPEG && m.Format != FormatPNG, fmt.Sprintf("this is %s; fix converts it to JPEG", strings.ToUpper(string(m.Format)))
			}},
		{Code: NotUpright, Message: "Image is stored rotated or mirrored", Severity: SeverityError, Fixable: true, NeedsPixels: true,
			Check: func(m *Measurements) (bool, string) {
				return m.Orientation != 1, fmt.Sprintf("EXIF orientation %d; the pixels must be turned upright", m.Orientation)
			}},
		{Code: ImageTooSmall, Message: "Image is too small", Severity: SeverityError, Threshold: 480, NeedsPixels: true, Measure: measureMinSide,
			Detail: func(v *Values, _, t float64) string {
				return fmt.Sprintf("%dx%d, each side must be at least %s px", v.Width, v.Height, num(t))
			}},
		{Code: ImageTooLarge, Message: "Image is too large", Severity: SeverityError, Fixable: true, Threshold: 4096, NeedsPixels: true, Measure: measureMaxSide,
			Detail: func(v *Values, _, t float64) string {
				return fmt.Sprintf("%dx%d, each side must be at most %s px", v.Width, v.Height, num(t))
			}},
		{Code: HeightAboveRecommended, Message: "Height is above the recommended maximum", Severity: SeverityWarning, Fixable: true, Threshold: 1080, NeedsPixels: true, Measure: measureHeight,
			Detail: func(v *Values, _, t float64) string {
				return fmt.Sprintf("%d px, best results at %s px or less", v.Height, num(t))
			}},
		{Code: FileTooLarge, Message: "File is too large", Severity: SeverityError, Fixable: true, Threshold: 2_000_000, NeedsPixels: true, Measure: measureBytes,
			Detail: func(v *Values, _, t float64) string {
				return fmt.Sprintf("%d bytes, at most %s allowed", v.Bytes, num(t))
			}},
		{Code: AIGenerated, Message: "The file declares the image generated, not photographed", Severity: SeverityError,
			Check: func(m *Measurements) (bool, string) {
				ev := m.Provenance.Generated()
				return len(ev) > 0, evidence(ev, m.Provenance)
			}},
		{Code: Edited, Message: "The file declares the image edited or filtered", Severity: SeverityWarning,
			Check: func(m *Measurements) (bool, string) {
				ev := m.Provenance.Edited()
				return len(ev) > 0, evidence(ev, m.Provenance)
			}},
		{Code: MetadataUnreadable, Message: "EXIF metadata is malformed and was ignored (orientation taken as 1)", Severity: SeverityWarning, Fixable: true, NeedsPixels: true,
			Check: func(m *Measurements) (bool, string) { return m.MetadataError != "", m.MetadataError }},
		{Code: MetadataPresent, Message: "Metadata present; the fixed image carries none", Severity: SeverityWarning, Fixable: true, NeedsPixels: true,
			Check: func(m *Measurements) (bool, string) {
				return len(m.Metadata) > 0, strings.Join(m.Metadata, ", ")
			}},
	}
}

// evidence joins what a file declares for a provenance rule's message,
// saying that a C2PA manifest's signature was not verified.
func evidence(lines []string, d *provenance.Declared) string {
	s := strings.Join(lines, "; ")
	if d != nil && d.C2PA != nil && strings.Contains(s, "C2PA") && !d.C2PA.Verified {
		s += " (C2PA signature not verified)"
	}
	return s
}

// turnAdvice says how to turn a photo that is turned by q quarter turns
// clockwise.
func turnAdvice(q int) string {
	switch q & 3 {
	case 1:
		return "turn it 90° counter-clockwise"
	case 2:
		return "turn it 180°"
	case 3:
		return "turn it 90° clockwise"
	}
	return "it is upright"
}

// faceRules judge the largest face, in the pixels of the image judged.
func faceRules() []Rule {
	return []Rule{
		{Code: ImageTurned, Message: "Image is turned: the face is on its side or upside down", Severity: SeverityError, Fixable: true, Threshold: 45, NeedsPixels: true, NeedsFace: true, Face: true, Measure: measureTurned,
			FixNeeds: []RuleID{{FaceAngleTooLarge, KeyRoll}},
			Detail: func(v *Values, _, _ float64) string {
				return fmt.Sprintf("the eye line is at %.0f°; %s (fix does)", v.Faces[0].Roll, turnAdvice(v.Turn))
			}},
		{Code: FaceNotFound, Message: "Failed to detect face", Severity: SeverityError, NeedsPixels: true, NeedsFace: true, Face: true,
			Check: func(m *Measurements) (bool, string) {
				if m.FaceError != "" {
					return true, m.FaceError
				}
				return len(m.Faces) == 0 && len(m.NotFaces) == 0, "no face at any scale tried"
			}},
		{Code: FaceNotFound, Key: KeyHuman, Message: "No person's face found", Severity: SeverityError, Threshold: 0.5, NeedsPixels: true, NeedsFace: true, Face: true, Measure: measureHuman,
			Detail: func(v *Values, x, t float64) string {
				return fmt.Sprintf("%s scoring at most %.2f as a person's face (an animal, a drawing or a pattern?), at least %s needed", plural(len(v.NotFaces), "face-like detection"), x, num(t))
			}},
		{Code: TooManyFaces, Message: "More than one face", Severity: SeverityError, Threshold: 0.5, NeedsPixels: true, NeedsFace: true, Face: true, Measure: measureSecondFace,
			Detail: func(v *Values, _, t float64) string {
				n := 0
				for _, f := range v.Faces {
					if f.Size >= t*v.Faces[0].Size {
						n++
					}
				}
				return fmt.Sprintf("%d faces at least %s of the largest's size", n, num(t))
			}},
		{Code: FaceTooSmall, Key: KeyFaceSize, Message: "Absolute face size is too small", Severity: SeverityError, Threshold: 224, NeedsPixels: true, NeedsFace: true, Face: true, Measure: measureFaceSize,
			Detail: func(_ *Values, x, t float64) string {
				return fmt.Sprintf("face %.0f px, at least %s px needed", x, num(t))
			}},
		{Code: FaceTooSmall, Key: KeyEyeDistance, Message: "Interpupillary distance is too small", Severity: SeverityError, Threshold: 85, NeedsPixels: true, NeedsFace: true, Face: true, Measure: measureEyeDistance,
			Detail: func(_ *Values, x, t float64) string {
				return fmt.Sprintf("eyes %.0f px apart, at least %s px needed", x, num(t))
			}},
		{Code: FaceAngleTooLarge, Key: KeyYawPitch, Message: "Face is turned too far from the camera", Severity: SeverityError, Threshold: 25, NeedsPixels: true, NeedsFace: true, Face: true, Measure: measureYawPitch,
			Detail: func(v *Values, _, t float64) string {
				f := v.Faces[0]
				return fmt.Sprintf("yaw %.0f°, pitch %.0f°, each within ±%s° needed", f.Yaw, f.Pitch, num(t))
			}},
		{Code: FaceAngleTooLarge, Key: KeyRoll, Message: "Head is tilted too far", Severity: SeverityError, Threshold: 35, NeedsPixels: true, NeedsFace: true, Face: true, Measure: measureRoll,
			Detail: func(v *Values, _, t float64) string {
				if v.Turn != 0 {
					return fmt.Sprintf("roll %.0f° once the image is turned upright, within ±%s° needed", v.roll(), num(t))
				}
				return fmt.Sprintf("roll %.0f°, within ±%s° needed", v.roll(), num(t))
			}},
		{Code: FaceCropped, Message: "Face is cut off by the image edge", Severity: SeverityError, NeedsPixels: true, NeedsFace: true, Face: true,
			Check: func(m *Measurements) (bool, string) {
				f := m.face()
				ext := f.Extent()
				img := image.Rect(0, 0, m.Width, m.Height)
				return !ext.In(img), fmt.Sprintf("face spans %v, the image %dx%d", rectString(ext), m.Width, m.Height)
			}},
		// A face cut off gives no margin: FACE_CROPPED says it.
		{Code: FaceCloseToBorder, Message: "Face is too close to the image edge", Severity: SeverityError, Threshold: 0.05, NeedsPixels: true, NeedsFace: true, Face: true, Measure: measureBorderGap,
			Detail: func(v *Values, _, t float64) string {
				f := v.Faces[0]
				return fmt.Sprintf("%d px from an edge, at least %.0f px (%s of the face width) needed", borderGap(f.Extent, v.Width, v.Height), t*float64(f.Box.Dx()), num(t))
			}},
		{Code: FaceTooClose, Message: "Face is too close to the camera", Severity: SeverityError, Threshold: 0.8, NeedsPixels: true, NeedsFace: true, Face: true, Measure: measureFrameShare,
			Detail: func(v *Values, _, t float64) string {
				b := v.Faces[0].Box
				fw, fh := float64(b.Dx())/float64(v.Width), float64(b.Dy())/float64(v.Height)
				return fmt.Sprintf("face fills %.0f%% of the width and %.0f%% of the height, at most %s%%", 100*fw, 100*fh, num(100*t))
			}},
	}
}

// borderGap is the least distance in pixels from a face's extent (box and
// landmarks) to the edges of a w x h image, negative when it is cut off:
// FACE_CLOSE_TO_BORDER wants it at least its threshold times the face
// width.
func borderGap(extent image.Rectangle, w, h int) int {
	return min(extent.Min.X, extent.Min.Y, w-extent.Max.X, h-extent.Max.Y)
}

// frameShare is the larger share of a w x h image's width and height that
// a face's box fills: FACE_TOO_CLOSE's measure.
func frameShare(box image.Rectangle, w, h int) float64 {
	return math.Max(float64(box.Dx())/float64(w), float64(box.Dy())/float64(h))
}

// surfaceRules judge what covers the largest face, as the face-surface
// model reads it (facecheck.Cover): a face without a reading (no 68
// landmarks, or a finder without the model) breaks none of them.
func surfaceRules() []Rule {
	return []Rule{
		{Code: FaceOccluded, Key: KeyMouthNose, Message: "Face is covered", Severity: SeverityError, Threshold: 0.4, NeedsPixels: true, NeedsFace: true, SetAside: true, Measure: measureMouthNose,
			Detail: func(v *Values, _, t float64) string {
				c := v.coverFace().Cover
				return fmt.Sprintf("%s covered (mouth %s, nose %s, lower face %s; at most %s)%s", coveredParts(c, t), pct(c.Mouth), pct(c.Nose), pct(c.Lower), pct(t), setAside(v))
			}},
		{Code: FaceOccluded, Key: KeyForehead, Message: "Face is covered", Severity: SeverityError, Threshold: 0.6, NeedsPixels: true, NeedsFace: true, SetAside: true, Measure: measureForehead,
			Detail: func(v *Values, x, t float64) string {
				return fmt.Sprintf("forehead %s covered (at most %s)%s", pct(x), pct(t), setAside(v))
			}},
		{Code: EyesNotVisible, Message: "Eyes are not visible", Severity: SeverityError, Threshold: 0.5, NeedsPixels: true, NeedsFace: true, SetAside: true, Measure: measureEyesCovered,
			Detail: func(v *Values, _, t float64) string {
				c := v.coverFace().Cover
				return fmt.Sprintf("right eye %s covered, left eye %s (sunglasses or something in front of them?; at most %s)%s", pct(c.RightEye), pct(c.LeftEye), pct(t), setAside(v))
			}},
		{Code: EyeGlare, Message: "Glare hides an eye", Severity: SeverityWarning, Threshold: 0.2, NeedsPixels: true, NeedsFace: true, Measure: measureGlare,
			Detail: func(v *Values, _, t float64) string {
				c := v.coverFace().Cover
				return fmt.Sprintf("right eye %s blown out, left eye %s (a reflection on glasses?; at most %s)", pct(c.Glare[0]), pct(c.Glare[1]), pct(t))
			}},
	}
}

// coveredParts names the parts of the lower face over t.
// setAside notes that the surface read is the face-like detection set
// aside as not a person's, when no face counts.
func setAside(v *Values) string {
	if v.face() == nil {
		return ", on the face set aside as not a person's: what covers it may be why"
	}
	return ""
}

func coveredParts(c *Cover, t float64) string {
	mouth, nose := c.Mouth > t, c.Nose > t
	switch {
	case mouth && nose, c.Lower > t:
		// The lower face covered: the mouth and nose, wherever the
		// landmarks fitted on the covered face put them.
		return "mouth and nose"
	case mouth:
		return "mouth"
	case nose:
		return "nose"
	default:
		return "lower face"
	}
}

func pct(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// qualityRules judge the quality measures (docs/quality.md has the
// calibration). Blur, exposure and closed eyes are judged on the face; an
// image without one already fails FACE_NOT_FOUND.
func qualityRules() []Rule {
	return []Rule{
		{Code: ImageTooBlurry, Message: "Image is too blurry", Severity: SeverityError, Threshold: 35, NeedsPixels: true, NeedsFace: true, Measure: measureSharpness,
			Detail: func(_ *Values, x, t float64) string {
				return fmt.Sprintf("face sharpness %.1f, at least %s needed", x, num(t))
			}},
		{Code: PoorImageExposure, Key: KeyTooDark, Message: "Face is underexposed", Severity: SeverityError, Threshold: 45, NeedsPixels: true, NeedsFace: true, Measure: measureTooDark,
			Also: func(v *Values) bool { return v.Exposure.Dark > MaxDarkFraction },
			Detail: func(v *Values, _, t float64) string {
				e := v.Exposure
				return fmt.Sprintf("mean luminance %.0f (at least %s), %.0f%% of the face clipped dark (at most %s%%)", e.Mean, num(t), 100*e.Dark, num(100*MaxDarkFraction))
			}},
		{Code: PoorImageExposure, Key: KeyTooBright, Message: "Face is overexposed", Severity: SeverityError, Threshold: 220, NeedsPixels: true, NeedsFace: true, Measure: measureTooBright,
			Also: func(v *Values) bool { return v.Exposure.Bright > MaxBrightFraction },
			Detail: func(v *Values, _, t float64) string {
				e := v.Exposure
				return fmt.Sprintf("mean luminance %.0f (at most %s), %.0f%% of the face clipped bright (at most %s%%)", e.Mean, num(t), 100*e.Bright, num(100*MaxBrightFraction))
			}},
		// Thresholds from internal/cmd/filtereval (README): the 2nd and the
		// 98th percentile of real photos' readings.
		{Code: Filtered, Key: KeySkinTexture, Message: "Skin looks smoothed (a beauty filter?)", Severity: SeverityWarning, Threshold: 0.15, NeedsPixels: true, NeedsFace: true, Measure: measureSkinTexture,
			Detail: func(_ *Values, x, t float64) string {
				return fmt.Sprintf("the cheeks' detail is %.2f of the eyes', real photos read %s or more", x, num(t))
			}},
		{Code: Filtered, Key: KeySkinColour, Message: "Colours look boosted (a filter?)", Severity: SeverityWarning, Threshold: 0.56, NeedsPixels: true, NeedsFace: true, Measure: measureSkinSaturation,
			Detail: func(_ *Values, x, t float64) string {
				return fmt.Sprintf("the skin's median saturation is %.2f, real photos read %s or less", x, num(t))
			}},
		{Code: Recaptured, Message: "Looks like a photo of a screen or a print", Severity: SeverityWarning, Threshold: recapturedLive, NeedsPixels: true, NeedsFace: true, Measure: measureLive,
			Detail: func(v *Values, x, t float64) string {
				return fmt.Sprintf("the re-capture model reads a live face at %.2f, under %s (advisory: such models also flag some live photos)", x, num(t))
			}},
		{Code: ImageIsTooCompressed, Message: "JPEG quality is too low", Severity: SeverityError, Threshold: 70, NeedsPixels: true, Measure: measureJPEGQuality,
			Detail: func(_ *Values, x, t float64) string {
				return fmt.Sprintf("estimated quality %.0f, at least %s needed; re-encoding cannot restore the detail", x, num(t))
			}},
		{Code: EyesClosed, Message: "Eyes are closed", Severity: SeverityError, Threshold: 0.15, NeedsPixels: true, NeedsFace: true, Measure: measureEyesOpen,
			Detail: func(v *Values, _, t float64) string {
				e := v.Faces[0].Eyes
				return fmt.Sprintf("eye aspect ratios %.2f and %.2f, at least one over %s needed", e[0], e[1], num(t))
			}},
	}
}

func rectString(r image.Rectangle) string {
	return fmt.Sprintf("x %d..%d, y %d..%d", r.Min.X, r.Max.X, r.Min.Y, r.Max.Y)
}

// num prints a threshold as a person writes it: 2000000, 0.35, 30 (not
// %g's 2e+06).
func num(x float64) string { return strconv.FormatFloat(math.Round(x*1e6)/1e6, 'f', -1, 64) }
