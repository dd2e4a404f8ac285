//go:build cgo

package prevalidate_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/prevalidate"
)

// Check an upload and fix it. The astronaut's face is found and measured,
// and it is too small for Progeny: no output can pass, so OK is false.
func Example() {
	f, err := os.Open("../testdata/samples/astronaut.png")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	rep, jpg, err := prevalidate.Fix(context.Background(), f, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(rep.Format, rep.Width, rep.Height, len(rep.Faces), "face")
	f0 := rep.Faces[0]
	fmt.Printf("face about %.0f px, eyes about %.0f px apart\n", math.Round(f0.Size/10)*10, math.Round(f0.IPD/10)*10)
	for _, is := range rep.Issues {
		fmt.Println(is.Code, strings.SplitN(is.Message, ":", 2)[0])
	}
	fmt.Println(rep.OK, rep.Output.Width, rep.Output.Height, rep.Output.Quality, len(jpg) == int(rep.Output.Bytes))
	// Output:
	// png 512 512 1 face
	// face about 100 px, eyes about 40 px apart
	// FACE_TOO_SMALL Absolute face size is too small
	// false 512 512 92 true
}

// Document images (ID cards, passports) are judged without the face rules.
func ExampleDocument() {
	f, err := os.Open("../testdata/samples/astronaut.png")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	rep, err := prevalidate.Check(context.Background(), f, &prevalidate.Options{Profile: prevalidate.Document()})
	if err != nil {
		panic(err)
	}
	fmt.Println(rep.OK, len(rep.Issues), len(rep.Faces))
	// Output:
	// true 0 0
}

// A header that declares 900 megapixels is refused before any pixel is decoded.
func ExampleCheckBytes() {
	bomb := samples.PNGBomb(30000, 30000) // a 65-byte PNG header
	rep, _ := prevalidate.CheckBytes(context.Background(), bomb, nil)
	fmt.Println(rep.Issues[0].Code)
	fmt.Println(rep.Issues[0].Message)
	// Output:
	// INPUT_TOO_LARGE
	// Input is over a safety limit and was not decoded: 30000x30000 is 900.0 megapixels, the limit is 100.0
}
