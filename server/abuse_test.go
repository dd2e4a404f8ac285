package server

import (
	"bufio"
	"bytes"
	"fmt"
	"github.com/facegate/facegate/internal/testsupport"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// abuseServer runs the handler in the http.Server HTTPServer builds, on
// 127.0.0.1, with short read timeouts so the test does not wait long.
func abuseServer(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	if opts.ReadTimeout == 0 {
		opts.ReadHeaderTimeout, opts.ReadTimeout = 500*time.Millisecond, 2*time.Second
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := s.HTTPServer()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s, "http://" + ln.Addr().String()
}

func healthy(t *testing.T, base string) {
	t.Helper()
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("server not healthy: %v %v", resp, err)
	}
	resp.Body.Close()
}

// closedWithin reports whether the server closes conn within d.
func closedWithin(conn net.Conn, d time.Duration) bool {
	conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, conn)
	return err == nil // EOF: the server closed it; a timeout is an error
}

// Clients that send their headers a byte at a time, or a body that stops
// halfway, are cut off by the read timeouts and give their queue place
// back; the server keeps answering.
func TestSlowAndStalledClients(t *testing.T) {
	testsupport.RequireNative(t)
	s, base := abuseServer(t, Options{MaxInFlight: 1, MaxQueue: 1})
	addr := strings.TrimPrefix(base, "http://")
	var wg sync.WaitGroup
	for i := range 20 { // slow-loris: far more connections than queue places
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			start := time.Now()
			for _, c := range []byte("POST /v1/check HTTP/1.1\r\nHost: x\r\n") {
				if _, err := conn.Write([]byte{c}); err != nil {
					break // cut off
				}
				time.Sleep(50 * time.Millisecond)
				if time.Since(start) > 3*time.Second {
					t.Errorf("slow client %d: still connected after 3 s", i)
					return
				}
			}
		}()
	}
	// A body that stops halfway: headers promise 1 MB, 100 kB arrive.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 1000000\r\n\r\n")
	conn.Write(make([]byte, 100_000))
	start := time.Now()
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	switch {
	case err == nil:
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("half body: status %d", resp.StatusCode)
		}
	case !closedWithin(conn, 3*time.Second):
		t.Errorf("half body: connection neither answered nor closed (%v)", err)
	}
	conn.Close()
	t.Logf("half body ended after %v", time.Since(start).Round(10*time.Millisecond))
	wg.Wait()
	healthy(t, base)
	// The stalled body gave its queue place back: a real image is served.
	resp, err = http.Post(base+"/v1/check", "image/jpeg", bytes.NewReader(photo(t, "faces-fr/obama.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("after the abuse, a good request got %d", resp.StatusCode)
	}
	if n := len(s.queue); n != 0 {
		t.Errorf("%d queue places still held", n)
	}
}

// 100 clients upload a 1.5 MB, 10.7-megapixel photo at once. Every request
// ends with 200 or 503, at most MaxInFlight are processed at once, and the
// heap stays within the budget that MaxInFlight+MaxQueue bodies imply.
func TestManyLargeUploads(t *testing.T) {
	testsupport.RequireNative(t)
	if testing.Short() {
		t.Skip("100 uploads of a 10 MP photo")
	}
	// Read timeouts long enough for 100 bodies on a loaded (or -race) machine.
	s, base := abuseServer(t, Options{MaxInFlight: 2, MaxQueue: 6, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second})
	img := photo(t, "faces-gf/chaeyeon.jpg")
	var peakHeap, peakSlots atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peakHeap.Load() {
				peakHeap.Store(m.HeapInuse)
			}
			if n := uint64(s.slots.held()); n > peakSlots.Load() {
				peakSlots.Store(n)
			}
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(base+"/v1/check", "image/jpeg", bytes.NewReader(img))
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(stop)
	<-done
	el := time.Since(start)
	t.Logf("100 uploads of %d bytes: answers %v in %v, peak heap %d MB, peak in flight %d",
		len(img), codes, el.Round(10*time.Millisecond), peakHeap.Load()>>20, peakSlots.Load())
	if codes[200]+codes[503] != 100 || codes[200] < 8 {
		t.Errorf("answers %v", codes)
	}
	if peakSlots.Load() > 2 {
		t.Errorf("%d processed at once, cap 2", peakSlots.Load())
	}
	// 8 bodies of 1.5 MB and 2 decodes of a few tens of MB each.
	if peakHeap.Load() > 400<<20 {
		t.Errorf("peak heap %d MB", peakHeap.Load()>>20)
	}
	healthy(t, base)
}

// Oversized parts are refused with 413, forms with thousands of parts with
// 400, each quickly.
func TestHostileForms(t *testing.T) {
	_, base := abuseServer(t, Options{MaxBody: 2 << 20})
	form := func(parts int, size int) (*bytes.Buffer, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for i := range parts {
			w, _ := mw.CreateFormFile(fmt.Sprintf("f%d", i), "x.jpg")
			w.Write(make([]byte, size))
		}
		if size > 1000 {
			w, _ := mw.CreateFormFile("image", "big.jpg")
			w.Write(make([]byte, size))
		}
		mw.Close()
		return &buf, mw.FormDataContentType()
	}
	for name, c := range map[string]struct {
		parts, size, want int
	}{
		"oversize part": {0, 3 << 20, http.StatusRequestEntityTooLarge},
		"5000 parts":    {5000, 1, http.StatusBadRequest},
	} {
		body, ct := form(c.parts, c.size)
		start := time.Now()
		resp, err := http.Post(base+"/v1/check", ct, body)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		t.Logf("%s: %d in %v", name, resp.StatusCode, time.Since(start).Round(time.Millisecond))
		if resp.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d", name, resp.StatusCode, c.want)
		}
	}
	healthy(t, base)
}
