package prevalidate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/facegate/facegate/quality/iso"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ProfileFormat is the version of the profile file format that
// MarshalJSON writes and ParseProfile reads.
const ProfileFormat = 1

// maxProfileFile caps the size of a profile file LoadProfile reads.
const maxProfileFile = 1 << 20

// A profile file is JSON:
//
//	{
//	  "facegate_profile": 1,
//	  "name": "strict",
//	  "rules": [
//	    {"code": "FACE_TOO_SMALL", "key": "face_size", "threshold": 260, "severity": "error"},
//	    {"code": "EYES_CLOSED", "threshold": 0.18, "severity": "warning"}
//	  ]
//	}
//
// Each rule names a built-in rule by code (and key, where rules share a
// code); its check is the built-in one. threshold, severity and message
// may be changed (absent: the built-in's); whether a rule is fixable is
// the code's, not the file's. Rules not listed are not applied; they are
// judged in the file's order.
type profileFile struct {
	Format *int              `json:"facegate_profile"`
	Name   string            `json:"name"`
	Rules  []json.RawMessage `json:"rules"`
}

type ruleFile struct {
	Code      Code     `json:"code"`
	Key       string   `json:"key,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
	Severity  Severity `json:"severity,omitempty"`
	Message   string   `json:"message,omitempty"`
}

// ruleID names a built-in rule: its code, and its key where rules share
// a code.
type ruleID struct {
	code Code
	key  string
}

func (id ruleID) String() string {
	if id.key == "" {
		return string(id.code)
	}
	return string(id.code) + " (key " + id.key + ")"
}

func idOf(r *Rule) ruleID { return ruleID{r.Code, r.Key} }

// thresholdRange is the range a profile file may set each rule's threshold
// in; rules not listed take none.
var thresholdRange = map[ruleID][2]float64{
	{ImageTooSmall, ""}:               {1, 65535},
	{ImageTooLarge, ""}:               {1, 65535},
	{HeightAboveRecommended, ""}:      {1, 65535},
	{FileTooLarge, ""}:                {1024, 1e10},
	{ImageTurned, ""}:                 {0, 90},
	{TooManyFaces, ""}:                {0.01, 1},
	{FaceTooSmall, KeyFaceSize}:       {1, 10000},
	{FaceTooSmall, KeyEyeDistance}:    {1, 10000},
	{FaceAngleTooLarge, KeyYawPitch}:  {0, 90},
	{FaceAngleTooLarge, KeyRoll}:      {0, 180},
	{FaceCloseToBorder, ""}:           {0, 1},
	{FaceTooClose, ""}:                {0.01, 1},
	{ImageTooBlurry, ""}:              {0, 10000},
	{PoorImageExposure, KeyTooDark}:   {0, 255},
	{PoorImageExposure, KeyTooBright}: {0, 255},
	{ImageIsTooCompressed, ""}:        {1, 100},
	{EyesClosed, ""}:                  {0, 1},
	{FaceNotFound, KeyHuman}:          {0, 1},
	{FaceOccluded, KeyMouthNose}:      {0, 1},
	{FaceOccluded, KeyForehead}:       {0, 1},
	{EyesNotVisible, ""}:              {0, 1},
	{EyeGlare, ""}:                    {0, 1},
}

func init() {
	for _, name := range iso.Computed() {
		thresholdRange[ruleID{ISOQualityTooLow, name}] = [2]float64{0, 100}
	}
}

// builtinRules is every built-in rule, as the built-in profiles define
// them: what a profile file's rules name. Made once; read only (rules are
// copied out of it).
var builtinRules = append(Progeny().Rules, ISORules()...)

func catalogue() []Rule { return builtinRules }

func builtinRule(id ruleID) (Rule, bool) {
	for _, r := range catalogue() {
		if idOf(&r) == id {
			return r, true
		}
	}
	return Rule{}, false
}

// ProfileError is a profile file that cannot be used: which rule (Index
// from 1, 0 for the profile as a whole), which field, and why.
type ProfileError struct {
	File  string // "" when not read from a file
	Index int
	Rule  string // the rule's code and key, when known
	Field string // the JSON field, when known
	Err   error
}

func (e *ProfileError) Error() string {
	var b strings.Builder
	b.WriteString("profile")
	if e.File != "" {
		b.WriteString(" " + e.File)
	}
	if e.Index > 0 {
		fmt.Fprintf(&b, ": rule %d", e.Index)
		if e.Rule != "" {
			b.WriteString(" (" + e.Rule + ")")
		}
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

func (e *ProfileError) Unwrap() error { return e.Err }

// MarshalJSON writes p in the profile file format. Only built-in rules
// (by code and key) can be written.
func (p *Profile) MarshalJSON() ([]byte, error) {
	rules := make([]json.RawMessage, 0, len(p.Rules))
	for i := range p.Rules {
		r := &p.Rules[i]
		if _, ok := builtinRule(idOf(r)); !ok {
			return nil, &ProfileError{Index: i + 1, Rule: idOf(r).String(), Err: errors.New("not a built-in rule; only built-in rules can be written to a profile file")}
		}
		rf := ruleFile{Code: r.Code, Key: r.Key, Severity: r.Severity, Message: r.Message}
		if _, ok := thresholdRange[idOf(r)]; ok {
			t := r.Threshold
			rf.Threshold = &t
		}
		b, err := json.Marshal(rf)
		if err != nil {
			return nil, err
		}
		rules = append(rules, b)
	}
	format := ProfileFormat
	return json.Marshal(profileFile{Format: &format, Name: p.Name, Rules: rules})
}

// LoadProfile reads a profile file (see ParseProfile). A profile without a
// name is named after the file.
func LoadProfile(path string) (*Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxProfileFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxProfileFile {
		return nil, &ProfileError{File: path, Err: fmt.Errorf("larger than %d bytes", maxProfileFile)}
	}
	p, err := ParseProfile(data)
	if err != nil {
		var pe *ProfileError
		if errors.As(err, &pe) {
			pe.File = path
		}
		return nil, err
	}
	if p.Name == "" {
		p.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return p, nil
}

// ParseProfile reads a profile in the file format MarshalJSON writes and
// checks it: known rules, each once, thresholds in range, severities
// known, no unknown fields. Errors are *ProfileError and name the rule and
// the field.
func ParseProfile(data []byte) (*Profile, error) {
	var pf profileFile
	if err := strictDecode(data, &pf); err != nil {
		return nil, &ProfileError{Field: jsonField(err), Err: err}
	}
	switch {
	case pf.Format == nil:
		return nil, &ProfileError{Field: "facegate_profile", Err: fmt.Errorf("missing: a profile file starts with \"facegate_profile\": %d", ProfileFormat)}
	case *pf.Format != ProfileFormat:
		return nil, &ProfileError{Field: "facegate_profile", Err: fmt.Errorf("format %d; this facegate reads format %d", *pf.Format, ProfileFormat)}
	case len(pf.Rules) == 0:
		return nil, &ProfileError{Field: "rules", Err: errors.New("no rules: a profile judges at least one")}
	}
	p := &Profile{Name: pf.Name}
	seen := map[ruleID]int{}
	for i, raw := range pf.Rules {
		fail := func(id, field string, err error) error {
			return &ProfileError{Index: i + 1, Rule: id, Field: field, Err: err}
		}
		var rf ruleFile
		if err := strictDecode(raw, &rf); err != nil {
			return nil, fail("", jsonField(err), err)
		}
		id := ruleID{rf.Code, rf.Key}
		if rf.Code == "" {
			return nil, fail("", "code", errors.New("missing"))
		}
		r, ok := builtinRule(id)
		if !ok {
			if _, known := builtinRule(ruleID{rf.Code, ""}); known || hasCode(rf.Code) {
				return nil, fail(id.String(), "key", fmt.Errorf("%q is not a key of %s (keys: %s)", rf.Key, rf.Code, strings.Join(keysOf(rf.Code), ", ")))
			}
			return nil, fail(id.String(), "code", fmt.Errorf("unknown code (known: %s)", strings.Join(knownCodes(), ", ")))
		}
		if j, dup := seen[id]; dup {
			return nil, fail(id.String(), "", fmt.Errorf("listed twice (also rule %d)", j))
		}
		seen[id] = i + 1
		if rf.Threshold != nil {
			rg, takes := thresholdRange[id]
			t := *rf.Threshold
			switch {
			case !takes:
				return nil, fail(id.String(), "threshold", errors.New("this rule takes no threshold"))
			case !(t >= rg[0] && t <= rg[1]): // also NaN
				return nil, fail(id.String(), "threshold", fmt.Errorf("%g is out of range %g..%g", t, rg[0], rg[1]))
			}
			r.Threshold = t
		}
		switch rf.Severity {
		case "":
		case SeverityError, SeverityWarning:
			r.Severity = rf.Severity
		default:
			return nil, fail(id.String(), "severity", fmt.Errorf("%q: want %q or %q", rf.Severity, SeverityError, SeverityWarning))
		}
		if rf.Message != "" {
			r.Message = rf.Message
		}
		p.Rules = append(p.Rules, r)
	}
	if err := p.checkConsistent(); err != nil {
		return nil, err
	}
	return p, nil
}

// checkConsistent checks thresholds that bound each other.
func (p *Profile) checkConsistent() error {
	pairs := []struct{ lo, hi ruleID }{
		{ruleID{ImageTooSmall, ""}, ruleID{ImageTooLarge, ""}},
		{ruleID{PoorImageExposure, KeyTooDark}, ruleID{PoorImageExposure, KeyTooBright}},
	}
	for _, pr := range pairs {
		lo, ok1 := p.rule(pr.lo)
		hi, ok2 := p.rule(pr.hi)
		if ok1 && ok2 && lo.Threshold >= hi.Threshold {
			return &ProfileError{Rule: pr.lo.String(), Field: "threshold", Err: fmt.Errorf("%g is not below %s's %g", lo.Threshold, pr.hi, hi.Threshold)}
		}
	}
	return nil
}

func (p *Profile) rule(id ruleID) (*Rule, bool) {
	for i := range p.Rules {
		if idOf(&p.Rules[i]) == id {
			return &p.Rules[i], true
		}
	}
	return nil, false
}

// strictDecode decodes one JSON value into v, refusing unknown fields and
// anything after the value.
func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// jsonField is the field a decoding error is about, when it says.
func jsonField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		return strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
	}
	return ""
}

func hasCode(c Code) bool {
	for _, r := range catalogue() {
		if r.Code == c {
			return true
		}
	}
	return false
}

func keysOf(c Code) []string {
	var keys []string
	for _, r := range catalogue() {
		if r.Code == c {
			k := r.Key
			if k == "" {
				k = `""`
			}
			keys = append(keys, k)
		}
	}
	return keys
}

func knownCodes() []string {
	var codes []string
	for _, r := range catalogue() {
		if len(codes) == 0 || codes[len(codes)-1] != string(r.Code) {
			codes = append(codes, string(r.Code))
		}
	}
	return codes
}
