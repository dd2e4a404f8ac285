package prevalidate

import (
	"math"

	"github.com/facegate/facegate/resize"
)

// threshold is a rule's threshold, with whether the profile has the rule.
type threshold struct {
	v  float64
	ok bool
}

// near reports whether v is within margin of the threshold.
func (t threshold) near(v, margin float64) bool { return t.ok && math.Abs(v-t.v) <= margin }

// limits are the profile's thresholds that steps other than judge act on
// (judge reads each rule's own), read once per run.
type limits struct {
	// size: HEIGHT_ABOVE_RECOMMENDED (MaxHeight), IMAGE_TOO_LARGE
	// (MaxSide), IMAGE_TOO_SMALL (MinSide); 0 when the profile lacks one.
	size       resize.Limits
	maxBytes   int // FILE_TOO_LARGE; 0 = none
	minQuality int // IMAGE_IS_TOO_COMPRESSED: the JPEG quality Fix never goes under; 0 = none
	hasFaces   bool
	faceSize   threshold // FACE_TOO_SMALL by face size, px
	eyeDist    threshold // FACE_TOO_SMALL by eye distance, px
	yawPitch   threshold // degrees
	roll       threshold // degrees
	eyesClosed threshold // eye aspect ratio
	turned     threshold // IMAGE_TURNED: roll beyond which the photo is turned, degrees
	faceShare  threshold // TOO_MANY_FACES: share of the largest face's size that counts
	blur       threshold // IMAGE_TOO_BLURRY: sharpness
	iso        bool      // a rule judges an ISO/IEC 29794-5 component
	human      threshold // FACE_NOT_FOUND: the least human-face score of a face
	mouthNose  threshold // FACE_OCCLUDED: the largest share of the lower face covered
	surface    bool      // a rule reads the face-surface model
	recapture  bool      // a rule reads the re-capture model
}

func limitsOf(p *Profile) limits {
	th := func(id RuleID) threshold {
		if r, ok := p.Rule(id); ok {
			return threshold{r.Threshold, true}
		}
		return threshold{}
	}
	px := func(c Code) int { return int(th(RuleID{c, ""}).v) }
	return limits{
		size: resize.Limits{
			MaxHeight: px(HeightAboveRecommended),
			MaxSide:   px(ImageTooLarge),
			MinSide:   px(ImageTooSmall),
		},
		maxBytes:   px(FileTooLarge),
		minQuality: px(ImageIsTooCompressed),
		hasFaces:   p.HasFaceRules(),
		faceSize:   th(RuleID{FaceTooSmall, KeyFaceSize}),
		eyeDist:    th(RuleID{FaceTooSmall, KeyEyeDistance}),
		yawPitch:   th(RuleID{FaceAngleTooLarge, KeyYawPitch}),
		roll:       th(RuleID{FaceAngleTooLarge, KeyRoll}),
		eyesClosed: th(RuleID{EyesClosed, ""}),
		turned:     th(RuleID{ImageTurned, ""}),
		faceShare:  th(RuleID{TooManyFaces, ""}),
		blur:       th(RuleID{ImageTooBlurry, ""}),
		iso:        p.judgesISO(),
		human:      th(RuleID{FaceNotFound, KeyHuman}),
		mouthNose:  th(RuleID{FaceOccluded, KeyMouthNose}),
		surface:    p.ReadsSurface(),
		recapture:  p.ReadsRecapture(),
	}
}
