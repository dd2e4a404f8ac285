package prevalidate

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/resize"
)

// cleanPhotos are sharp, well-lit, frontal corpus portraits whose face
// passes at the output size: the base of the quality calibration.
// (chaeyeon.jpg is sharp too, but its face is too small at 1080 px high.)
var cleanPhotos = []string{
	"faces-fr/obama.jpg",
	"faces-fr/alex_lacamoire1.jpg",
	"faces-fr/biden2.jpg",
	"faces-gf/nayoung.jpg",
	"faces-fr-knn/train/rose_leslie/img1.jpg",
	"faces-dlib/Tom_Cruise_avp_2014_4.jpg",
}

// atOutputSize decodes a corpus photo and scales it as fix would (1080 px
// high at most): the degradations are applied to what would be submitted.
func atOutputSize(t testing.TB, rel string) *image.NRGBA {
	b, err := os.ReadFile(testsupport.CorpusPath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	img := samples.MustDecode(b)
	w, h := resize.Plan(img.Bounds().Dx(), img.Bounds().Dy(), resize.Limits{MaxHeight: 1080, MaxSide: 4096, MinSide: 480})
	return imaging.Resize(img, w, h, imaging.Lanczos)
}

// boxBlur averages each pixel over a (2r+1)² square, separably.
func boxBlur(src *image.NRGBA, r int) *image.NRGBA {
	pass := func(in *image.NRGBA, dx, dy int) *image.NRGBA {
		b := in.Bounds()
		out := image.NewNRGBA(b)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				var s [4]int
				n := 0
				for k := -r; k <= r; k++ {
					xx, yy := x+k*dx, y+k*dy
					if xx < b.Min.X || yy < b.Min.Y || xx >= b.Max.X || yy >= b.Max.Y {
						continue
					}
					p := in.Pix[in.PixOffset(xx, yy):]
					for c := range 4 {
						s[c] += int(p[c])
					}
					n++
				}
				q := out.Pix[out.PixOffset(x, y):]
				for c := range 4 {
					q[c] = uint8((s[c] + n/2) / n)
				}
			}
		}
		return out
	}
	return pass(pass(src, 1, 0), 0, 1)
}

// scaleLevels multiplies every 8-bit channel value by k, clipping at 255.
func scaleLevels(src *image.NRGBA, k float64) *image.NRGBA {
	out := imaging.Clone(src)
	for i := range out.Pix {
		if i%4 == 3 {
			continue
		}
		out.Pix[i] = uint8(min(255, float64(out.Pix[i])*k+0.5))
	}
	return out
}

func encodeJPEG(t testing.TB, img image.Image, q int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func checkPNG(t testing.TB, img image.Image) *Report {
	b, err := samples.PNG(img)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := CheckBytes(context.Background(), b, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestCalibrationTables prints the tables of docs/quality.md. Run with
// FACEGATE_CALIBRATE=1 go test ./prevalidate -run CalibrationTables -v.
func TestCalibrationTables(t *testing.T) {
	if os.Getenv("FACEGATE_CALIBRATE") == "" {
		t.Skip("set FACEGATE_CALIBRATE=1 to print the calibration tables")
	}
	for _, rel := range cleanPhotos {
		base := atOutputSize(t, rel)
		fmt.Printf("\n%s (%dx%d)\n", rel, base.Bounds().Dx(), base.Bounds().Dy())
		for _, r := range []int{0, 1, 2, 3, 4, 6, 8} {
			rep := checkPNG(t, boxBlur(base, r))
			fmt.Printf("  blur %d: sharpness %.1f (%s) faces %d eyes %v %v\n", r, rep.Quality.Sharpness, rep.Quality.Region, len(rep.Faces), eyes(rep), rep.Codes())
		}
		for _, k := range []float64{0.2, 0.22, 0.3, 0.4, 0.5, 0.7, 1, 1.3, 1.6, 2, 2.6, 3} {
			rep := checkPNG(t, scaleLevels(base, k))
			e := rep.Quality.Exposure
			fmt.Printf("  levels x%.2f: mean %.1f dark %.3f bright %.3f faces %d %v\n", k, e.Mean, e.Dark, e.Bright, len(rep.Faces), rep.Codes())
		}
		for _, q := range []int{20, 30, 40, 50, 60, 70, 80, 92, 95} {
			rep, err := CheckBytes(context.Background(), encodeJPEG(t, base, q), nil)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Printf("  jpeg q%d: estimated %d sharpness %.1f %v\n", q, rep.Quality.JPEGQuality, rep.Quality.Sharpness, rep.Codes())
		}
	}
	fmt.Println("\ncorpus, as it is:")
	for _, e := range testsupport.Manifest(t) {
		if len(e.Path) < 6 || e.Path[:6] != "faces-" || (e.Format != "JPEG" && e.Format != "PNG") {
			continue
		}
		b, _ := os.ReadFile(testsupport.CorpusPath(t, e.Path))
		rep, _ := CheckBytes(context.Background(), b, nil)
		q := rep.Quality
		fmt.Printf("  %-45s q %3d sharp %7.1f (%s) mean %5.1f dark %.3f bright %.3f eyes %v\n", e.Path, q.JPEGQuality, q.Sharpness, q.Region, q.Exposure.Mean, q.Exposure.Dark, q.Exposure.Bright, eyes(rep))
	}
}

func eyes(rep *Report) []float64 {
	if len(rep.Faces) == 0 {
		return nil
	}
	return rep.Faces[0].Eyes
}
