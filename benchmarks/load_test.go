package benchmarks

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/facegate/facegate/server"
)

// TestLoad prints requests per second and p50/p99 latency of the HTTP
// service at concurrency 1, 2 and 8, with a real photo, against a server in
// this process on 127.0.0.1. It is a measurement, not a test: run it with
// FACEGATE_LOAD=1 go test ./benchmarks -run Load -v.
func TestLoad(t *testing.T) {
	if os.Getenv("FACEGATE_LOAD") == "" {
		t.Skip("set FACEGATE_LOAD=1 to measure the service under load")
	}
	s, err := server.New(server.Options{MaxQueue: 64})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	img := load(t, "faces-fr/obama.jpg")
	// Warm up: the first request loads the landmark model.
	if resp, err := http.Post(ts.URL+"/v1/check", "image/jpeg", bytes.NewReader(img)); err == nil {
		resp.Body.Close()
	}
	for _, route := range []string{"/v1/check", "/v1/fix"} {
		for _, conc := range []int{1, 2, 8} {
			n := 16 * conc
			lat := make([]time.Duration, 0, n)
			var mu sync.Mutex
			var wg sync.WaitGroup
			next := make(chan struct{}, n)
			for range n {
				next <- struct{}{}
			}
			close(next)
			start := time.Now()
			for range conc {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range next {
						t0 := time.Now()
						resp, err := http.Post(ts.URL+route, "image/jpeg", bytes.NewReader(img))
						if err != nil {
							t.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 {
							t.Errorf("%s: %d", route, resp.StatusCode)
						}
						mu.Lock()
						lat = append(lat, time.Since(t0))
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			el := time.Since(start)
			slices.Sort(lat)
			fmt.Printf("%-9s concurrency %d: %d requests, %.1f req/s, p50 %v, p99 %v\n", route, conc, len(lat),
				float64(len(lat))/el.Seconds(), lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*99/100].Round(time.Millisecond))
		}
	}
}
