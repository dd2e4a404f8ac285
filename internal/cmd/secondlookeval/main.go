// Command secondlookeval measures what the second look (dlib's HOG after
// BlazeFace found no face) finds on a phone-sized photo: it pastes real
// face photos into faceless phone photos at given face sizes and checks
// each composite with BlazeFace alone and with the second look, counting
// the faces found where they were pasted. Used by benchmarks/secondlook.sh.
//
//	secondlookeval -bg a.jpg,b.jpg -sizes 240,320,480 FACE.jpg...
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/disintegration/imaging"

	"github.com/facegate/facegate/prevalidate"
)

func main() {
	bgs := flag.String("bg", "", "comma-separated faceless backgrounds (phone photos)")
	sizes := flag.String("sizes", "240,320,480,720", "comma-separated face widths to paste, input pixels")
	verbose := flag.Bool("v", false, "print every composite")
	flag.Parse()
	ctx := context.Background()
	blaze, err := prevalidate.LoadAnalyzer(&prevalidate.AnalyzerOptions{NoSecondLook: true, NoSurface: true, NoRecapture: true})
	if err != nil {
		log.Fatal(err)
	}
	both, err := prevalidate.LoadAnalyzer(&prevalidate.AnalyzerOptions{NoSurface: true, NoRecapture: true})
	if err != nil {
		log.Fatal(err)
	}
	var backs []image.Image
	for _, p := range strings.Split(*bgs, ",") {
		img, err := imaging.Open(p, imaging.AutoOrientation(true))
		if err != nil {
			log.Fatal(err)
		}
		backs = append(backs, img)
	}
	var ws []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(s)
		if err != nil {
			log.Fatal(err)
		}
		ws = append(ws, n)
	}
	type count struct{ n, blaze, both, small int }
	counts := map[int]*count{}
	for _, w := range ws {
		counts[w] = &count{}
	}
	skipped := 0
	for _, path := range flag.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			log.Fatal(err)
		}
		// The face as either detector finds it on the photo alone.
		rep, err := prevalidate.CheckBytes(ctx, data, &prevalidate.Options{Faces: both})
		if err != nil {
			log.Fatal(err)
		}
		src, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
		if err != nil || len(rep.Faces) != 1 {
			skipped++
			continue
		}
		box := rep.Faces[0].Box
		h := sha256.Sum256([]byte(filepath.Base(path)))
		for i, w := range ws {
			bg := backs[(int(h[0])+i)%len(backs)]
			k := float64(w) / float64(box[2])
			face := imaging.Resize(src, int(float64(src.Bounds().Dx())*k+0.5), 0, imaging.Lanczos)
			bb := bg.Bounds()
			fb := face.Bounds()
			if fb.Dx() >= bb.Dx() || fb.Dy() >= bb.Dy() {
				continue
			}
			// A place from the name's hash, the whole photo inside.
			x := int(h[1+i%8]) * (bb.Dx() - fb.Dx()) / 255
			y := int(h[9+i%8]) * (bb.Dy() - fb.Dy()) / 255
			comp := image.NewNRGBA(bb)
			draw.Draw(comp, bb, bg, bb.Min, draw.Src)
			at := image.Rect(x, y, x+fb.Dx(), y+fb.Dy())
			draw.Draw(comp, at, face, fb.Min, draw.Src)
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, comp, &jpeg.Options{Quality: 90}); err != nil {
				log.Fatal(err)
			}
			want := image.Rect(x+int(float64(box[0])*k), y+int(float64(box[1])*k), x+int(float64(box[0]+box[2])*k), y+int(float64(box[1]+box[3])*k))
			found := func(a prevalidate.FaceFinder) (bool, *prevalidate.Report) {
				rep, err := prevalidate.CheckBytes(ctx, buf.Bytes(), &prevalidate.Options{Faces: a})
				if err != nil {
					log.Fatal(err)
				}
				for _, f := range rep.Faces {
					got := image.Rect(f.Box[0], f.Box[1], f.Box[0]+f.Box[2], f.Box[1]+f.Box[3])
					in := got.Intersect(want)
					if in.Dx()*in.Dy()*2 > want.Dx()*want.Dy() {
						return true, rep
					}
				}
				return false, rep
			}
			c := counts[w]
			c.n++
			bf, _ := found(blaze)
			bo, rep := found(both)
			if bf {
				c.blaze++
			}
			if bo {
				c.both++
				if rep.Has(prevalidate.FaceTooSmall) {
					c.small++
				}
			}
			if *verbose || bf != bo {
				fmt.Fprintf(os.Stderr, "%s at %d px: BlazeFace %v, with the second look %v\n", filepath.Base(path), w, bf, bo)
			}
		}
	}
	fmt.Printf("%-10s %-12s %-20s %-28s %s\n", "face px", "composites", "found by BlazeFace", "found with the second look", "of them FACE_TOO_SMALL")
	for _, w := range ws {
		c := counts[w]
		fmt.Printf("%-10d %-12d %-20d %-28d %d\n", w, c.n, c.blaze, c.both, c.small)
	}
	fmt.Printf("(%d face photos skipped: not exactly one face found on the photo alone)\n", skipped)
}
