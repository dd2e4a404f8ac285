//go:build cgo

package facecheck_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
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
	pred, err := facecheck.LoadPredictor(landmarks)
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
