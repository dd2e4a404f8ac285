// Command filtereval measures how well quality.MeasureRetouch's measures
// tell real face photos from the same photos after filters applied here:
// skin smoothing (a blur under a skin mask), "beautify" (a bilateral
// filter over the face), a saturation boost and a contrast boost. Each
// photo with a 68-point face of at least 40 px between the eyes is scaled
// to an eye distance of at most 120 px (originals and filtered alike),
// filtered, and measured with the same landmarks.
//
// Photos split by the SHA-256 of their base name: an even last hex digit
// tunes (the thresholds are the 2nd/98th percentile of its originals), an
// odd one is held out and reported: originals flagged (false flags / clean)
// and each filter's photos flagged (found / filtered), with the AUC.
//
//	go run ./internal/cmd/filtereval DIR...   (benchmarks/filters.sh runs it)
//
// FG_SAVE=DIR writes each version of each photo there as PNG, to look at.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/disintegration/imaging"

	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/facecheck"
	"github.com/facegate/facegate/internal/retouchfx"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/quality"
)

type sample struct {
	name string
	held bool
	m    map[string]quality.Retouch // by version: "original", filters
}

var filters = []string{"smooth", "beautify", "saturate", "contrast"}

func main() {
	flag.Parse()
	an, err := prevalidate.LoadAnalyzer(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var samples []sample
	for _, dir := range flag.Args() {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			ext := strings.ToLower(filepath.Ext(path))
			if ext != ".jpg" && ext != ".jpeg" && ext != ".png" {
				return nil
			}
			if s, ok := measure(an, path); ok {
				samples = append(samples, s)
				fmt.Fprintf(os.Stderr, "%s: texture %.3f, skin saturation %.3f, chroma p99 %.3f\n", path, s.m["original"].Texture, s.m["original"].SkinSaturation, s.m["original"].Chroma99)
			}
			return nil
		})
	}
	report(samples)
}

func measure(an *facecheck.Analyzer, path string) (sample, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return sample{}, false
	}
	rep, err := prevalidate.CheckBytes(context.Background(), data, &prevalidate.Options{Faces: an, Landmarks: true})
	if err != nil || len(rep.Faces) == 0 || len(rep.Faces[0].Landmarks) != 68 || rep.Faces[0].IPD < 40 {
		return sample{}, false
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return sample{}, false
	}
	if info, err := exif.FromJPEG(data); err == nil {
		img = exif.Apply(img, info.Orientation)
	}
	f := rep.Faces[0]
	if img.Bounds().Dx() != rep.Width || img.Bounds().Dy() != rep.Height {
		return sample{}, false
	}
	k := math.Min(1, 120/f.IPD)
	w := int(math.Round(float64(rep.Width) * k))
	rgba := imaging.Resize(img, w, 0, imaging.Lanczos)
	k = float64(rgba.Bounds().Dx()) / float64(rep.Width)
	lm := make([]image.Point, 68)
	for i, p := range f.Landmarks {
		lm[i] = image.Pt(int(math.Round(float64(p[0])*k)), int(math.Round(float64(p[1])*k)))
	}
	ipd := f.IPD * k
	sum := sha256.Sum256([]byte(filepath.Base(path)))
	s := sample{name: path, held: sum[31]&1 == 1, m: map[string]quality.Retouch{}}
	versions := map[string]image.Image{
		"original": rgba,
		"smooth":   retouchfx.Smooth(rgba, lm, ipd),
		"beautify": retouchfx.Bilateral(rgba, lm, ipd),
		"saturate": retouchfx.Pointwise(rgba, retouchfx.Saturate(1.4)),
		"contrast": retouchfx.Pointwise(rgba, retouchfx.Contrast(1.3)),
	}
	if dir := os.Getenv("FG_SAVE"); dir != "" {
		for v, im := range versions {
			f, _ := os.Create(filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+"-"+v+".png"))
			png.Encode(f, im)
			f.Close()
		}
	}
	for v, im := range versions {
		r, ok := quality.MeasureRetouch(im, lm, ipd)
		if !ok {
			return sample{}, false
		}
		s.m[v] = r
	}
	return s, true
}

// The measures and the side a filter pushes them to.
var measures = []struct {
	name string
	get  func(quality.Retouch) float64
	low  bool // a filtered photo reads lower
}{
	{"texture", func(r quality.Retouch) float64 { return r.Texture }, true},
	{"skin_saturation", func(r quality.Retouch) float64 { return r.SkinSaturation }, false},
	{"chroma_p99", func(r quality.Retouch) float64 { return r.Chroma99 }, false},
}

func report(samples []sample) {
	var tune, held []sample
	for _, s := range samples {
		if s.held {
			held = append(held, s)
		} else {
			tune = append(tune, s)
		}
	}
	fmt.Printf("%d face photos: %d tune the thresholds, %d held out\n\n", len(samples), len(tune), len(held))
	fmt.Println("| measure | threshold (tuned) | held-out originals flagged | " + strings.Join(filters, " | ") + " |")
	fmt.Println("| --- | --- | --- |" + strings.Repeat(" --- |", len(filters)))
	for _, m := range measures {
		var orig []float64
		for _, s := range tune {
			orig = append(orig, m.get(s.m["original"]))
		}
		sort.Float64s(orig)
		q := 0.98
		if m.low {
			q = 0.02
		}
		t := orig[min(len(orig)-1, int(q*float64(len(orig))))]
		flag := func(v float64) bool {
			if m.low {
				return v < t
			}
			return v > t
		}
		row := fmt.Sprintf("| %s | %s %.3f | %s |", m.name, map[bool]string{true: "under", false: "over"}[m.low], t, count(held, "original", m.get, flag))
		for _, f := range filters {
			row += fmt.Sprintf(" %s, AUC %.2f |", count(held, f, m.get, flag), auc(held, f, m.get, m.low))
		}
		fmt.Println(row)
		for _, s := range held {
			if flag(m.get(s.m["original"])) {
				fmt.Fprintf(os.Stderr, "%s: false flag on %s (%.3f)\n", m.name, s.name, m.get(s.m["original"]))
			}
		}
	}
}

func count(ss []sample, v string, get func(quality.Retouch) float64, flag func(float64) bool) string {
	n := 0
	for _, s := range ss {
		if flag(get(s.m[v])) {
			n++
		}
	}
	return fmt.Sprintf("%d/%d", n, len(ss))
}

// auc is the chance that a filtered photo reads further to the filter's
// side than an original (ties count half).
func auc(ss []sample, v string, get func(quality.Retouch) float64, low bool) float64 {
	var wins float64
	for _, a := range ss {
		for _, b := range ss {
			x, y := get(a.m[v]), get(b.m["original"])
			if low {
				x, y = -x, -y
			}
			switch {
			case x > y:
				wins++
			case x == y:
				wins += 0.5
			}
		}
	}
	return wins / float64(len(ss)*len(ss))
}
