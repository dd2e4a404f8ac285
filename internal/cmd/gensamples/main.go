// Command gensamples writes the generated demo images beside the bundled
// photo: testdata/samples/generated/{rotated.jpg, oversized.jpg,
// broken.jpg, bomb.png, notes.jpg}. They are made from astronaut.png so the
// repository ships only that one photo.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/internal/samples"
)

func main() {
	if err := run("testdata/samples"); err != nil {
		fmt.Fprintln(os.Stderr, "gensamples:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	src, err := imaging.Open(filepath.Join(dir, "astronaut.png"))
	if err != nil {
		return err
	}
	out := filepath.Join(dir, "generated")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	rotated, err := samples.WithOrientation(imaging.Resize(src, 720, 720, imaging.Lanczos), exif.Rotate90CW, 90)
	if err != nil {
		return err
	}
	oversized, err := samples.Upscaled(src, 4400, 4400, 95)
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"rotated.jpg":   rotated,                       // stored sideways, EXIF orientation 6: NOT_UPRIGHT, fixable
		"oversized.jpg": oversized,                     // 4400x4400, over 2 MB: IMAGE_TOO_LARGE, FILE_TOO_LARGE, fixable
		"broken.jpg":    rotated[:len(rotated)/2],      // truncated: FAILED_TO_READ_IMAGE
		"bomb.png":      samples.PNGBomb(30000, 30000), // 900 MP header: INPUT_TOO_LARGE, never decoded
		"notes.jpg":     []byte("this is a text file with an image's name\n"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
