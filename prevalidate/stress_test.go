package prevalidate

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
)

// TestStressCorpus runs 8 workers over the corpus images for several rounds
// and checks that every report and output is byte-identical to a serial
// run (decode buffers are pooled and reused across images, detectors are
// pooled across goroutines), and that the heap does not grow from round to
// round. FACEGATE_STRESS_ROUNDS sets the rounds (default 3).
func TestStressCorpus(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	rounds := 3
	if n, err := strconv.Atoi(os.Getenv("FACEGATE_STRESS_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	var inputs [][]byte
	var names []string
	for _, e := range testsupport.Manifest(t) {
		if (e.Format != "JPEG" && e.Format != "PNG" && e.Format != "HEIF") || e.Bytes > 3_000_000 || len(inputs) >= 24 {
			continue
		}
		b, err := os.ReadFile(testsupport.CorpusPath(t, e.Path))
		if err != nil {
			t.Fatal(err)
		}
		inputs, names = append(inputs, b), append(names, e.Path)
	}
	fix := func(b []byte) fixResult { return fixSerialised(t, b) }
	want := make([]fixResult, len(inputs))
	for i, b := range inputs {
		want[i] = fix(b)
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	var first uint64
	for r := range rounds {
		jobs := make(chan int)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					if got := fix(inputs[i]); got.report != want[i].report || !bytes.Equal(got.out, want[i].out) {
						t.Errorf("round %d, %s: the concurrent result differs from the serial one", r, names[i])
					}
				}
			}()
		}
		for i := range inputs {
			jobs <- (i + r*7) % len(inputs) // a different order each round
		}
		close(jobs)
		wg.Wait()
		h := heap()
		t.Logf("round %d: %d images, heap in use %d MB", r, len(inputs), h>>20)
		if r == 0 {
			first = h
		} else if h > first+64<<20 {
			t.Errorf("round %d: heap grew from %d MB to %d MB", r, first>>20, h>>20)
		}
	}
}
