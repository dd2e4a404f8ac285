package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"os"
	"strings"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/prevalidate"
)

// Gallery bounds: a report of 50,000 images still has a page of sane size.
const (
	thumbsPerCode = 8
	thumbsTotal   = 160
	thumbHeight   = 160
	thumbMaxBytes = 50 << 20 // inputs over this are not read for a thumbnail
	thumbMaxPix   = 100e6    // nor those declaring more pixels (checked from the header)
)

// thumb is one failing image in the gallery: a small copy with the largest
// face's box and eyes drawn, and the rule it fails.
type thumb struct {
	Src     template.URL // data: URI of a JPEG
	Path    string
	Code    string
	Message string
}

// Breakable is the path with a line-break opportunity after each / and
// !, so a long path wraps at its folders, never inside a word.
func (t thumb) Breakable() template.HTML {
	e := template.HTMLEscapeString(t.Path)
	e = strings.ReplaceAll(e, "/", "/<wbr>")
	return template.HTML(strings.ReplaceAll(e, "!", "!<wbr>"))
}

// gallery is the thumbnails by first error code, in the order codes appear.
type gallery struct {
	byCode map[string][]thumb
	more   map[string]int // failing images of the code without a thumbnail
	total  int
}

func newGallery() *gallery { return &gallery{byCode: map[string][]thumb{}, more: map[string]int{}} }

// add makes a thumbnail of a failing image when its code's gallery has
// room. An image that cannot be read again (an archive entry, a file gone
// or unreadable) is counted, not drawn.
func (g *gallery) add(r *prevalidate.Report) {
	var is *prevalidate.Issue
	for i := range r.Issues {
		if r.Issues[i].Severity == prevalidate.SeverityError {
			is = &r.Issues[i]
			break
		}
	}
	if is == nil || r.OK {
		return
	}
	code := string(is.Code)
	if len(g.byCode[code]) >= thumbsPerCode || g.total >= thumbsTotal {
		g.more[code]++
		return
	}
	src, err := thumbnail(r)
	if err != nil {
		g.more[code]++
		return
	}
	g.byCode[code] = append(g.byCode[code], thumb{Src: src, Path: r.Path, Code: code, Message: is.Message})
	g.total++
}

// thumbnail reads the record's image again, upright, at thumbHeight, and
// draws the largest face's box (red) and eye centres (green) on it.
func thumbnail(r *prevalidate.Report) (template.URL, error) {
	st, err := os.Stat(r.Path)
	if err != nil || !st.Mode().IsRegular() || st.Size() > thumbMaxBytes || float64(r.Width)*float64(r.Height) > thumbMaxPix || r.Width <= 0 || r.Height <= 0 {
		return "", fmt.Errorf("not a readable file: %v", err)
	}
	data, err := os.ReadFile(r.Path)
	if err != nil {
		return "", err
	}
	img, err := prevalidate.DecodeUpright(data, thumbHeight, thumbMaxPix)
	if err != nil {
		return "", err
	}
	k := float64(thumbHeight) / float64(r.Height)
	w := max(1, int(math.Round(float64(r.Width)*k)))
	small := imaging.Resize(img, w, thumbHeight, imaging.Box)
	canvas := image.NewRGBA(small.Bounds())
	draw.Draw(canvas, canvas.Bounds(), small, image.Point{}, draw.Src)
	if len(r.Faces) > 0 {
		f := r.Faces[0]
		box := image.Rect(int(float64(f.Box[0])*k), int(float64(f.Box[1])*k), int(float64(f.Box[0]+f.Box[2])*k), int(float64(f.Box[1]+f.Box[3])*k))
		rect(canvas, box, color.RGBA{255, 0, 0, 255}, 2)
		for _, e := range f.EyePoints {
			c := image.Pt(int(e[0]*k), int(e[1]*k))
			draw.Draw(canvas, image.Rect(c.X-2, c.Y-2, c.X+3, c.Y+3), image.NewUniform(color.RGBA{0, 230, 0, 255}), image.Point{}, draw.Src)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, canvas, &jpeg.Options{Quality: 80}); err != nil {
		return "", err
	}
	return template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// rect draws the outline of r, t pixels thick.
func rect(dst draw.Image, r image.Rectangle, c color.Color, t int) {
	u := image.NewUniform(c)
	for _, s := range []image.Rectangle{
		image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+t), image.Rect(r.Min.X, r.Max.Y-t, r.Max.X, r.Max.Y),
		image.Rect(r.Min.X, r.Min.Y, r.Min.X+t, r.Max.Y), image.Rect(r.Max.X-t, r.Min.Y, r.Max.X, r.Max.Y),
	} {
		draw.Draw(dst, s.Intersect(dst.Bounds()), u, image.Point{}, draw.Src)
	}
}
