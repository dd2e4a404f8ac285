package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"image"
	_ "image/jpeg"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/quality/iso"
)

// check --iso records every measure of each face; --csv gains OFIQ's
// columns; report draws the section; compare tells a darkened copy of a
// set from the set, in the luminance components and not in the geometry.
func TestISOCommands(t *testing.T) {
	testsupport.RequireNative(t)
	dir := t.TempDir()
	orig, dark := filepath.Join(dir, "orig"), filepath.Join(dir, "dark")
	os.Mkdir(orig, 0o755)
	os.Mkdir(dark, 0o755)
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/biden2.jpg", "faces-fr-knn/train/rose_leslie/img2.jpg", "faces-fr-knn/train/alex_lacamoire/img1.jpg"} {
		data, err := os.ReadFile(testsupport.CorpusPath(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		name := strings.ReplaceAll(rel, "/", "_")
		write(t, orig, name, data)
		if err := imaging.Save(imaging.AdjustBrightness(img, -60), filepath.Join(dark, name), imaging.JPEGQuality(95)); err != nil {
			t.Fatal(err)
		}
	}
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	for _, run := range [][2]string{{orig, a}, {dark, b}} {
		stdout, stderr, code := facegate(t, "check", "--json", "--iso", "--csv", run[1]+".csv", run[0])
		if code > 1 {
			t.Fatalf("check --iso: exit %d: %s", code, stderr)
		}
		recs := records(t, stdout)
		if len(recs) != 4 {
			t.Fatalf("%d records", len(recs))
		}
		for _, r := range recs {
			if len(r.Faces) == 0 || len(r.Faces[0].ISO) != len(iso.Measures()) {
				t.Fatalf("%s: faces %+v", r.Path, r.Faces)
			}
		}
		os.WriteFile(run[1], []byte(stdout), 0o600)
		f, _ := os.Open(run[1] + ".csv")
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(rows) != 5 || !slices.Contains(rows[0], "LuminanceMean.scalar") || len(rows[1]) != len(rows[0]) {
			t.Errorf("csv: %v, %d rows, header %v", err, len(rows), rows[0])
		}
	}
	plot := filepath.Join(dir, "compare.html")
	stdout, stderr, code := facegate(t, "compare", "--plot", plot, a, b)
	if code != 0 {
		t.Fatalf("compare: exit %d: %s", code, stderr)
	}
	t.Logf("compare:\n%s", stdout)
	shift := func(name string) float64 {
		m := regexp.MustCompile(`(?m)^` + name + `\s+\S+\s+\S+\s+\S+\s+([-+][0-9.]+)\s`).FindStringSubmatch(stdout)
		if m == nil {
			t.Fatalf("no %s row", name)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	if s := shift(iso.LuminanceMean); s > -20 {
		t.Errorf("darkened: LuminanceMean median shift %+.1f", s)
	}
	for _, name := range []string{iso.InterEyeDistance, iso.LeftwardCropOfTheFaceImage, iso.MarginBelowOfTheFaceImage} {
		if s := shift(name); s < -5 || s > 5 {
			t.Errorf("darkened: %s moved %+.1f", name, s)
		}
	}
	// The same as JSON.
	js, _, code := facegate(t, "compare", "--json", a, b)
	var cmp struct {
		Components []struct {
			Component string  `json:"component"`
			Shift     float64 `json:"median_shift"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(js), &cmp); err != nil || code != 0 || len(cmp.Components) == 0 {
		t.Errorf("compare --json: exit %d %v", code, err)
	}
	for _, c := range cmp.Components {
		if c.Component == iso.LuminanceMean && math.Abs(c.Shift-shift(iso.LuminanceMean)) > 0.06 {
			t.Errorf("compare --json: LuminanceMean shift %v, the table's %v", c.Shift, shift(iso.LuminanceMean))
		}
	}
	if html, err := os.ReadFile(plot); err != nil || strings.Count(string(html), "<svg") < 15 {
		t.Errorf("plot: %v", err)
	}
	// The plot, as a browser draws it: both runs' bars, per component.
	shown, _ := screenshot(t, chromium(t), plot, 1400, 1800)
	blue, orange := countColours(shown, [3]uint32{130, 182, 218}, [3]uint32{235, 152, 78})
	if blue < 2000 || orange < 2000 {
		t.Errorf("compare plot: %d px of A's bars, %d of B's", blue, orange)
	} else {
		t.Logf("compare plot: %d px of A's bars, %d of B's", blue, orange)
	}
	rep := filepath.Join(dir, "report.html")
	if _, stderr, code := facegate(t, "report", "-o", rep, a); code != 0 {
		t.Fatalf("report: %s", stderr)
	}
	if html, _ := os.ReadFile(rep); !strings.Contains(string(html), "ISO/IEC 29794-5 quality components") || !strings.Contains(string(html), "<td>LuminanceMean</td><td>0x44</td><td>ofiq</td><td>4</td>") {
		t.Error("report: no ISO section")
	}
	if stdout, _, code := facegate(t, "iso"); code != 0 || strings.Count(stdout, "\n") != len(iso.Measures())+1 || !strings.Contains(stdout, "UnifiedQualityScore          0x41  none") {
		t.Errorf("iso: exit %d\n%s", code, stdout)
	}
	var measures []struct{ Name, ID, How string }
	if js, _, code := facegate(t, "iso", "--json"); code != 0 || json.Unmarshal([]byte(js), &measures) != nil || len(measures) != len(iso.Measures()) {
		t.Errorf("iso --json: exit %d, %d measures", code, len(measures))
	}
	// Records without components: a clear refusal.
	plain := filepath.Join(dir, "plain.jsonl")
	stdout, _, _ = facegate(t, "check", "--json", orig)
	os.WriteFile(plain, []byte(stdout), 0o600)
	if _, stderr, code := facegate(t, "compare", plain, a); code != 2 || !strings.Contains(stderr, "--iso") {
		t.Errorf("compare without components: exit %d %q", code, stderr)
	}
}
