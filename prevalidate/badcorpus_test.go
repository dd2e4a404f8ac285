package prevalidate

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/facegate/facegate/internal/samples"
)

// Every file of the generated bad-input corpus gets a record with a clear
// code, quickly and without a large allocation; the valid unusual
// encodings decode.
func TestBadInputCorpus(t *testing.T) {
	for _, in := range samples.BadInputs() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		rep, out, err := Fix(context.Background(), bytes.NewReader(in.Data), docOpts)
		el := time.Since(start)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Errorf("%s: error %v", in.Name, err)
			continue
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: %v, %v, %d kB allocated", in.Name, rep.Codes(), el.Round(time.Millisecond), alloc>>10)
		if el > 5*time.Second || alloc > 64<<20 {
			t.Errorf("%s: %v and %d bytes allocated", in.Name, el, alloc)
		}
		if in.Decodes {
			if rep.Has(FailedToReadImage) || out == nil {
				t.Errorf("%s: a valid encoding was not decoded: %v", in.Name, rep.Issues)
			}
			continue
		}
		if rep.OK || out != nil || (!rep.Has(FailedToReadImage) && !rep.Has(InputTooLarge)) {
			t.Errorf("%s: ok=%v output=%v codes %v", in.Name, rep.OK, out != nil, rep.Codes())
		}
		for _, is := range rep.Issues {
			if is.Message == "" {
				t.Errorf("%s: %s without a message", in.Name, is.Code)
			}
		}
	}
}
