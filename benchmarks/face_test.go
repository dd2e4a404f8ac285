package benchmarks

import (
	"image"
	"strconv"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/facecheck"
	"github.com/facegate/facegate/models"
	"github.com/facegate/facegate/quality"
)

// grayAt decodes a corpus photo and scales it to the given height in grey.
func grayAt(b *testing.B, rel string, height int) *image.Gray {
	img := decoded(b, load(b, rel))
	if height > 0 && img.Bounds().Dy() > height {
		img = imaging.Resize(img, 0, height, imaging.Linear)
	}
	return facecheck.Gray(img)
}

// BenchmarkDetect runs dlib's HOG detector on grey copies of 1080 and
// 540 px height: the work grows with the pixel count.
func BenchmarkDetect(b *testing.B) {
	det, err := facecheck.NewDetector()
	if err != nil {
		b.Fatal(err)
	}
	for _, h := range []int{1080, 540} {
		for _, rel := range photos[:3] {
			g := grayAt(b, rel, h)
			b.Run(rel+"/h"+strconv.Itoa(h), func(b *testing.B) {
				for b.Loop() {
					if _, err := det.Detect(g, 0); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDetectFloor is the least detection work any dlib HOG search
// for 224 px faces can do on each photo: one run on a grey copy where such
// a face is exactly dlib's 80 px window ("floor"), beside the copy the
// pipeline searches, where it is 112 px ("pipeline"). Compare the floor
// with the whole fix in BenchmarkFix and with djpeg in compare.sh.
func BenchmarkDetectFloor(b *testing.B) {
	det, err := facecheck.NewDetector()
	if err != nil {
		b.Fatal(err)
	}
	for _, rel := range photos {
		img := decoded(b, load(b, rel))
		for _, c := range []struct {
			name string
			face float64
		}{{"floor", 80}, {"pipeline", 112}} {
			k := c.face / 224
			w, h := int(float64(img.Bounds().Dx())*k), int(float64(img.Bounds().Dy())*k)
			g := facecheck.Gray(imaging.Resize(img, w, h, imaging.Box))
			b.Run(rel+"/"+c.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := det.Detect(g, 0); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(w*h)/1e6, "MP")
			})
		}
	}
}

func BenchmarkLandmarks(b *testing.B) {
	p := predictor(b)
	det, _ := facecheck.NewDetector()
	g := grayAt(b, "faces-dlib/Tom_Cruise_avp_2014_4.jpg", 0)
	dets, err := det.Detect(g, 0)
	if err != nil || len(dets) == 0 {
		b.Fatalf("no face: %v", err)
	}
	for b.Loop() {
		if _, err := p.Landmarks(g, dets[0].Box); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFaces is the face step as the pipeline runs it on an upright
// decoded photo: detection passes on a copy shrunk for 224 px faces,
// landmarks at full size, and the measurements. A photo with no face pays
// for every retry pass. "large-first" is what prevalidate runs (faces
// under half the largest left out: FindOptions.Relative), "one-pass" the
// single search; nana.jpg's 690 px face is found by the large-face part
// alone.
func BenchmarkFaces(b *testing.B) {
	a := facecheck.NewAnalyzer(predictor(b))
	for _, rel := range append(photos[:3:3], "faces-fr/obama.jpg", "faces-fr/obama-240p.jpg", selfie) {
		img := decoded(b, load(b, rel))
		for _, v := range []struct {
			name string
			opts *facecheck.FindOptions
		}{{"one-pass", nil}, {"large-first", &facecheck.FindOptions{Relative: 0.5}}} {
			b.Run(rel+"/"+v.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := a.Find(b.Context(), img, v.opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkQuality is the quality step at the output size: sharpness and
// exposure over the face region, the eye ratios and the JPEG table.
func BenchmarkQuality(b *testing.B) {
	a := facecheck.NewAnalyzer(predictor(b))
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/alex_lacamoire1.jpg", "faces-fr/biden2.jpg"} {
		data := load(b, rel)
		img := decoded(b, data)
		if img.Bounds().Dy() > 1080 {
			img = imaging.Resize(img, 0, 1080, imaging.Lanczos)
		}
		faces, err := a.Find(b.Context(), img, nil)
		if err != nil || len(faces) == 0 {
			b.Fatalf("%s: no face: %v", rel, err)
		}
		f := faces[0]
		b.Run(rel, func(b *testing.B) {
			for b.Loop() {
				quality.Sharpness(img, f.Box, quality.NormIPD/f.IPD)
				quality.MeasureExposure(img, f.Box)
				quality.EyeAspectRatio(f.Landmarks)
				quality.JPEGQuality(data)
			}
		})
	}
}

// predictor loads the 68-point model.
func predictor(b *testing.B) *facecheck.Predictor {
	path, err := models.Find(models.Landmarks68, nil)
	if err != nil {
		b.Fatal(err)
	}
	p, err := facecheck.LoadPredictor(path)
	if err != nil {
		b.Fatal(err)
	}
	return p
}
