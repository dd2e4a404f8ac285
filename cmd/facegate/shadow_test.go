package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/codec"
	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/journal"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/progeny"
	"github.com/facegate/facegate/progeny/progenytest"
)

// The hidden cut-offs of the fake provider in the shadow-traffic test:
// facegate's defaults are 224 px and 25°.
const (
	hiddenFace = 250
	hiddenYaw  = 18
)

// hiddenJudge is a provider whose cut-offs differ from facegate's: it
// rejects an image with the first error code facegate's rules give under
// the hidden thresholds, as Progeny answers with one code.
func hiddenJudge(t *testing.T) func(string, []byte) progenytest.Verdict {
	hidden := prevalidate.Progeny()
	for i := range hidden.Rules {
		switch hidden.Rules[i].Key {
		case prevalidate.KeyFaceSize:
			hidden.Rules[i].Threshold = hiddenFace
		case prevalidate.KeyYawPitch:
			hidden.Rules[i].Threshold = hiddenYaw
		}
	}
	return func(_ string, image []byte) progenytest.Verdict {
		rep, err := prevalidate.CheckBytes(context.Background(), image, &prevalidate.Options{Profile: hidden})
		if err != nil {
			t.Errorf("the fake provider could not check an image: %v", err)
			return progenytest.Verdict{Code: "INTERNAL", Message: err.Error()}
		}
		for _, is := range rep.Issues {
			if is.Severity == prevalidate.SeverityError {
				return progenytest.Verdict{Code: string(is.Code), Message: is.Message}
			}
		}
		return progenytest.Verdict{OK: true}
	}
}

// variant is one image of the traffic.
type variant struct {
	name string
	data []byte
	held bool // held back from calibration, for the re-check
}

// portrait is a corpus photo of one face, upright, and its report.
type portrait struct {
	rel string
	img image.Image
	rep *prevalidate.Report
}

// portraits are the corpus photos with one face, upright, large enough to
// be scaled to the face sizes around the cut-offs, and failing no rule but
// the two being calibrated (and warnings), decoded.
func portraits(t *testing.T) []portrait {
	var out []portrait
	for _, e := range testsupport.Manifest(t) {
		if (e.Format != "JPEG" && e.Format != "PNG") || strings.HasPrefix(e.Notes, "no face") || strings.HasPrefix(e.Notes, "<480px") {
			continue
		}
		data, err := os.ReadFile(testsupport.CorpusPath(t, e.Path))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := prevalidate.CheckBytes(context.Background(), data, nil)
		if err != nil || rep.Orientation != 1 || len(rep.Faces) != 1 || rep.Faces[0].Size < 190 {
			continue
		}
		if slices.ContainsFunc(rep.Issues, func(is prevalidate.Issue) bool {
			return is.Severity == prevalidate.SeverityError && is.Code != prevalidate.FaceTooSmall && is.Code != prevalidate.FaceAngleTooLarge
		}) {
			continue
		}
		var img image.Image
		if e.Format == "JPEG" {
			img, err = codec.DecodeJPEG(data, 8, nil)
		} else {
			img, _, err = image.Decode(bytes.NewReader(data))
		}
		if err != nil {
			t.Fatalf("%s: %v", e.Path, err)
		}
		out = append(out, portrait{e.Path, img, rep})
	}
	return out
}

// shadowSizes are the face sizes each portrait is scaled to: dense around
// both the default threshold and the hidden one.
var shadowSizes = []float64{200, 215, 228, 238, 245, 253, 260, 272, 300}

// makeTraffic turns each portrait into variants: scaled so that its face
// has each of shadowSizes (cropped around the face to at most 1080 px a
// side, as a selfie app sends), mirrored, and every third one stored
// turned with an EXIF orientation. One size in four of each portrait is
// held back, all its variants with it. Two portraits at a time.
func makeTraffic(t *testing.T, ps []portrait) []variant {
	enc := func(img image.Image) []byte {
		b, err := codec.EncodeJPEG(img, 92)
		if err != nil {
			t.Error(err)
		}
		return b
	}
	each := make([][]variant, len(ps))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, p := range ps {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			face := p.rep.Faces[0]
			b := p.img.Bounds()
			for j, size := range shadowSizes {
				k := size / face.Size
				if k > 1.1 {
					continue // more than a little upscaling makes a blurred photo
				}
				// The window around the face, in the source's pixels.
				w := min(float64(b.Dx()), 3.2*face.Size, 1080/k)
				h := min(float64(b.Dy()), 4*face.Size, 1080/k)
				cx := float64(face.Box[0]) + float64(face.Box[2])/2
				cy := float64(face.Box[1]) + float64(face.Box[3])/2
				x0 := math.Max(0, math.Min(cx-w/2, float64(b.Dx())-w))
				y0 := math.Max(0, math.Min(cy-0.45*h, float64(b.Dy())-h))
				r := image.Rect(int(x0), int(y0), int(x0+w), int(y0+h)).Add(b.Min)
				img := samples.Scaled(imaging.Crop(p.img, r), k)
				held := (i+j)%4 == 0
				name := fmt.Sprintf("%02d-%s-%d", i, strings.ReplaceAll(strings.TrimSuffix(filepath.Base(p.rel), filepath.Ext(p.rel)), " ", "_"), int(size))
				each[i] = append(each[i], variant{name + ".jpg", enc(img), held}, variant{name + "-mirrored.jpg", enc(imaging.FlipH(img)), held})
				if j%3 == 1 { // stored turned a quarter counter-clockwise, tagged to turn back
					turned := samples.InsertAPP1(enc(imaging.Rotate90(img)), samples.OrientationTIFF(exif.Rotate90CW))
					each[i] = append(each[i], variant{name + "-turned.jpg", turned, held})
				}
			}
		})
	}
	wg.Wait()
	return slices.Concat(each...)
}

// lines counts the lines of a file.
func lines(t *testing.T, path string) int {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return bytes.Count(data, []byte("\n"))
}

// The issue's whole loop: shadow-mode traffic over the corpus's portraits
// and variants of them goes through the real proxy to a provider with
// hidden cut-offs (faces under 250 px, yaw or pitch beyond 18°); calibrate
// reads the journal and proposes face-size and yaw thresholds within the
// data's spacing of the hidden ones; the profile it writes, given to
// check, makes fewer costly mistakes on held-back traffic than the
// default profile. The journal holds no credential.
func TestCalibrateFromShadowTraffic(t *testing.T) {
	testsupport.RequireNative(t)
	if testing.Short() {
		t.Skip("the shadow-traffic calibration runs in the full pass, not -short")
	}
	t0 := time.Now()
	rels := portraits(t)
	if len(rels) < 12 {
		t.Fatalf("%d portraits in the corpus, want at least 12", len(rels))
	}
	traffic := makeTraffic(t, rels)
	t.Logf("%d portraits, %d images of traffic (%.1f s to make)", len(rels), len(traffic), time.Since(t0).Seconds())
	t1 := time.Now()

	up := progenytest.NewServer(progenytest.Options{Judge: hiddenJudge(t)})
	defer up.Close()
	dir := t.TempDir()
	jpath := filepath.Join(dir, "verdicts.jsonl")
	proxy, _ := serveProcess(t, "--upstream", up.URL, "--mode", "shadow", "--journal", jpath)
	const password = "secret"
	client, err := progeny.NewClient(proxy+"/api/v3", progeny.WithCredentials("user", password),
		progeny.WithPolling(progeny.Backoff{Initial: 10 * time.Millisecond, Max: 40 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}

	// rejected[name] is the provider's code for the image, "" = accepted.
	rejected := map[string]string{}
	var mu sync.Mutex
	send := func(vs []variant) {
		work := make(chan variant)
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				for v := range work {
					_, _, err := client.FaceLiveness(context.Background(), v.data, nil)
					var re *progeny.RejectedError
					code := ""
					switch {
					case errors.As(err, &re):
						code = re.Code
					case err != nil:
						t.Errorf("%s: %v", v.name, err)
					}
					mu.Lock()
					rejected[v.name] = code
					mu.Unlock()
				}
			})
		}
		for _, v := range vs {
			work <- v
		}
		close(work)
		wg.Wait()
	}
	var train, held []variant
	for _, v := range traffic {
		if v.held {
			held = append(held, v)
		} else {
			train = append(train, v)
		}
	}
	// The training traffic first: its records are the journal's first
	// lines (each is written when the client's final poll passes).
	send(train)
	for deadline := time.Now().Add(10 * time.Second); lines(t, jpath) < len(train) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if n := lines(t, jpath); n != len(train) {
		t.Fatalf("%d journal records for %d images sent", n, len(train))
	}
	send(held)
	t.Logf("traffic sent through the proxy in %.1f s", time.Since(t1).Seconds())

	data, err := os.ReadFile(jpath)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{password, "Bearer", "eyJ", "access", "refresh"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("the journal holds %q", secret)
		}
	}
	trainJournal := filepath.Join(dir, "train.jsonl")
	nl := 0
	for i := 0; i < len(train); i++ {
		nl += bytes.IndexByte(data[nl:], '\n') + 1
	}
	if err := os.WriteFile(trainJournal, data[:nl], 0o600); err != nil {
		t.Fatal(err)
	}
	var recs []journal.Record
	if skipped, err := journal.Read(bytes.NewReader(data[:nl]), func(r journal.Record) error { recs = append(recs, r); return nil }); err != nil || len(skipped) > 0 {
		t.Fatalf("journal: %v, skipped %v", err, skipped)
	}
	verdicts := map[string]int{}
	for _, r := range recs {
		if r.Mode != "shadow" || r.Verdict == nil || r.Verdict.State != "SUCCESS" {
			t.Fatalf("record %+v, verdict %+v", r, r.Verdict)
		}
		verdicts[cmp.Or(r.Verdict.Code, "accepted")]++
	}
	t.Logf("training journal: %d records: %v", len(recs), verdicts)
	if verdicts["FACE_TOO_SMALL"] < 20 || verdicts["FACE_ANGLE_TOO_LARGE"] < 10 || verdicts["accepted"] < 20 {
		t.Fatalf("the traffic does not straddle the cut-offs: %v", verdicts)
	}
	if keep := os.Getenv("FACEGATE_KEEP_TRAFFIC"); keep != "" {
		os.WriteFile(keep, data[:nl], 0o600) // to look at the calibration by hand
	}

	// Calibrate, as the README says.
	profileOut := filepath.Join(dir, "calibrated.json")
	stdout, stderr, code := facegate(t, "calibrate", "--profile-out", profileOut, "--report", filepath.Join(dir, "calibration.html"), trainJournal)
	if code != 0 {
		t.Fatalf("calibrate: exit %d\n%s%s", code, stdout, stderr)
	}
	t.Logf("calibrate:\n%s%s", stdout, stderr)
	proposed := func(rule string) float64 {
		m := regexp.MustCompile(`(?m)^` + rule + `\s+\S+\s+([0-9.]+)\s`).FindStringSubmatch(stdout)
		if m == nil {
			t.Fatalf("no proposal for %s", rule)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	faceOf := func(r *journal.Record) (float64, bool) {
		return r.Measures.Faces[0].Size, r.Verdict.Code == "FACE_TOO_SMALL"
	}
	angleOf := func(r *journal.Record) (float64, bool) {
		f := r.Measures.Faces[0]
		return math.Max(math.Abs(f.Yaw), math.Abs(f.Pitch)), r.Verdict.Code == "FACE_ANGLE_TOO_LARGE"
	}
	for _, c := range []struct {
		rule    string
		hidden  float64
		measure func(*journal.Record) (float64, bool)
	}{
		{"FACE_TOO_SMALL/face_size", hiddenFace, faceOf},
		{"FACE_ANGLE_TOO_LARGE/yaw_pitch", hiddenYaw, angleOf},
	} {
		// The spacing: the gap between the nearest measures either side of
		// the hidden cut-off, over the records the rule was calibrated on
		// (accepted, or rejected for its code).
		lo, hi := math.Inf(-1), math.Inf(1)
		for i := range recs {
			r := &recs[i]
			if len(r.Measures.Faces) == 0 {
				continue
			}
			v, own := c.measure(r)
			if r.Verdict.Code != "" && !own {
				continue
			}
			if v < c.hidden {
				lo = math.Max(lo, v)
			} else {
				hi = math.Min(hi, v)
			}
		}
		got := proposed(c.rule)
		if math.Abs(got-c.hidden) > hi-lo {
			t.Errorf("%s: proposed %g, hidden %g; the data's spacing there is %.2f (%.2f..%.2f)", c.rule, got, c.hidden, hi-lo, lo, hi)
		} else {
			t.Logf("%s: proposed %g, hidden %g, spacing %.2f (%.2f..%.2f)", c.rule, got, c.hidden, hi-lo, lo, hi)
		}
	}

	// Re-check the held-back traffic with each profile, as files.
	heldDir := filepath.Join(dir, "held")
	os.Mkdir(heldDir, 0o755)
	for _, v := range held {
		write(t, heldDir, v.name, v.data)
	}
	cost := func(args ...string) (wasted, retakes int) {
		stdout, stderr, code := facegate(t, append(append([]string{"check", "--json"}, args...), heldDir)...)
		if code > 1 {
			t.Fatalf("check %v: exit %d: %s", args, code, stderr)
		}
		recs := records(t, stdout)
		if len(recs) != len(held) {
			t.Fatalf("check %v: %d records for %d images", args, len(recs), len(held))
		}
		for _, r := range recs {
			switch provider := rejected[filepath.Base(r.Path)]; {
			case r.OK && provider != "":
				wasted++
			case !r.OK && provider == "":
				retakes++
			}
		}
		return wasted, retakes
	}
	dw, dr := cost()
	cw, cr := cost("--profile-file", profileOut)
	dc, cc := dw+3*dr, cw+3*cr
	t.Logf("held-back traffic (%d images): default profile %d wasted calls, %d needless retakes (cost %d); calibrated %d and %d (cost %d)",
		len(held), dw, dr, dc, cw, cr, cc)
	if dc == 0 || cc >= dc {
		t.Errorf("on held-back traffic the calibrated profile costs %d, the default %d", cc, dc)
	}
}
