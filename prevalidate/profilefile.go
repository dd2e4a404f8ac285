package prevalidate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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

// builtinRules is every built-in rule, as the built-in profiles define
// them: what a profile file's rules name. Made once; read only (rules are
// copied out of it).
var builtinRules = append(Progeny().Rules, ISORules()...)

func catalogue() []Rule { return builtinRules }

func builtinRule(id RuleID) (Rule, bool) {
	for _, r := range catalogue() {
		if r.ID() == id {
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
		if _, ok := builtinRule(r.ID()); !ok {
			return nil, &ProfileError{Index: i + 1, Rule: r.ID().String(), Err: errors.New("not a built-in rule; only built-in rules can be written to a profile file")}
		}
		rf := ruleFile{Code: r.Code, Key: r.Key, Severity: r.Severity, Message: r.Message}
		if r.Measure != nil {
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
	seen := map[RuleID]int{}
	for i, raw := range pf.Rules {
		fail := func(id, field string, err error) error {
			return &ProfileError{Index: i + 1, Rule: id, Field: field, Err: err}
		}
		var rf ruleFile
		if err := strictDecode(raw, &rf); err != nil {
			return nil, fail("", jsonField(err), err)
		}
		id := RuleID{rf.Code, rf.Key}
		if rf.Code == "" {
			return nil, fail("", "code", errors.New("missing"))
		}
		r, ok := builtinRule(id)
		if !ok {
			if _, known := builtinRule(RuleID{rf.Code, ""}); known || hasCode(rf.Code) {
				return nil, fail(id.String(), "key", fmt.Errorf("%q is not a key of %s (keys: %s)", rf.Key, rf.Code, strings.Join(keysOf(rf.Code), ", ")))
			}
			return nil, fail(id.String(), "code", fmt.Errorf("unknown code (known: %s)", strings.Join(knownCodes(), ", ")))
		}
		if j, dup := seen[id]; dup {
			return nil, fail(id.String(), "", fmt.Errorf("listed twice (also rule %d)", j))
		}
		seen[id] = i + 1
		if rf.Threshold != nil {
			t := *rf.Threshold
			switch {
			case r.Measure == nil:
				return nil, fail(id.String(), "threshold", errors.New("this rule takes no threshold"))
			case !(t >= r.Measure.Range[0] && t <= r.Measure.Range[1]): // also NaN
				return nil, fail(id.String(), "threshold", fmt.Errorf("%g is out of range %g..%g", t, r.Measure.Range[0], r.Measure.Range[1]))
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
	pairs := []struct{ lo, hi RuleID }{
		{RuleID{ImageTooSmall, ""}, RuleID{ImageTooLarge, ""}},
		{RuleID{PoorImageExposure, KeyTooDark}, RuleID{PoorImageExposure, KeyTooBright}},
	}
	for _, pr := range pairs {
		lo, ok1 := p.Rule(pr.lo)
		hi, ok2 := p.Rule(pr.hi)
		if ok1 && ok2 && lo.Threshold >= hi.Threshold {
			return &ProfileError{Rule: pr.lo.String(), Field: "threshold", Err: fmt.Errorf("%g is not below %s's %g", lo.Threshold, pr.hi, hi.Threshold)}
		}
	}
	return nil
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
