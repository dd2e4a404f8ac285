package prevalidate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/models"
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

// A LazyAnalyzer shared by goroutines that all need it at once loads once:
// each gets the same Analyzer and the same report as the default one
// gives. One whose runtime is missing fails every image that needs it with
// ErrLoad (the setup's error, naming the file), and none that does not.
func TestLazyAnalyzer(t *testing.T) {
	testsupport.RequireNative(t)
	photo := testsupport.ReadCorpus(t, "faces-fr/obama.jpg")
	want, err := CheckBytes(context.Background(), photo, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want)
	lazy, err := NewLazyAnalyzer(nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := &Options{Faces: lazy}
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := CheckBytes(context.Background(), photo, opts)
			if got, _ := json.Marshal(rep); err != nil || !bytes.Equal(got, wantJSON) {
				t.Errorf("concurrent first use: %v\n%s\nwant %s", err, got, wantJSON)
			}
		}()
	}
	wg.Wait()
	a1, err1 := lazy.Load()
	a2, err2 := lazy.Load()
	if err1 != nil || err2 != nil || a1 != a2 || a1 == nil {
		t.Errorf("Load: %p %v, %p %v", a1, err1, a2, err2)
	}

	broken, err := NewLazyAnalyzer(&AnalyzerOptions{Runtime: models.Options{Path: "/nowhere/libonnxruntime.so.1"}})
	if err != nil {
		t.Fatal(err)
	}
	bad := &Options{Faces: broken}
	rep, err := CheckBytes(context.Background(), []byte("text"), bad)
	if err != nil || !rep.Has(FailedToReadImage) {
		t.Errorf("text with the runtime missing: %v %+v", err, rep)
	}
	for range 2 { // the same error again, not a second load
		if _, err := CheckBytes(context.Background(), photo, bad); !errors.Is(err, ErrLoad) || !strings.Contains(err.Error(), "/nowhere/libonnxruntime.so.1") {
			t.Errorf("photo with the runtime missing: %v", err)
		}
	}
	if _, err := NewLazyAnalyzer(&AnalyzerOptions{Detector: "cnn"}); err == nil {
		t.Error("an unknown detector was accepted")
	}
}
