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
	"image/color"
	"image/draw"
	_ "image/jpeg"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/disintegration/imaging"

	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/facecheck"
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
		"smooth":   smooth(rgba, lm, ipd),
		"beautify": bilateral(rgba, lm, ipd),
		"saturate": pointwise(rgba, saturate(1.4)),
		"contrast": pointwise(rgba, contrast(1.3)),
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

// hull is the face's skin area: inside the jaw line and the brows, less
// the eyes and the mouth (a mask, 0..1, feathered by a blur).
func skinMask(b image.Rectangle, lm []image.Point, ipd float64) *image.Gray {
	m := image.NewGray(b)
	poly := append(slices.Clone(lm[0:17]), lm[26], lm[24], lm[19], lm[17])
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if inside(poly, image.Pt(x, y)) {
				m.SetGray(x, y, color.Gray{255})
			}
		}
	}
	holes := []image.Rectangle{box(lm[36:42], 0.12*ipd), box(lm[42:48], 0.12*ipd), box(lm[48:60], 0.08*ipd), box(lm[17:27], 0.05*ipd)}
	for _, h := range holes {
		draw.Draw(m, h, image.Black, image.Point{}, draw.Src)
	}
	soft := imaging.Blur(m, 0.05*ipd)
	out := image.NewGray(b)
	for i := range out.Pix {
		out.Pix[i] = soft.Pix[4*i]
	}
	return out
}

func box(pts []image.Point, margin float64) image.Rectangle {
	r := image.Rectangle{Min: pts[0], Max: pts[0].Add(image.Pt(1, 1))}
	for _, p := range pts[1:] {
		r = r.Union(image.Rectangle{Min: p, Max: p.Add(image.Pt(1, 1))})
	}
	return r.Inset(-int(math.Round(margin)))
}

func inside(poly []image.Point, p image.Point) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, c := poly[i], poly[j]
		if (a.Y > p.Y) != (c.Y > p.Y) && float64(p.X) < float64(c.X-a.X)*float64(p.Y-a.Y)/float64(c.Y-a.Y)+float64(a.X) {
			in = !in
		}
	}
	return in
}

// smooth blurs the skin (Gaussian, sigma 0.06 eye distances) under the
// feathered skin mask: what "smooth skin" retouching does.
func smooth(img *image.NRGBA, lm []image.Point, ipd float64) image.Image {
	blur := imaging.Blur(img, 0.06*ipd)
	return blend(img, blur, skinMask(img.Bounds(), lm, ipd))
}

// bilateral is an edge-preserving smoothing of the whole face (sigma 0.08
// eye distances, range sigma 20 levels): "beautify".
func bilateral(img *image.NRGBA, lm []image.Point, ipd float64) image.Image {
	out := imaging.Clone(img)
	face := box(lm[0:27], 0.1*ipd).Intersect(img.Bounds())
	ss := 0.08 * ipd
	rad := int(math.Ceil(2 * ss))
	const sr = 20.0
	for y := face.Min.Y; y < face.Max.Y; y++ {
		for x := face.Min.X; x < face.Max.X; x++ {
			c := img.NRGBAAt(x, y)
			var s [3]float64
			var wsum float64
			for dy := -rad; dy <= rad; dy++ {
				for dx := -rad; dx <= rad; dx++ {
					q := image.Pt(x+dx, y+dy)
					if !q.In(img.Bounds()) {
						continue
					}
					n := img.NRGBAAt(q.X, q.Y)
					dr, dg, db := float64(n.R)-float64(c.R), float64(n.G)-float64(c.G), float64(n.B)-float64(c.B)
					w := math.Exp(-float64(dx*dx+dy*dy)/(2*ss*ss) - (dr*dr+dg*dg+db*db)/(2*sr*sr))
					s[0] += w * float64(n.R)
					s[1] += w * float64(n.G)
					s[2] += w * float64(n.B)
					wsum += w
				}
			}
			out.SetNRGBA(x, y, color.NRGBA{uint8(s[0]/wsum + 0.5), uint8(s[1]/wsum + 0.5), uint8(s[2]/wsum + 0.5), 255})
		}
	}
	return out
}

func blend(a, b *image.NRGBA, m *image.Gray) image.Image {
	out := imaging.Clone(a)
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		for x := a.Rect.Min.X; x < a.Rect.Max.X; x++ {
			w := float64(m.GrayAt(x, y).Y) / 255
			if w == 0 {
				continue
			}
			p, q := a.NRGBAAt(x, y), b.NRGBAAt(x, y)
			mix := func(u, v uint8) uint8 { return uint8(float64(u)*(1-w) + float64(v)*w + 0.5) }
			out.SetNRGBA(x, y, color.NRGBA{mix(p.R, q.R), mix(p.G, q.G), mix(p.B, q.B), 255})
		}
	}
	return out
}

func pointwise(img *image.NRGBA, f func(color.NRGBA) color.NRGBA) image.Image {
	out := imaging.Clone(img)
	for i := 0; i+3 < len(out.Pix); i += 4 {
		c := f(color.NRGBA{out.Pix[i], out.Pix[i+1], out.Pix[i+2], 255})
		out.Pix[i], out.Pix[i+1], out.Pix[i+2] = c.R, c.G, c.B
	}
	return out
}

func clamp(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(v)))) }

// saturate scales each pixel's distance from its grey by k.
func saturate(k float64) func(color.NRGBA) color.NRGBA {
	return func(c color.NRGBA) color.NRGBA {
		y := 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)
		return color.NRGBA{clamp(y + k*(float64(c.R)-y)), clamp(y + k*(float64(c.G)-y)), clamp(y + k*(float64(c.B)-y)), 255}
	}
}

// contrast scales each channel's distance from mid-grey by k.
func contrast(k float64) func(color.NRGBA) color.NRGBA {
	return func(c color.NRGBA) color.NRGBA {
		f := func(v uint8) uint8 { return clamp(128 + k*(float64(v)-128)) }
		return color.NRGBA{f(c.R), f(c.G), f(c.B), 255}
	}
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
