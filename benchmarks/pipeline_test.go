// Package benchmarks measures facegate's stages and whole pipeline on
// corpus photos. Run: go test -run XXX -bench . -count 5 ./benchmarks
// and compare runs with benchstat. Times are never asserted in tests.
package benchmarks

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"testing"

	"github.com/facegate/facegate/codec"
	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/provenance"
	"github.com/facegate/facegate/resize"
)

// Photos named by the performance issue: large phone and camera JPEGs.
var photos = []string{
	"faces-gf/chaeyeon.jpg",
	"faces-gf/jimin3.jpg",
	"exif-samples/jpg/mobile/jolla.jpg",
	"exif-samples/jpg/mobile/HMD_Nokia_8.3_5G.jpg",
	"exif-samples/jpg/hdr/iphone_hdr_YES.jpg",
	"faces-fr/obama3.jpg",
}

func load(b testing.TB, rel string) []byte {
	data, err := os.ReadFile(testsupport.CorpusPath(b, rel))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// selfie is a phone portrait whose face (690 px) is large, as most
// uploads' are: the case the large-face-first search is for.
const selfie = "faces-gf/nana.jpg"

func each(b *testing.B, fn func(b *testing.B, data []byte)) { eachOf(b, photos, fn) }

func eachOf(b *testing.B, list []string, fn func(b *testing.B, data []byte)) {
	for _, rel := range list {
		data := load(b, rel)
		b.Run(rel, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			fn(b, data)
		})
	}
}

func BenchmarkHeader(b *testing.B) {
	each(b, func(b *testing.B, data []byte) {
		for b.Loop() {
			if _, err := jpeg.DecodeConfig(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
			if _, err := exif.FromJPEG(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkProvenance is reading what a file declares about its making
// (XMP, C2PA, over the whole file's segments or chunks): on the compare
// photos (XMP and EXIF only), and on a C2PA file of two manifests.
func BenchmarkProvenance(b *testing.B) {
	read := func(b *testing.B, data []byte) {
		for b.Loop() {
			provenance.Read(data)
		}
	}
	each(b, read)
	data, err := os.ReadFile("../testdata/provenance/c2pa_firefly.jpg")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("c2pa_firefly.jpg", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		read(b, data)
	})
}

func BenchmarkDecode(b *testing.B) {
	each(b, func(b *testing.B, data []byte) {
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDecodeTurbo decodes with libjpeg-turbo at full size and at the
// scale the pipeline picks for a 1080 px output.
func BenchmarkDecodeTurbo(b *testing.B) {
	each(b, func(b *testing.B, data []byte) {
		info, err := codec.JPEGHeader(data)
		if err != nil {
			b.Fatal(err)
		}
		w, h := resize.Plan(info.Width, info.Height, resize.Limits{MaxHeight: 1080, MaxSide: 4096, MinSide: 480})
		for _, num := range []int{8, codec.ScaleFor(info.Width, info.Height, w, h)} {
			buf := make([]byte, codec.DecodedSize(codec.Scaled(info.Width, info.Height, num)))
			b.Run(fmt.Sprintf("%d-8", num), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := codec.DecodeJPEG(data, num, buf); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}

func decoded(b *testing.B, data []byte) image.Image {
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	return img
}

func BenchmarkOrient(b *testing.B) {
	each(b, func(b *testing.B, data []byte) {
		img := decoded(b, data)
		for b.Loop() {
			exif.Apply(img, exif.Rotate90CW)
		}
	})
}

func BenchmarkResize(b *testing.B) {
	each(b, func(b *testing.B, data []byte) {
		img := decoded(b, data)
		w, h := resize.Plan(img.Bounds().Dx(), img.Bounds().Dy(), resize.Limits{MaxHeight: 1080, MaxSide: 4096, MinSide: 480})
		for b.Loop() {
			resize.Scale(img, w, h)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	each(b, func(b *testing.B, data []byte) {
		img := decoded(b, data)
		w, h := resize.Plan(img.Bounds().Dx(), img.Bounds().Dy(), resize.Limits{MaxHeight: 1080, MaxSide: 4096, MinSide: 480})
		small := resize.Scale(img, w, h)
		for b.Loop() {
			if _, err := codec.EncodeFit(context.Background(), small, w, h, codec.FitOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	each(b, func(b *testing.B, data []byte) {
		for b.Loop() {
			if _, err := prevalidate.CheckBytes(context.Background(), data, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkFix(b *testing.B) {
	eachOf(b, append(photos[:len(photos):len(photos)], selfie), func(b *testing.B, data []byte) {
		for b.Loop() {
			if _, _, err := prevalidate.Fix(context.Background(), bytes.NewReader(data), nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFixFullDecode is Fix with shrink-on-load off: every pixel of
// the JPEG decoded, as before the fast path.
func BenchmarkFixFullDecode(b *testing.B) {
	each(b, func(b *testing.B, data []byte) {
		for b.Loop() {
			if _, _, err := prevalidate.Fix(context.Background(), bytes.NewReader(data), &prevalidate.Options{FullDecode: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFixAllFaces is Fix searching for every face (Options.AllFaces),
// as before the large-face-first search, on the selfie and chaeyeon.
func BenchmarkFixAllFaces(b *testing.B) {
	eachOf(b, []string{selfie, photos[0]}, func(b *testing.B, data []byte) {
		for b.Loop() {
			if _, _, err := prevalidate.Fix(context.Background(), bytes.NewReader(data), &prevalidate.Options{AllFaces: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
