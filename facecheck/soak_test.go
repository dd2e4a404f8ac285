package facecheck

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/disintegration/imaging"

	"github.com/facegate/facegate/internal/testsupport"
)

// rss is this process's resident set size in bytes (Linux).
func rss(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc/self/statm")
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// TestSoakNoLeak runs the detector and the predictor 10,000 times and
// creates and drops 1,000 detectors; the resident memory must stay flat.
// It takes about a minute: FACEGATE_SOAK=1 go test ./facecheck -run Soak -v.
func TestSoakNoLeak(t *testing.T) {
	if os.Getenv("FACEGATE_SOAK") == "" {
		t.Skip("set FACEGATE_SOAK=1 to run the 10,000-detection leak check")
	}
	p := predictor(t)
	img := Gray(imaging.Resize(testsupport.DecodeCorpus(t, "faces-dlib/Tom_Cruise_avp_2014_4.jpg"), 0, 240, imaging.Linear))
	det, err := NewDetector()
	if err != nil {
		t.Fatal(err)
	}
	loop := func(n int) {
		for range n {
			dets, err := det.Detect(img, 0)
			if err != nil || len(dets) != 1 {
				t.Fatalf("%v %v", dets, err)
			}
			if _, err := p.Landmarks(img, dets[0].Box); err != nil {
				t.Fatal(err)
			}
		}
	}
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("FACEGATE_SOAK")); err == nil && v > 1 {
		n = v
	}
	loop(n / 10)
	runtime.GC()
	base := rss(t)
	loop(n - n/10)
	runtime.GC()
	mid := rss(t)
	// Detectors created and dropped: Close frees at once; dropped ones are
	// freed by their cleanups after a GC, on another thread (the free trims
	// glibc's arenas, or the RSS would keep every round's peak).
	churn := func(close bool) int64 {
		for range n / 10 {
			d, err := NewDetector()
			if err != nil {
				t.Fatal(err)
			}
			d.Detect(img, 0)
			if close {
				d.Close()
			}
		}
		for range 3 {
			runtime.GC()
			time.Sleep(100 * time.Millisecond)
		}
		return rss(t)
	}
	closed := churn(true)
	dropped1 := churn(false)
	end := churn(false)
	// What the same number of detectors weighs when they are kept: the
	// growth a dropped round would show if their cleanups did not free them.
	held := make([]*Detector, n/10)
	for i := range held {
		if held[i], err = NewDetector(); err != nil {
			t.Fatal(err)
		}
		held[i].Detect(img, 0)
	}
	heldRSS := rss(t)
	for _, d := range held {
		d.Close()
	}
	t.Logf("RSS: after %d detections %d MB, after %d %d MB; %d detectors closed %d MB, dropped %d MB, dropped again %d MB; %d held %d MB",
		n/10, base>>20, n, mid>>20, n/10, closed>>20, dropped1>>20, end>>20, n/10, heldRSS>>20)
	if mid > base+32<<20 || closed > base+32<<20 || dropped1 > base+32<<20 || end > base+32<<20 {
		t.Errorf("RSS grew")
	}
	if weight := heldRSS - end; end-closed > weight/4 {
		t.Errorf("dropped detectors are not freed: two dropped rounds grew RSS %d MB, %d held detectors weigh %d MB", (end-closed)>>20, n/10, weight>>20)
	}
}
