package server

import (
	"math"
	"math/rand/v2"

	"github.com/facegate/facegate/prevalidate"
)

// How near a threshold a refusal must be for Explore to send it: within
// these margins of every threshold it fails.
const (
	nearSize  = 0.85 // face size and eye distance: at least this share of the threshold
	nearAngle = 10   // degrees beyond the yaw/pitch limit
	nearEyes  = 0.05 // eye aspect ratio under the threshold
	nearSharp = 0.5  // share of the sharpness threshold
	nearLuma  = 15   // face luminance beyond a too-dark or too-bright limit, 0..255
	nearGap   = 0.5  // share of the border margin FACE_CLOSE_TO_BORDER wants
	nearFill  = 0.1  // share of the frame beyond FACE_TOO_CLOSE's limit
	nearCover = 0.15 // share of a region covered beyond FACE_OCCLUDED's or EYES_NOT_VISIBLE's limit
)

// nearMiss reports whether the fixed output fails only threshold rules the
// journal can calibrate, each by a little: the refusals worth sending now
// and then to learn where the provider's own cut-off is.
func nearMiss(p *prevalidate.Profile, o *prevalidate.Output) bool {
	if o == nil || len(o.Faces) == 0 {
		return false
	}
	f := o.Faces[0]
	th := func(key string) float64 { t, _ := p.Threshold(key); return t }
	failed := false
	for _, is := range o.Issues {
		if is.Severity != prevalidate.SeverityError {
			continue
		}
		failed = true
		switch is.Code {
		case prevalidate.FaceTooSmall:
			if f.Size < nearSize*th(prevalidate.KeyFaceSize) || f.IPD < nearSize*th(prevalidate.KeyEyeDistance) {
				return false
			}
		case prevalidate.FaceAngleTooLarge:
			if math.Max(math.Abs(f.Yaw), math.Abs(f.Pitch)) > th(prevalidate.KeyYawPitch)+nearAngle ||
				math.Abs(f.Roll) > th(prevalidate.KeyRoll)+nearAngle {
				return false
			}
		case prevalidate.FaceCloseToBorder:
			if f.Box[2] <= 0 || float64(f.BorderGap(o.Width, o.Height))/float64(f.Box[2]) < nearGap*th(string(prevalidate.FaceCloseToBorder)) {
				return false
			}
		case prevalidate.FaceTooClose:
			if o.Width <= 0 || o.Height <= 0 || f.FrameShare(o.Width, o.Height) > th(string(prevalidate.FaceTooClose))+nearFill {
				return false
			}
		case prevalidate.PoorImageExposure:
			m := o.Measures
			if m == nil || m.Exposure.Mean < th(prevalidate.KeyTooDark)-nearLuma || m.Exposure.Mean > th(prevalidate.KeyTooBright)+nearLuma {
				return false
			}
		case prevalidate.EyesClosed:
			if len(f.Eyes) != 2 || math.Max(f.Eyes[0], f.Eyes[1]) < th(string(prevalidate.EyesClosed))-nearEyes {
				return false
			}
		case prevalidate.FaceOccluded:
			c := f.Cover
			if c == nil || c.MouthNose() > th(prevalidate.KeyMouthNose)+nearCover || c.Forehead > th(prevalidate.KeyForehead)+nearCover {
				return false
			}
		case prevalidate.EyesNotVisible:
			c := f.Cover
			if c == nil || c.Eyes() > th(string(prevalidate.EyesNotVisible))+nearCover {
				return false
			}
		case prevalidate.ImageTooBlurry:
			if o.Measures == nil || o.Measures.Sharpness < nearSharp*th(string(prevalidate.ImageTooBlurry)) {
				return false
			}
		default:
			return false // not a threshold the journal learns
		}
	}
	return failed
}

// explore decides whether a near-miss refusal is sent this time.
func (s *Server) explore(p *prevalidate.Profile, o *prevalidate.Output) bool {
	return s.opts.Explore > 0 && nearMiss(p, o) && rand.Float64() < s.opts.Explore
}
