// Command naive is the baseline facegate's fast path is measured against:
// the obvious pure-Go pipeline with no face checks. For each JPEG named on
// the command line it decodes every pixel with image/jpeg, scales to a
// height of 1080 px with imaging's Lanczos filter and encodes with
// image/jpeg at quality 92, writing OUTDIR/<name> when -o is given.
//
//	go run ./benchmarks/naive [-o OUTDIR] photo.jpg...
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"

	"github.com/disintegration/imaging"
)

func main() {
	out := flag.String("o", "", "write the results to this folder")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: naive [-o OUTDIR] photo.jpg...")
		os.Exit(2)
	}
	for _, path := range flag.Args() {
		if err := one(path, *out); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			os.Exit(1)
		}
	}
}

func one(path, outDir string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return err
	}
	if img.Bounds().Dy() > 1080 {
		img = imaging.Resize(img, 0, 1080, imaging.Lanczos)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		return err
	}
	if outDir == "" {
		return nil
	}
	return os.WriteFile(filepath.Join(outDir, filepath.Base(path)), buf.Bytes(), 0o644)
}
