package benchmarks

import (
	"fmt"
	"image"
	"strconv"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/codec"
	"github.com/facegate/facegate/facecheck"
	"github.com/facegate/facegate/models"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/quality"
	"github.com/facegate/facegate/quality/iso"
	"github.com/facegate/facegate/resize"
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
// photo decoded as the pipeline decodes it (the JPEG scale that covers
// the output and keeps a 224 px face at 84 px), with the minimum face
// scaled to match: "blazeface" (the default: keypoint detection on a copy
// of at most 256 px, then the landmarks fitted upright) and "hog" (dlib's
// detector on a copy sized by the minimum face), both leaving out faces
// under half the largest, as prevalidate asks. A photo with no face pays
// for every pass: the turned copies and the tiles, or HOG's retries.
func BenchmarkFaces(b *testing.B) {
	key, err := prevalidate.LoadAnalyzer(nil)
	if err != nil {
		b.Fatal(err)
	}
	hog := facecheck.NewAnalyzer(predictor(b))
	for _, rel := range append(photos[:len(photos):len(photos)], "faces-fr/obama.jpg", selfie, "faces-gf/pristin.jpg") {
		data := load(b, rel)
		img, k := pipelineDecode(b, data)
		opts := &facecheck.FindOptions{MinFace: 224 * k, Relative: 0.5}
		for _, v := range []struct {
			name string
			a    *facecheck.Analyzer
		}{{"blazeface", key}, {"hog", hog}} {
			b.Run(rel+"/"+v.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := v.a.Find(b.Context(), img, opts); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(img.Bounds().Dx()*img.Bounds().Dy())/1e6, "MP")
			})
		}
	}
}

// pipelineDecode decodes a JPEG at the scale prevalidate's first decode
// uses for the progeny profile, and returns it with that scale.
func pipelineDecode(b *testing.B, data []byte) (image.Image, float64) {
	info, err := codec.JPEGHeader(data)
	if err != nil {
		b.Fatal(err)
	}
	w, h := resize.Plan(info.Width, info.Height, resize.Limits{MaxHeight: 1080, MaxSide: 4096, MinSide: 480})
	num := max(codec.ScaleFor(info.Width, info.Height, w, h), codec.NumAtLeast(84.0/224))
	img, err := codec.DecodeJPEG(data, num, nil)
	if err != nil {
		b.Fatal(err)
	}
	return img, float64(num) / 8
}

// BenchmarkDetectKeypoints is the keypoint detection alone (no landmarks)
// on one photo decoded at 2/8, 4/8 and 8/8: the detector's input is at
// most 256 px, so its cost barely follows the pixel count (only the
// resampling into that input does).
func BenchmarkDetectKeypoints(b *testing.B) {
	key, err := prevalidate.LoadAnalyzer(nil)
	if err != nil {
		b.Fatal(err)
	}
	data := load(b, "faces-gf/chaeyeon.jpg")
	for _, num := range []int{2, 4, 8} {
		img, err := codec.DecodeJPEG(data, num, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("chaeyeon-%d-8", num), func(b *testing.B) {
			for b.Loop() {
				if _, err := key.DetectKeypoints(b.Context(), img, &facecheck.FindOptions{MinFace: 224 * float64(num) / 8, Relative: 0.5}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(img.Bounds().Dx()*img.Bounds().Dy())/1e6, "MP")
		})
	}
}

// BenchmarkQuality is the quality step at the output size: sharpness and
// exposure over the face region, the eye ratios and the JPEG table; and,
// apart (/retouch), FILTERED's measures (quality.MeasureRetouch).
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
		b.Run(rel+"/retouch", func(b *testing.B) {
			for b.Loop() {
				if _, ok := quality.MeasureRetouch(img, f.Landmarks, f.IPD); !ok {
					b.Fatal("no retouch measure")
				}
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

// BenchmarkISO is every ISO/IEC 29794-5 component of one face at the
// output size (package quality/iso): the alignment into OFIQ's 616 x 616
// frame, the region histograms and the landmark ratios.
func BenchmarkISO(b *testing.B) {
	a := facecheck.NewAnalyzer(predictor(b))
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/alex_lacamoire1.jpg", "faces-fr/biden2.jpg"} {
		img := decoded(b, load(b, rel))
		if img.Bounds().Dy() > 1080 {
			img = imaging.Resize(img, 0, 1080, imaging.Lanczos)
		}
		found, err := a.Find(b.Context(), img, nil)
		if err != nil || len(found) == 0 {
			b.Fatalf("%s: no face: %v", rel, err)
		}
		faces := make([]iso.Face, len(found))
		for i, f := range found {
			faces[i] = iso.Face{Box: f.Box, Landmarks: f.Landmarks, Yaw: f.Pose.Yaw, Pitch: f.Pose.Pitch, Roll: f.Pose.Roll, Sharpness: 100}
		}
		b.Run(rel, func(b *testing.B) {
			for b.Loop() {
				if _, err := iso.Measure(img, faces, 0, iso.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// eachFace runs measure as a sub-benchmark on the largest face of each
// portrait, on the photo decoded as the pipeline decodes it.
func eachFace(b *testing.B, a *facecheck.Analyzer, measure func(img image.Image, f *facecheck.Face) error) {
	for _, rel := range []string{"faces-gf/chaeyeon.jpg", "faces-fr/obama3.jpg", "faces-fr/obama.jpg", selfie} {
		img, k := pipelineDecode(b, load(b, rel))
		faces, err := a.Find(b.Context(), img, &facecheck.FindOptions{MinFace: 224 * k, Relative: 0.5})
		if err != nil || len(faces) == 0 {
			b.Fatalf("%s: %d faces, %v", rel, len(faces), err)
		}
		f := faces[0]
		b.Run(rel, func(b *testing.B) {
			for b.Loop() {
				if err := measure(img, &f); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(f.Size, "face_px")
		})
	}
}

// BenchmarkSurface is the face-surface model's work on one face: the
// aligned crop, one forward of the model on one thread, and the regions'
// shares (the surface step's cost per face).
func BenchmarkSurface(b *testing.B) {
	a, err := prevalidate.LoadAnalyzer(nil)
	if err != nil {
		b.Fatal(err)
	}
	eachFace(b, a, func(img image.Image, f *facecheck.Face) error {
		if _, ok, err := a.MeasureSurface(img, f, false); !ok || err != nil {
			return fmt.Errorf("surface not read (%v)", err)
		}
		return nil
	})
}

// BenchmarkRecapture is the re-capture model on one face (RECAPTURED's
// measure): two 80 px crops and the two networks, on one thread.
func BenchmarkRecapture(b *testing.B) {
	a, err := prevalidate.LoadAnalyzer(&prevalidate.AnalyzerOptions{NoSurface: true})
	if err != nil {
		b.Fatal(err)
	}
	eachFace(b, a, func(img image.Image, f *facecheck.Face) error {
		if _, ok, err := a.MeasureRecapture(img, f); !ok || err != nil {
			return fmt.Errorf("re-capture not read (%v)", err)
		}
		return nil
	})
}

// BenchmarkSecondLook is the search of a photo without a face, with and
// without the second look (dlib's HOG detector after BlazeFace finds
// nothing): what a faceless photo costs more.
func BenchmarkSecondLook(b *testing.B) {
	for _, second := range []bool{false, true} {
		a, err := prevalidate.LoadAnalyzer(&prevalidate.AnalyzerOptions{NoSecondLook: !second, NoSurface: true})
		if err != nil {
			b.Fatal(err)
		}
		for _, rel := range []string{"exif-samples/jpg/mobile/jolla.jpg", "exif-samples/jpg/mobile/HMD_Nokia_8.3_5G.jpg", "exif-samples/jpg/hdr/iphone_hdr_YES.jpg"} {
			img, k := pipelineDecode(b, load(b, rel))
			opts := &facecheck.FindOptions{MinFace: 224 * k, Relative: 0.5}
			b.Run(fmt.Sprintf("%s/second=%v", rel, second), func(b *testing.B) {
				for b.Loop() {
					if _, err := a.Find(b.Context(), img, opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
