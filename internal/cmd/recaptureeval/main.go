// Command recaptureeval measures RECAPTURED (the re-capture model,
// facecheck.Recapture) on labelled folders of photos: live ones and
// photos of prints or screens. Every photo goes through the pipeline as
// `facegate check` runs it (the progeny profile), and its largest face's
// live score is read from the report.
//
// Photos split by the SHA-256 of their base name: an even last hex digit
// tunes, an odd one is held out. For each group it prints the photos read
// (a face with 68 landmarks) and, at the profile's threshold and at a few
// others, the photos flagged in each half, with the AUC of each
// re-capture group against the live photos; the held-out photos flagged
// wrongly (live) or missed (re-captured) go to stderr, to look at.
//
//	go run ./internal/cmd/recaptureeval live:NAME=DIR[,DIR...]... recaptured:NAME=DIR...
//
// (benchmarks/recapture.sh runs it.)
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/facegate/facegate/prevalidate"
)

type group struct {
	name string
	live bool
	read [2][]reading // tune, held out
	none int          // photos without a reading (no face found)
}

type reading struct {
	path string
	live float64
}

func main() {
	flag.Parse()
	an := &prevalidate.LazyAnalyzer{}
	prof := prevalidate.Progeny()
	t, _ := prof.Threshold(prevalidate.RuleID{Code: prevalidate.Recaptured})
	var groups []*group
	for _, arg := range flag.Args() {
		label, rest, ok1 := strings.Cut(arg, ":")
		name, dir, ok2 := strings.Cut(rest, "=")
		if !ok1 || !ok2 || (label != "live" && label != "recaptured") {
			fmt.Fprintf(os.Stderr, "recaptureeval: %q: want live:NAME=DIR or recaptured:NAME=DIR\n", arg)
			os.Exit(2)
		}
		g := &group{name: name, live: label == "live"}
		groups = append(groups, g)
		for _, dir := range strings.Split(dir, ",") {
			err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				switch strings.ToLower(filepath.Ext(path)) {
				case ".jpg", ".jpeg", ".png":
				default:
					return nil
				}
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				rep, err := prevalidate.CheckBytes(context.Background(), b, &prevalidate.Options{Faces: an})
				if err != nil {
					return err
				}
				if rep.Quality == nil || rep.Quality.Recapture == nil {
					g.none++
					return nil
				}
				sum := sha256.Sum256([]byte(filepath.Base(path)))
				h := int(sum[31] & 1)
				g.read[h] = append(g.read[h], reading{path, rep.Quality.Recapture.Live})
				return nil
			})
			if err != nil {
				fmt.Fprintln(os.Stderr, "recaptureeval:", err)
				os.Exit(2)
			}
		}
	}
	report(groups, t)
}

func report(groups []*group, t float64) {
	fmt.Printf("RECAPTURED flags a live score under %.2f (the progeny profile's threshold)\n\n", t)
	fmt.Println("| group | label | read | no face | flagged, tune | flagged, held out | median live |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- |")
	for _, g := range groups {
		all := append(slices.Clone(g.read[0]), g.read[1]...)
		fmt.Printf("| %s | %s | %d | %d | %s | %s | %.3f |\n", g.name, label(g), len(all), g.none,
			count(g.read[0], t), count(g.read[1], t), median(all))
	}
	fmt.Println("\nHeld out, flagged at other thresholds (live: false flags / read; re-captured: found / read):")
	ts := []float64{0.05, 0.1, 0.2, 0.3, 0.5}
	head := "| group |"
	for _, x := range ts {
		head += fmt.Sprintf(" under %.2f |", x)
	}
	fmt.Println(head + " AUC against the live photos |")
	fmt.Println("| --- |" + strings.Repeat(" --- |", len(ts)+1))
	var live []float64
	for _, g := range groups {
		if g.live {
			for _, r := range g.read[1] {
				live = append(live, r.live)
			}
		}
	}
	for _, g := range groups {
		row := "| " + g.name + " |"
		for _, x := range ts {
			row += " " + count(g.read[1], x) + " |"
		}
		a := "-"
		if !g.live && len(live) > 0 && len(g.read[1]) > 0 {
			a = fmt.Sprintf("%.2f", auc(g.read[1], live))
		}
		fmt.Println(row + " " + a + " |")
		for _, r := range g.read[1] {
			if (r.live < t) == g.live {
				what := "missed"
				if g.live {
					what = "false flag"
				}
				fmt.Fprintf(os.Stderr, "%s %s: %s (live %.3f)\n", g.name, what, r.path, r.live)
			}
		}
	}
}

func label(g *group) string {
	if g.live {
		return "live"
	}
	return "re-captured"
}

func count(rs []reading, t float64) string {
	n := 0
	for _, r := range rs {
		if r.live < t {
			n++
		}
	}
	return fmt.Sprintf("%d/%d", n, len(rs))
}

func median(rs []reading) float64 {
	if len(rs) == 0 {
		return 0
	}
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = r.live
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// auc is the chance that a re-captured photo reads less live than a live
// one (ties count half).
func auc(re []reading, live []float64) float64 {
	var wins float64
	for _, r := range re {
		for _, l := range live {
			switch {
			case r.live < l:
				wins++
			case r.live == l:
				wins += 0.5
			}
		}
	}
	return wins / float64(len(re)*len(live))
}
