package main

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
)

// chromium finds Debian's headless browser; outside CI its absence skips.
func chromium(t *testing.T) string {
	t.Helper()
	if p := chromiumIfAny(); p != "" {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium on PATH (make test installs Debian's chromium)")
	}
	t.Skip("no chromium on PATH: apt-get install chromium (make test does) to render the report")
	return ""
}

// chromiumIfAny is the browser's path, "" without one (and not under CI,
// where make test installs it: there its absence fails).
func chromiumIfAny() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// The HTML report, rendered by a real browser: the code chart, the
// histograms and the gallery's thumbnails with their face boxes are drawn
// (counted from the screenshot's pixels), not blank.
func TestReportInBrowser(t *testing.T) {
	testsupport.RequireNative(t)
	browser := chromium(t)
	dir := t.TempDir()
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/obama-240p.jpg", "faces-fr/two_people.jpg", "faces-gf/bona2.jpg", "faces-fr/obama_small.jpg"} {
		b, err := os.ReadFile(testsupport.CorpusPath(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, filepath.Base(rel)), b, 0o644)
	}
	report := filepath.Join(t.TempDir(), "report.html")
	if _, stderr, code := facegate(t, "check", "--report", report, dir); code != 1 {
		t.Fatalf("check: exit %d: %s", code, stderr)
	}
	html, _ := os.ReadFile(report)
	if n := strings.Count(string(html), "data:image/jpeg;base64,"); n != 4 {
		t.Errorf("%d thumbnails in the report, want the 4 failing images", n)
	}
	img, shot := screenshot(t, browser, report, 1280, 2400)
	var bars, hist, boxes, photo int
	bnd := img.Bounds()
	for y := bnd.Min.Y; y < bnd.Max.Y; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			r, g, b = r>>8, g>>8, b>>8
			switch {
			case near(r, g, b, [3]uint32{0xc0, 0x39, 0x2b}, 6):
				bars++ // the code chart's bars (and threshold lines)
			case near(r, g, b, [3]uint32{0x2e, 0x86, 0xc1}, 6):
				hist++ // histogram bars
			case r > 200 && g < 60 && b < 60:
				boxes++ // the face boxes drawn on the thumbnails
			case max(r, g, b)-min(r, g, b) > 40 || (r+g+b < 600 && r+g+b > 60 && max(r, g, b)-min(r, g, b) > 12):
				photo++ // coloured pixels: the photos
			}
		}
	}
	t.Logf("screenshot %v: %d chart, %d histogram, %d face-box and %d photo pixels", bnd.Size(), bars, hist, boxes, photo)
	if bars < 1000 || hist < 5000 || boxes < 200 || photo < 20000 {
		t.Errorf("the report looks blank somewhere: %d chart, %d histogram, %d face-box, %d photo pixels (screenshot %s)", bars, hist, boxes, photo, shot)
	}
}

// screenshot renders page in the headless browser at w x h and returns
// the picture and where its PNG is.
func screenshot(t *testing.T, browser, page string, w, h int) (image.Image, string) {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "screenshot.png")
	// The virtual-time budget and the compositor flag make the shot wait
	// for the page's images to be decoded and drawn: on a loaded machine a
	// shot taken at first paint missed thumbnails.
	cmd := exec.Command(browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", fmt.Sprintf("--window-size=%d,%d", w, h),
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000",
		"--user-data-dir="+t.TempDir(), "--screenshot="+shot, "file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img, shot
}

// near says whether an 8-bit colour is within tol of c on every channel.
func near(r, g, b uint32, c [3]uint32, tol uint32) bool {
	d := func(x, y uint32) uint32 { return max(x, y) - min(x, y) }
	return d(r, c[0]) <= tol && d(g, c[1]) <= tol && d(b, c[2]) <= tol
}

// countColours counts a picture's pixels within 8 of each of two colours.
func countColours(img image.Image, a, b [3]uint32) (na, nb int) {
	bnd := img.Bounds()
	for y := bnd.Min.Y; y < bnd.Max.Y; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if near(r, g, bl, a, 8) {
				na++
			} else if near(r, g, bl, b, 8) {
				nb++
			}
		}
	}
	return na, nb
}
