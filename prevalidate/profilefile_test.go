package prevalidate

import (
	"bytes"
	"encoding/json"
	"errors"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/facecheck"
	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/quality"
)

// The built-in profiles go through the file format and come back the
// same: the same rules, in order, judging the same way.
func TestProfileRoundTrip(t *testing.T) {
	ms := []*Measurements{
		{Format: FormatJPEG, Bytes: 3_000_000, Width: 5000, Height: 300, Orientation: 6, Decoded: true, Metadata: []string{"EXIF"}},
		{Format: FormatPNG, Bytes: 100, Width: 600, Height: 800, Orientation: 1, Decoded: true, FacesMeasured: true},
		{Format: FormatJPEG, Bytes: 100, Width: 600, Height: 800, Orientation: 1, Decoded: true, FacesMeasured: true,
			Faces:   []facecheck.Face{{Size: 100, IPD: 40, Pose: facecheck.Pose{Yaw: 30, Roll: 50}}},
			Quality: &Quality{Region: "face", Sharpness: 10, JPEGQuality: 50, Exposure: quality.Exposure{Mean: 30}}},
	}
	for _, name := range ProfileNames() {
		p, _ := ProfileByName(name)
		data, err := json.MarshalIndent(p, "", "  ")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		q, err := ParseProfile(data)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, data)
		}
		if q.Name != p.Name || len(q.Rules) != len(p.Rules) {
			t.Fatalf("%s: came back as %q with %d rules, want %d", name, q.Name, len(q.Rules), len(p.Rules))
		}
		for i, a := range p.Rules {
			b := q.Rules[i]
			if a.Code != b.Code || a.Key != b.Key || a.Threshold != b.Threshold || a.Severity != b.Severity || a.Message != b.Message ||
				a.Fixable != b.Fixable || a.NeedsPixels != b.NeedsPixels || a.NeedsFace != b.NeedsFace || a.Face != b.Face {
				t.Errorf("%s rule %d: %+v came back as %+v", name, i, a, b)
			}
		}
		for i, m := range ms {
			a, _ := json.Marshal(p.Judge(m))
			b, _ := json.Marshal(q.Judge(m))
			if !bytes.Equal(a, b) {
				t.Errorf("%s, measurements %d: judged %s, after the round trip %s", name, i, a, b)
			}
		}
		again, _ := json.MarshalIndent(q, "", "  ")
		if !bytes.Equal(again, data) {
			t.Errorf("%s: written again differs:\n%s\n%s", name, data, again)
		}
	}
}

// Every rule with a threshold has a measure (so a profile file can set
// its threshold in the measure's range), and only those; a threshold
// rule's check is derived from its measure, a yes-or-no rule has its own.
func TestThresholdRanges(t *testing.T) {
	for _, r := range catalogue() {
		id := r.ID()
		ms := r.Measure
		switch {
		case r.Threshold != 0 && ms == nil:
			t.Errorf("%s has threshold %g but no measure", id, r.Threshold)
		case ms == nil && r.Check == nil:
			t.Errorf("%s has neither a measure nor a check", id)
		case ms != nil && (r.Check != nil || r.Detail == nil || ms.Of == nil || (ms.Side != Below && ms.Side != Above) || ms.Name == ""):
			t.Errorf("%s: a threshold rule needs a measure (name, side, Of) and a detail, and no check of its own", id)
		case ms != nil && (r.Threshold < ms.Range[0] || r.Threshold > ms.Range[1]):
			t.Errorf("%s: built-in threshold %g outside its range %v", id, r.Threshold, ms.Range)
		}
	}
}

func TestParseProfileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		index      int
		field, msg string
	}{
		{"empty", ``, 0, "", "EOF"},
		{"not an object", `[1]`, 0, "", "cannot unmarshal"},
		{"no format", `{"name":"x","rules":[{"code":"FILE_TOO_LARGE"}]}`, 0, "facegate_profile", "missing"},
		{"future format", `{"facegate_profile":2,"rules":[{"code":"FILE_TOO_LARGE"}]}`, 0, "facegate_profile", "format 2"},
		{"unknown top field", `{"facegate_profile":1,"rulez":[]}`, 0, "rulez", "unknown field"},
		{"no rules", `{"facegate_profile":1,"rules":[]}`, 0, "rules", "no rules"},
		{"trailing", `{"facegate_profile":1,"rules":[{"code":"FILE_TOO_LARGE"}]} {}`, 0, "", "after the JSON value"},
		{"unknown code", `{"facegate_profile":1,"rules":[{"code":"FILE_TOO_LARGE"},{"code":"NOSE_TOO_BIG"}]}`, 2, "code", "unknown code"},
		{"missing code", `{"facegate_profile":1,"rules":[{"threshold":3}]}`, 1, "code", "missing"},
		{"bad key", `{"facegate_profile":1,"rules":[{"code":"FACE_TOO_SMALL","key":"nose"}]}`, 1, "key", "eye_distance"},
		{"keyless shared code", `{"facegate_profile":1,"rules":[{"code":"FACE_TOO_SMALL"}]}`, 1, "key", "face_size"},
		{"unknown rule field", `{"facegate_profile":1,"rules":[{"code":"FILE_TOO_LARGE","fixable":false}]}`, 1, "fixable", "unknown field"},
		{"wrong type", `{"facegate_profile":1,"rules":[{"code":"FILE_TOO_LARGE","threshold":"2MB"}]}`, 1, "threshold", "cannot unmarshal"},
		{"out of range", `{"facegate_profile":1,"rules":[{"code":"FACE_TOO_SMALL","key":"face_size","threshold":-4}]}`, 1, "threshold", "out of range"},
		{"quality over 100", `{"facegate_profile":1,"rules":[{"code":"IMAGE_IS_TOO_COMPRESSED","threshold":101}]}`, 1, "threshold", "out of range 1..100"},
		{"no threshold taken", `{"facegate_profile":1,"rules":[{"code":"FACE_CROPPED","threshold":1}]}`, 1, "threshold", "takes no threshold"},
		{"severity", `{"facegate_profile":1,"rules":[{"code":"FACE_CROPPED","severity":"fatal"}]}`, 1, "severity", `"fatal"`},
		{"twice", `{"facegate_profile":1,"rules":[{"code":"FACE_CROPPED"},{"code":"FILE_TOO_LARGE"},{"code":"FACE_CROPPED"}]}`, 3, "", "listed twice (also rule 1)"},
		{"min over max", `{"facegate_profile":1,"rules":[{"code":"IMAGE_TOO_SMALL","threshold":5000},{"code":"IMAGE_TOO_LARGE","threshold":4096}]}`, 0, "threshold", "not below"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseProfile([]byte(tc.file))
			var pe *ProfileError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want a *ProfileError", err, err)
			}
			if pe.Index != tc.index || pe.Field != tc.field || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got rule %d, field %q, %q; want rule %d, field %q, containing %q", pe.Index, pe.Field, err, tc.index, tc.field, tc.msg)
			}
		})
	}
}

func TestLoadProfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "strict.json")
	os.WriteFile(path, []byte(`{"facegate_profile": 1, "rules": [
		{"code": "FACE_TOO_SMALL", "key": "face_size", "threshold": 300},
		{"code": "EYES_CLOSED", "severity": "warning", "message": "Eyes look closed"}]}`), 0o644)
	p, err := LoadProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "strict" || len(p.Rules) != 2 {
		t.Fatalf("loaded %q with %d rules", p.Name, len(p.Rules))
	}
	if th, _ := p.Threshold(RuleID{FaceTooSmall, KeyFaceSize}); th != 300 {
		t.Errorf("face_size threshold %g, want 300", th)
	}
	if r := p.Rules[1]; r.Severity != SeverityWarning || r.Message != "Eyes look closed" || r.Threshold != 0.15 {
		t.Errorf("EYES_CLOSED loaded as %+v", r)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"facegate_profile": 1, "rules": [{"code": "EYES_CLOSED", "threshold": 2}]}`), 0o644)
	_, err = LoadProfile(bad)
	var pe *ProfileError
	if !errors.As(err, &pe) || pe.File != bad || !strings.Contains(err.Error(), "bad.json: rule 1 (EYES_CLOSED): threshold: 2 is out of range 0..1") {
		t.Errorf("bad file: %v", err)
	}
	big := filepath.Join(dir, "big.json")
	os.WriteFile(big, bytes.Repeat([]byte(" "), maxProfileFile+2), 0o644)
	if _, err := LoadProfile(big); !errors.As(err, &pe) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized file: %v", err)
	}
	if _, err := LoadProfile(filepath.Join(dir, "none.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// A profile file's thresholds act on Fix too, not only on judging: a
// stricter JPEG quality floor is where EncodeFit stops.
func TestProfileFileDrivesFix(t *testing.T) {
	p := Document()
	data, _ := json.Marshal(p)
	var pf map[string]any
	json.Unmarshal(data, &pf)
	pf["rules"] = append(pf["rules"].([]any), map[string]any{"code": "IMAGE_IS_TOO_COMPRESSED", "threshold": 85})
	data, _ = json.Marshal(pf)
	q, err := ParseProfile(data)
	if err != nil {
		t.Fatal(err)
	}
	if l := limitsOf(q); l.minQuality != 85 || l.size.MaxHeight != 1080 || l.maxBytes != 2_000_000 || l.hasFaces {
		t.Errorf("limits %+v", l)
	}
}

// Pixels reads the size from the header alone; WorkingPixels counts the
// formats decoded whole to RGBA four times.
func TestPixelsFromHeader(t *testing.T) {
	img := photo(64, 48)
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, img, nil); err != nil {
		t.Fatal(err)
	}
	pb, err := samples.PNG(img)
	if err != nil {
		t.Fatal(err)
	}
	if px, f := Pixels(jb.Bytes()); px != 64*48 || f != FormatJPEG || WorkingPixels(jb.Bytes()) != 64*48 {
		t.Errorf("JPEG: %d px, %s, working %d", px, f, WorkingPixels(jb.Bytes()))
	}
	if px, f := Pixels(pb); px != 64*48 || f != FormatPNG || WorkingPixels(pb) != 4*64*48 {
		t.Errorf("PNG: %d px, %s, working %d", px, f, WorkingPixels(pb))
	}
	if px, _ := Pixels([]byte("not an image")); px != 0 {
		t.Errorf("not an image: %d px", px)
	}
	if px, _ := Pixels(samples.PNGBomb(30000, 30000)); px != 900_000_000 {
		t.Errorf("bomb header: %d px, want what it declares", px)
	}
}
