package prevalidate

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/internal/testsupport"
)

// The library is safe for concurrent use: many goroutines fixing the same
// inputs get exactly the serial results. Run with -race.
func TestConcurrentFixMatchesSerial(t *testing.T) {
	testsupport.RequireNative(t)
	inputs := [][]byte{samples.PNGBomb(30000, 30000), []byte("text")}
	for _, rel := range []string{"exif-orientation/Landscape_6.jpg", "faces-fr/alex-lacamoire.png", "exif-samples/tiff/BSG1.tiff"} {
		b, err := os.ReadFile(testsupport.CorpusPath(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, b)
	}
	fix := func(b []byte) fixResult { return fixSerialised(t, b) }
	want := make([]fixResult, len(inputs))
	for i, b := range inputs {
		want[i] = fix(b)
	}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, b := range inputs {
				if got := fix(b); got.report != want[i].report || !bytes.Equal(got.out, want[i].out) {
					t.Errorf("input %d: concurrent result differs from the serial one", i)
				}
			}
		}()
	}
	wg.Wait()
}

// fixResult is a Fix report as JSON and the output bytes: two runs agree
// when both are equal.
type fixResult struct {
	report string
	out    []byte
}

func fixSerialised(t *testing.T, b []byte) fixResult {
	rep, out, err := Fix(context.Background(), bytes.NewReader(b), nil)
	if err != nil {
		t.Error(err)
	}
	j, _ := json.Marshal(rep)
	return fixResult{string(j), out}
}
