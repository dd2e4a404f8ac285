// Command surfaceeval summarises facegate's records of the face-surface
// evaluation set (benchmarks/surface.sh): per class, how many photos had a
// face found, and how many of those raise the code the class should
// raise, or none of them for clear faces; for animals, how many still
// pass a face as a person's. It prints a Markdown table, with counts.
//
//	surfaceeval -scale 2 SRC DST                  # copy a folder of photos scaled 2x as JPEG
//	surfaceeval [-people LIST] CLASS=RECORDS.jsonl...   # classes: mask, sunglasses, clear, animal
//
// RECORDS are facegate fix --json's: a photo read turned is judged as fix
// turns it upright (its output's codes).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/prevalidate"
)

func main() {
	scale := flag.Float64("scale", 0, "copy the photos of folder SRC into DST scaled by this factor")
	people := flag.String("people", "", "file listing animal photos that also show a person (base names, one per line)")
	covered := flag.String("covered", "", "file listing clear-face photos whose face is in fact covered (base names, one per line, # comments)")
	flag.Parse()
	var err error
	if *scale > 0 {
		err = scaleDir(flag.Arg(0), flag.Arg(1), *scale)
	} else {
		err = summarise(flag.Args(), *people, *covered)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "surfaceeval:", err)
		os.Exit(1)
	}
}

func scaleDir(src, dst string, k float64) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		img, err := imaging.Open(filepath.Join(src, e.Name()), imaging.AutoOrientation(true))
		if err != nil {
			continue // not a photo
		}
		b := img.Bounds()
		out := imaging.Resize(img, int(k*float64(b.Dx())), int(k*float64(b.Dy())), imaging.Lanczos)
		name := strings.TrimSuffix(e.Name(), filepath.Ext(e.Name())) + ".jpg"
		if err := imaging.Save(out, filepath.Join(dst, name), imaging.JPEGQuality(92)); err != nil {
			return err
		}
	}
	return nil
}

// counts of one class.
type counts struct {
	photos, found, flagged, notHuman, otherSurface int
	flaggedPaths                                   []string
	// of the clear faces found, those listed as in fact covered, and how
	// many of them were flagged
	coveredFound, coveredFlagged int
}

// nameList reads base names, one per line; # starts a comment.
func nameList(file string) (map[string]bool, error) {
	names := map[string]bool{}
	if file == "" {
		return names, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		l, _, _ = strings.Cut(l, "#")
		for _, f := range strings.Fields(l) {
			names[f] = true
		}
	}
	return names, nil
}

func summarise(args []string, peopleFile, coveredFile string) error {
	people, err := nameList(peopleFile)
	if err != nil {
		return err
	}
	covered, err := nameList(coveredFile)
	if err != nil {
		return err
	}
	fmt.Println("| class | photos | face found | flagged | rate | notes |")
	fmt.Println("| --- | --- | --- | --- | --- | --- |")
	for _, a := range args {
		class, file, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("%q: want CLASS=RECORDS.jsonl", a)
		}
		c, err := count(class, file, people, covered)
		if err != nil {
			return err
		}
		rate := func(n, of int) string {
			if of == 0 {
				return "-"
			}
			return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
		}
		switch class {
		case "mask":
			fmt.Printf("| masked faces | %d | %d | %d FACE_OCCLUDED | %s | %d set aside as not a person's face |\n", c.photos, c.found, c.flagged, rate(c.flagged, c.found), c.notHuman)
		case "sunglasses":
			fmt.Printf("| faces behind sunglasses | %d | %d | %d EYES_NOT_VISIBLE | %s | %d set aside as not a person's face |\n", c.photos, c.found, c.flagged, rate(c.flagged, c.found), c.notHuman)
		case "clear":
			fmt.Printf("| clear faces (false flags) | %d | %d | %d any of FACE_OCCLUDED, EYES_NOT_VISIBLE, not a person's face | %s | %d of them the surface codes |\n", c.photos, c.found, c.flagged, rate(c.flagged, c.found), c.otherSurface)
			if c.coveredFound > 0 {
				fmt.Printf("| clear faces, the %d found covered when looked at set aside | %d | %d | %d | %s | the set's label is wrong for those %d (%d of them flagged) |\n",
					c.coveredFound, c.photos-c.coveredFound, c.found-c.coveredFound, c.flagged-c.coveredFlagged, rate(c.flagged-c.coveredFlagged, c.found-c.coveredFound), c.coveredFound, c.coveredFlagged)
			}
		case "animal":
			fmt.Printf("| animal photos (no person) | %d | %d face-like detections | %d pass as a person's face | %s | %d set aside as not a person's |\n", c.photos, c.found, c.flagged, rate(c.flagged, c.found), c.notHuman)
		default:
			return fmt.Errorf("unknown class %q", class)
		}
		for _, p := range c.flaggedPaths {
			fmt.Fprintf(os.Stderr, "%s: %s\n", class, p)
		}
	}
	return nil
}

func count(class, file string, people, covered map[string]bool) (counts, error) {
	var c counts
	f, err := os.Open(file)
	if err != nil {
		return c, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r prevalidate.Report
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return c, fmt.Errorf("%s: %w", file, err)
		}
		base := strings.TrimSuffix(filepath.Base(r.Path), filepath.Ext(r.Path))
		if class == "animal" && people[filepath.Base(filepath.Dir(r.Path))+"/"+base] {
			continue
		}
		c.photos++
		// A photo read turned is judged as fix turns it upright: its
		// output's codes count (records of facegate fix --json).
		turned := slices.ContainsFunc(r.Issues, func(is prevalidate.Issue) bool { return is.Code == prevalidate.ImageTurned })
		has := func(code prevalidate.Code) bool {
			in := slices.ContainsFunc(r.Issues, func(is prevalidate.Issue) bool { return is.Code == code })
			if turned && r.Output != nil {
				in = slices.ContainsFunc(r.Output.Issues, func(is prevalidate.Issue) bool { return is.Code == code })
			}
			return in
		}
		notHuman := len(r.Faces) == 0 && len(r.NotFaces) > 0
		if notHuman {
			c.notHuman++
		}
		if class == "animal" {
			if len(r.Faces)+len(r.NotFaces) > 0 {
				c.found++
			}
			if len(r.Faces) > 0 {
				c.flagged++
				c.flaggedPaths = append(c.flaggedPaths, r.Path)
			}
			continue
		}
		if len(r.Faces) == 0 && !notHuman {
			continue // no face found: the detector's miss, not the surface's
		}
		c.found++
		var hit bool
		switch class {
		case "mask":
			hit = has(prevalidate.FaceOccluded)
		case "sunglasses":
			hit = has(prevalidate.EyesNotVisible)
		case "clear":
			surface := has(prevalidate.FaceOccluded) || has(prevalidate.EyesNotVisible)
			hit = surface || notHuman
			if surface {
				c.otherSurface++
			}
		}
		if hit == (class == "clear") {
			c.flaggedPaths = append(c.flaggedPaths, r.Path) // a miss, or a false flag
		}
		if hit {
			c.flagged++
		}
		if class == "clear" && covered[base] {
			c.coveredFound++
			if hit {
				c.coveredFlagged++
			}
		}
	}
	return c, sc.Err()
}

var _ image.Image // the decoders registered above are imaging.Open's
