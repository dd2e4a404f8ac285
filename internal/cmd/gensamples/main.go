// Command gensamples writes the generated demo images beside the bundled
// photo: testdata/samples/generated/{portrait.jpg, rotated.jpg, sideways.jpg,
// oversized.jpg, broken.jpg, bomb.png, notes.jpg}. They are made from astronaut.png so the
// repository ships only that one photo; rotated.jpg and oversized.jpg are
// its head and shoulders, scaled up so that the face is large enough.
//
// It also writes the eight orientation fixtures, testdata/orientation/
// orientation_{1..8}.jpg (committed; the same bytes on every run), which
// the tests of every orientation read in a clone without the corpus.
package main

import (
	"fmt"
	"image"
	"os"
	"path/filepath"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/internal/samples"
)

func main() {
	if err := orientations("testdata/orientation"); err != nil {
		fmt.Fprintln(os.Stderr, "gensamples:", err)
		os.Exit(1)
	}
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
	// The head and shoulders, scaled so that the face measures about 240 px:
	// the whole photo's face (100 px) is too small for Progeny.
	head := imaging.Crop(src, image.Rect(73, 0, 373, 300))
	rotated, err := samples.WithOrientation(imaging.Resize(head, 720, 720, imaging.Lanczos), exif.Rotate90CW, 90)
	if err != nil {
		return err
	}
	oversized, err := samples.Upscaled(head, 4400, 4400, 100)
	if err != nil {
		return err
	}
	portrait, err := samples.Upscaled(head, 720, 720, 90)
	if err != nil {
		return err
	}
	// The portrait's pixels turned a quarter clockwise, with no EXIF tag to
	// say so (an upload library dropped it).
	sideways, err := samples.Upscaled(imaging.Rotate270(head), 720, 720, 90)
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"portrait.jpg":  portrait,                      // 720x720, face 240 px: passes as it is
		"rotated.jpg":   rotated,                       // stored sideways, EXIF orientation 6: NOT_UPRIGHT, fixable
		"sideways.jpg":  sideways,                      // pixels turned, no EXIF: IMAGE_TURNED, fixable
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

// orientations writes orientation_1.jpg .. orientation_8.jpg into dir.
func orientations(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for o := exif.Normal; o <= exif.Rotate90CCW; o++ {
		b, err := samples.OrientationFixture(o)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("orientation_%d.jpg", o)), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
