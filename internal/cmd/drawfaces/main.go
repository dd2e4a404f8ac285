// Command drawfaces draws what facegate's face finder sees on a photo:
// the box dlib's landmarks are fitted in (red), the 68 landmarks (green)
// and, with the keypoint detector, BlazeFace's six keypoints (blue), and
// writes a PNG to look at. With -aligned, it also writes the largest face
// as the ISO/IEC 29794-5 region components see it: warped into OFIQ's
// 616 x 616 frame, black outside the face region, its landmarks (green)
// and the two cheek zones (yellow). With -cover, it tints red what the
// face-surface model reads as covering each face and outlines the regions
// it measures (eyes red, nose yellow, mouth cyan, forehead green, lower
// face magenta), printing each region's covered share.
//
//	go run ./internal/cmd/drawfaces [-detector hog] [-turn DEG] [-max 1000] [-aligned face.png] [-cover] -o out.png photo.jpg
package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg"
	"image/png"
	"math"
	"os"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/facecheck"
	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/quality/iso"
)

func main() {
	detector := flag.String("detector", prevalidate.DetectorBlazeFace, "blazeface or hog")
	turn := flag.Float64("turn", 0, "turn the photo by this many degrees clockwise first")
	out := flag.String("o", "faces.png", "PNG to write")
	maxSide := flag.Int("max", 1000, "longest side of the PNG")
	aligned := flag.String("aligned", "", "also write the largest face aligned to OFIQ's frame to this PNG")
	cover := flag.Bool("cover", false, "draw what the face-surface model reads as covering each face")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: drawfaces [-detector hog] [-turn DEG] -o out.png photo")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *detector, *turn, *out, *maxSide, *aligned, *cover); err != nil {
		fmt.Fprintln(os.Stderr, "drawfaces:", err)
		os.Exit(1)
	}
}

func run(path, detector string, turn float64, out string, maxSide int, aligned string, cover bool) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	src, _, err := image.Decode(f)
	f.Close()
	if err != nil {
		return err
	}
	if info, err := exif.FromJPEG(data); err == nil {
		src = exif.Apply(src, info.Orientation)
	}
	if turn != 0 {
		src = samples.Turned(src, turn, color.RGBA{255, 255, 255, 255})
	}
	a, err := prevalidate.LoadAnalyzer(&prevalidate.AnalyzerOptions{Detector: detector})
	if err != nil {
		return err
	}
	ctx := context.Background()
	faces, err := a.Find(ctx, src, &facecheck.FindOptions{})
	if err != nil {
		return err
	}
	var keys []facecheck.KeyFace
	if detector != prevalidate.DetectorHOG {
		if keys, err = a.DetectKeypoints(ctx, src, nil); err != nil {
			return err
		}
	}
	img := image.NewRGBA(src.Bounds())
	draw.Draw(img, img.Bounds(), src, src.Bounds().Min, draw.Src)
	r := max(2, max(img.Bounds().Dx(), img.Bounds().Dy())/300)
	for _, fc := range faces {
		if cover {
			c, ok, err := a.MeasureSurface(src, &fc, true)
			if err != nil || !ok {
				return fmt.Errorf("face surface: %v", err)
			}
			drawCover(img, src, &c, fc.Landmarks, r/2+1)
		}
		rect(img, fc.Box, color.RGBA{255, 0, 0, 255}, r/2+1)
		for _, p := range fc.Landmarks {
			dot(img, float64(p.X), float64(p.Y), r, color.RGBA{0, 255, 0, 255})
		}
		fmt.Printf("face size %.0f ipd %.0f yaw %.1f pitch %.1f roll %.1f score %.2f box %v\n",
			fc.Size, fc.IPD, fc.Pose.Yaw, fc.Pose.Pitch, fc.Pose.Roll, fc.Score, fc.Box)
	}
	for _, k := range keys {
		for _, p := range k.Points {
			dot(img, p[0], p[1], r+1, color.RGBA{0, 80, 255, 255})
		}
		fmt.Printf("keypoints score %.2f roll %.1f\n", k.Score, k.Roll())
	}
	if aligned != "" && len(faces) > 0 {
		al, err := iso.Align(src, faces[0].Landmarks)
		if err != nil {
			return err
		}
		for _, c := range al.Cheeks {
			rect(al.Frame, c, color.RGBA{255, 220, 0, 255}, 2)
		}
		for _, p := range al.Landmarks {
			dot(al.Frame, float64(p.X), float64(p.Y), 2, color.RGBA{0, 255, 0, 255})
		}
		if err := writePNG(aligned, al.Frame); err != nil {
			return err
		}
	}
	var dst image.Image = img
	if s := max(img.Bounds().Dx(), img.Bounds().Dy()); s > maxSide {
		dst = imaging.Resize(img, img.Bounds().Dx()*maxSide/s, 0, imaging.Box)
	}
	return writePNG(out, dst)
}

// drawCover tints red the pixels whose cell of the model's map reads
// covered, and outlines the regions, printing their shares.
func drawCover(img *image.RGBA, src image.Image, c *facecheck.Cover, pts []image.Point, t int) {
	cr := c.Crop
	h := cr.Side / 2 * math.Sqrt2
	b := image.Rect(int(cr.CX-h), int(cr.CY-h), int(cr.CX+h), int(cr.CY+h)).Intersect(img.Bounds())
	ca, sa := math.Cos(cr.Angle), math.Sin(cr.Angle)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dx, dy := float64(x)+0.5-cr.CX, float64(y)+0.5-cr.CY
			u := (dx*ca+dy*sa)/cr.Side + 0.5
			v := (-dx*sa+dy*ca)/cr.Side + 0.5
			if u < 0 || v < 0 || u >= 1 || v >= 1 {
				continue
			}
			if c.Map[int(v*facecheck.SurfaceGrid)*facecheck.SurfaceGrid+int(u*facecheck.SurfaceGrid)] > 0.5 {
				o := img.RGBAAt(x, y)
				img.SetRGBA(x, y, color.RGBA{uint8((int(o.R) + 255) / 2), o.G / 2, o.B / 2, 255})
			}
		}
	}
	cols := [facecheck.NumRegions]color.RGBA{{255, 0, 0, 255}, {255, 0, 0, 255}, {255, 255, 0, 255}, {0, 255, 255, 255}, {0, 255, 0, 255}, {255, 0, 255, 255}, {255, 255, 255, 255}}
	regs := cr.Regions(pts)
	for i, poly := range regs {
		if facecheck.Region(i) == facecheck.RegionFace {
			continue
		}
		for j := range poly {
			line(img, poly[j], poly[(j+1)%len(poly)], cols[i], max(1, t/2))
		}
		fmt.Printf("  %s %.0f%% covered\n", facecheck.Region(i), 100*c.Covered[i])
	}
	fmt.Printf("  human %.3f presence %.3f glare %.2f/%.2f\n", c.Human, c.Presence, c.Glare[0], c.Glare[1])
}

func line(img *image.RGBA, p, q [2]float64, c color.RGBA, r int) {
	n := int(math.Hypot(q[0]-p[0], q[1]-p[1])) + 1
	for i := 0; i <= n; i++ {
		f := float64(i) / float64(n)
		dot(img, p[0]+f*(q[0]-p[0]), p[1]+f*(q[1]-p[1]), r, c)
	}
}

func writePNG(name string, img image.Image) error {
	w, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := png.Encode(w, img); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func dot(img *image.RGBA, x, y float64, r int, c color.RGBA) {
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			if dx*dx+dy*dy <= r*r {
				img.SetRGBA(int(math.Round(x))+dx, int(math.Round(y))+dy, c)
			}
		}
	}
}

func rect(img *image.RGBA, b image.Rectangle, c color.RGBA, t int) {
	for i := 0; i < t; i++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			img.SetRGBA(x, b.Min.Y+i, c)
			img.SetRGBA(x, b.Max.Y-1-i, c)
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			img.SetRGBA(b.Min.X+i, y, c)
			img.SetRGBA(b.Max.X-1-i, y, c)
		}
	}
}
