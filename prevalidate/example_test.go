package prevalidate_test

import (
	"context"
	"fmt"
	"os"

	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/prevalidate"
)

// Check an upload as it is, then fix it.
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
	fmt.Println(rep.Format, rep.Width, rep.Height, len(rep.Issues))
	fmt.Println(rep.OK, rep.Output.Width, rep.Output.Height, rep.Output.Quality, len(jpg) == int(rep.Output.Bytes))
	// Output:
	// png 512 512 0
	// true 512 512 92 true
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
