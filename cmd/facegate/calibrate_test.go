package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/facegate/facegate/journal"
	"github.com/facegate/facegate/prevalidate"
)

// writeTraffic writes n shadow records judged by hidden cut-offs (faces
// under 250 px too small, yaw beyond 18° too large), then a damaged line.
func writeTraffic(t *testing.T, path string, n int) {
	t.Helper()
	w, err := journal.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 9))
	yes, no := true, false
	p := prevalidate.Progeny()
	for range n {
		size, yaw := 120+300*rng.Float64(), -40+80*rng.Float64()
		r := journal.New("face_liveness", "image", "shadow", p, &prevalidate.Report{Width: 1000, Height: 1000,
			Faces: []prevalidate.Face{{Box: [4]int{300, 300, int(size), int(size)}, Size: size, IPD: 0.4 * size, Yaw: yaw}}}, false)
		r.Verdict = &journal.Verdict{State: "SUCCESS", Status: 200, Result: &yes}
		if size < 250 {
			r.Verdict = &journal.Verdict{State: "SUCCESS", Status: 400, Result: &no, Code: "FACE_TOO_SMALL"}
		} else if math.Abs(yaw) > 18 {
			r.Verdict = &journal.Verdict{State: "SUCCESS", Status: 400, Result: &no, Code: "FACE_ANGLE_TOO_LARGE"}
		}
		w.Write(r)
	}
	w.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"journal":1,"service":"face_li` + "\n")
	f.Close()
}

// calibrate over a shadow journal: the table proposes thresholds near the
// hidden cut-offs, the damaged line is named, and the profile it writes is
// one check takes as it is. Too few records: no profile.
func TestCalibrateCommand(t *testing.T) {
	dir := t.TempDir()
	j := filepath.Join(dir, "verdicts.jsonl")
	writeTraffic(t, j, 500)
	out := filepath.Join(dir, "calibrated.json")
	report := filepath.Join(dir, "calibration.html")
	stdout, stderr, code := facegate(t, "calibrate", "--profile-out", out, "--report", report, j)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	t.Logf("calibrate:\n%s%s", stdout, stderr)
	if !strings.Contains(stderr, "line 501") || !strings.Contains(stderr, "500 records") {
		t.Errorf("stderr %q: want the damaged line 501 named and 500 records", stderr)
	}
	m := regexp.MustCompile(`(?m)^FACE_TOO_SMALL/face_size\s+224\s+([0-9.]+)`).FindStringSubmatch(stdout)
	y := regexp.MustCompile(`(?m)^FACE_ANGLE_TOO_LARGE/yaw_pitch\s+25\s+([0-9.]+)`).FindStringSubmatch(stdout)
	if m == nil || y == nil {
		t.Fatalf("table:\n%s", stdout)
	}
	if v, _ := strconv.ParseFloat(m[1], 64); math.Abs(v-250) > 3 {
		t.Errorf("face size proposed %v, hidden 250:\n%s", v, stdout)
	}
	if v, _ := strconv.ParseFloat(y[1], 64); math.Abs(v-18) > 1 {
		t.Errorf("yaw proposed %v, hidden 18:\n%s", v, stdout)
	}
	// The same as JSON: the proposals agree with the table.
	js, _, code := facegate(t, "calibrate", "--json", j)
	var doc struct {
		Rules []struct {
			Rule     string   `json:"rule"`
			Current  float64  `json:"current"`
			Proposed *float64 `json:"proposed"`
		} `json:"rules"`
		Records int `json:"records"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil || code != 0 || doc.Records != 500 {
		t.Fatalf("--json: exit %d, %v: %s", code, err, js)
	}
	for _, r := range doc.Rules {
		if r.Rule == "FACE_TOO_SMALL/face_size" && (r.Proposed == nil || math.Abs(*r.Proposed-250) > 3) {
			t.Errorf("--json face size: %+v", r)
		}
	}
	html, err := os.ReadFile(report)
	if err != nil || strings.Count(string(html), "<svg") < 3 || !strings.Contains(string(html), "proposed 250") || !strings.Contains(string(html), "current 224") {
		t.Errorf("calibration report: %v, %d charts", err, strings.Count(string(html), "<svg"))
	}
	// As a browser draws it: accepted (blue) and rejected (red) bars.
	browser := chromiumIfAny()
	if browser == "" && os.Getenv("CI") == "true" {
		t.Error("no chromium on PATH (make test installs Debian's chromium)")
	}
	if browser != "" {
		shown, _ := screenshot(t, browser, report, 1000, 1400)
		blue, red := countColours(shown, [3]uint32{0x2e, 0x86, 0xc1}, [3]uint32{0xc0, 0x39, 0x2b})
		if blue < 3000 || red < 3000 {
			t.Errorf("calibration report: %d px of accepted bars, %d of rejected", blue, red)
		}
	}
	p, err := prevalidate.LoadProfile(out)
	if err != nil {
		t.Fatal(err)
	}
	if th, _ := p.Threshold(prevalidate.RuleID{Code: prevalidate.FaceTooSmall, Key: prevalidate.KeyFaceSize}); math.Abs(th-250) > 3 || p.Name != "progeny-calibrated" {
		t.Errorf("written profile %q: face size %v", p.Name, th)
	}
	if _, stderr, code := facegate(t, "profile", "check", out); code != 0 {
		t.Errorf("profile check of the written profile: exit %d %s", code, stderr)
	}
	few := filepath.Join(dir, "few.jsonl")
	writeTraffic(t, few, 20)
	if _, stderr, code := facegate(t, "calibrate", "--profile-out", filepath.Join(dir, "no.json"), few); code != 2 || !strings.Contains(stderr, "no threshold") {
		t.Errorf("too few records: exit %d %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "no.json")); err == nil {
		t.Error("a profile was written from too few records")
	}
}
