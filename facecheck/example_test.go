//go:build cgo

package facecheck_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/png"
	"math"
	"os"

	"github.com/facegate/facegate/facecheck"
	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/models"
)

// Find a face turned on its side: BlazeFace finds it with its eyes, the
// landmarks are fitted on it turned upright, and the roll says by how
// much the photo is turned.
func ExampleAnalyzer_Find() {
	lib, err := models.Find(models.ONNXRuntime, nil) // make fetches it into third_party/
	if err != nil {
		panic(err)
	}
	model, err := models.Find(models.BlazeFace256, nil)
	if err != nil {
		panic(err)
	}
	landmarks, err := models.Find(models.Landmarks68, nil) // Debian's libdlib-data
	if err != nil {
		panic(err)
	}
	if err := facecheck.LoadRuntime(lib); err != nil {
		panic(err)
	}
	bf, err := facecheck.NewBlazeFace(model)
	if err != nil {
		panic(err)
	}
	// The flat copy kept in the user's cache folder maps in a millisecond;
	// the first run makes it from dlib's format (half a second or more).
	pred, err := facecheck.LoadPredictorCached(landmarks, models.CacheDir(""))
	if err != nil {
		panic(err)
	}
	a := facecheck.NewKeypointAnalyzer(pred, bf)

	f, err := os.Open("../testdata/samples/astronaut.png")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		panic(err)
	}
	sideways := samples.Turned(img, 90, color.RGBA{A: 255}) // a quarter turn clockwise
	faces, err := a.Find(context.Background(), sideways, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d face, roll about %.0f°, %d landmarks\n", len(faces), math.Round(faces[0].Pose.Roll/10)*10, len(faces[0].Landmarks))
	// Output:
	// 1 face, roll about 90°, 68 landmarks
}

// Read what covers a face: dark lenses drawn over the astronaut's eyes
// hide them, and her mouth stays visible.
func ExampleSurfaceModel_Measure() {
	lib, err := models.Find(models.ONNXRuntime, nil)
	if err != nil {
		panic(err)
	}
	landmarks, err := models.Find(models.Landmarks68, nil)
	if err != nil {
		panic(err)
	}
	if err := facecheck.LoadRuntime(lib); err != nil {
		panic(err)
	}
	data, _, err := models.SurfaceBytes(nil) // the copy built into facegate
	if err != nil {
		panic(err)
	}
	surface, err := facecheck.NewSurfaceModel(data)
	if err != nil {
		panic(err)
	}
	// The flat copy kept in the user's cache folder maps in a millisecond;
	// the first run makes it from dlib's format (half a second or more).
	pred, err := facecheck.LoadPredictorCached(landmarks, models.CacheDir(""))
	if err != nil {
		panic(err)
	}
	a := facecheck.NewAnalyzer(pred) // dlib's HOG detector

	f, err := os.Open("../testdata/samples/astronaut.png")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	src, _, err := image.Decode(f)
	if err != nil {
		panic(err)
	}
	img := image.NewRGBA(src.Bounds())
	draw.Draw(img, img.Bounds(), src, image.Point{}, draw.Src)
	faces, err := a.Find(context.Background(), img, &facecheck.FindOptions{MinFace: 80})
	if err != nil || len(faces) == 0 {
		panic(fmt.Sprint(len(faces), err))
	}
	face := faces[0]
	for _, e := range [][2]float64{face.Eyes.Right, face.Eyes.Left} {
		r := 0.45 * face.IPD
		for y := int(e[1] - r); y <= int(e[1]+r); y++ {
			for x := int(e[0] - r); x <= int(e[0]+r); x++ {
				if dx, dy := float64(x)-e[0], (float64(y)-e[1])/0.72; dx*dx+dy*dy <= r*r {
					img.Set(x, y, color.RGBA{20, 20, 25, 255})
				}
			}
		}
	}
	c, err := surface.Measure(img, &face, false)
	if err != nil {
		panic(err)
	}
	fmt.Printf("eyes covered: %v, mouth covered: %v, a person's face: %v\n",
		c.Eyes() > 0.5, c.Covered[facecheck.RegionMouth] > 0.5, c.Human > 0.5)
	// Output:
	// eyes covered: true, mouth covered: false, a person's face: true
}
