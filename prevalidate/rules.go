package prevalidate

import (
	"fmt"
	"strings"
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
}

// Rule is one requirement as data. Check says whether m breaks it, with a
// detail for the message; Threshold is the number Check compares against.
type Rule struct {
	Code      Code
	Message   string
	Severity  Severity
	Fixable   bool
	Threshold float64
	// NeedsPixels rules are judged only on images that were decoded.
	NeedsPixels bool
	Check       func(m *Measurements, threshold float64) (broken bool, detail string)
}

// Profile is a named list of rules.
type Profile struct {
	Name  string
	Rules []Rule
}

// Threshold returns the threshold of the rule with code c.
func (p *Profile) Threshold(c Code) (float64, bool) {
	for _, r := range p.Rules {
		if r.Code == c {
			return r.Threshold, true
		}
	}
	return 0, false
}

// Judge applies the profile's rules to m, in order.
func (p *Profile) Judge(m *Measurements) []Issue {
	issues := []Issue{}
	for _, r := range p.Rules {
		if r.NeedsPixels && !m.Decoded {
			continue
		}
		broken, detail := r.Check(m, r.Threshold)
		if !broken {
			continue
		}
		msg := r.Message
		if detail != "" {
			msg += ": " + detail
		}
		issues = append(issues, Issue{Code: r.Code, Message: msg, Fixable: r.Fixable, Severity: r.Severity})
	}
	return issues
}

// Profiles are the built-in profiles by name.
var Profiles = map[string]func() *Profile{"progeny": Progeny}

// Progeny is the default profile: the image requirements of the Progeny API.
func Progeny() *Profile {
	return &Profile{Name: "progeny", Rules: []Rule{
		{Code: FailedToReadImage, Message: "Failed to read image", Severity: SeverityError,
			Check: func(m *Measurements, _ float64) (bool, string) { return m.ReadError != "", m.ReadError }},
		{Code: InputTooLarge, Message: "Input is over a safety limit and was not decoded", Severity: SeverityError,
			Check: func(m *Measurements, _ float64) (bool, string) { return m.OverLimit != "", m.OverLimit }},
		{Code: UnsupportedFormat, Message: "Only PNG and JPEG are accepted", Severity: SeverityError, Fixable: true, NeedsPixels: true,
			Check: func(m *Measurements, _ float64) (bool, string) {
				return m.Format != FormatJPEG && m.Format != FormatPNG, fmt.Sprintf("this is %s; fix converts it to JPEG", strings.ToUpper(string(m.Format)))
			}},
		{Code: NotUpright, Message: "Image is stored rotated or mirrored", Severity: SeverityError, Fixable: true, NeedsPixels: true,
			Check: func(m *Measurements, _ float64) (bool, string) {
				return m.Orientation != 1, fmt.Sprintf("EXIF orientation %d; the pixels must be turned upright", m.Orientation)
			}},
		{Code: ImageTooSmall, Message: "Image is too small", Severity: SeverityError, Threshold: 480, NeedsPixels: true,
			Check: func(m *Measurements, t float64) (bool, string) {
				return float64(min(m.Width, m.Height)) < t, fmt.Sprintf("%dx%d, each side must be at least %g px", m.Width, m.Height, t)
			}},
		{Code: ImageTooLarge, Message: "Image is too large", Severity: SeverityError, Fixable: true, Threshold: 4096, NeedsPixels: true,
			Check: func(m *Measurements, t float64) (bool, string) {
				return float64(max(m.Width, m.Height)) > t, fmt.Sprintf("%dx%d, each side must be at most %g px", m.Width, m.Height, t)
			}},
		{Code: HeightAboveRecommended, Message: "Height is above the recommended maximum", Severity: SeverityWarning, Fixable: true, Threshold: 1080, NeedsPixels: true,
			Check: func(m *Measurements, t float64) (bool, string) {
				return float64(m.Height) > t, fmt.Sprintf("%d px, best results at %g px or less", m.Height, t)
			}},
		{Code: FileTooLarge, Message: "File is too large", Severity: SeverityError, Fixable: true, Threshold: 2_000_000, NeedsPixels: true,
			Check: func(m *Measurements, t float64) (bool, string) {
				return float64(m.Bytes) > t, fmt.Sprintf("%d bytes, at most %g allowed", m.Bytes, t)
			}},
		{Code: MetadataUnreadable, Message: "EXIF metadata is malformed and was ignored (orientation taken as 1)", Severity: SeverityWarning, Fixable: true, NeedsPixels: true,
			Check: func(m *Measurements, _ float64) (bool, string) { return m.MetadataError != "", m.MetadataError }},
		{Code: MetadataPresent, Message: "Metadata present; the fixed image carries none", Severity: SeverityWarning, Fixable: true, NeedsPixels: true,
			Check: func(m *Measurements, _ float64) (bool, string) {
				return len(m.Metadata) > 0, strings.Join(m.Metadata, ", ")
			}},
	}}
}
