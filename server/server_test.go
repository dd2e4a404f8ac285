package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/progeny"
	"github.com/facegate/facegate/progeny/progenytest"
)

func photo(t *testing.T, rel string) []byte { return testsupport.ReadCorpus(t, rel) }

func newServer(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// The backend's own Progeny client, pointed at facegate: a good selfie is
// forwarded as a compliant JPEG and its task poll passes through; a bad one
// gets 400 in Progeny's shape and upstream sees nothing.
func TestProxy(t *testing.T) {
	testsupport.RequireNative(t)
	up := progenytest.NewServer(progenytest.Options{})
	defer up.Close()
	_, ts := newServer(t, Options{Upstream: up.URL, MaxInFlight: 2})
	c, err := progeny.NewClient(ts.URL+"/api/v3", progeny.WithCredentials("user", "secret"),
		progeny.WithPolling(progeny.Backoff{Initial: 20 * time.Millisecond, Max: 100 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	live, _, err := c.FaceLiveness(ctx, photo(t, "faces-fr/obama.jpg"), nil)
	if err != nil || !live.Result {
		t.Fatalf("good selfie: %+v %v", live, err)
	}
	st := up.Stats()
	if len(st.Uploads) != 1 || st.Polls < 1 || st.Logins != 1 {
		t.Fatalf("upstream saw %+v", st)
	}
	sent := st.Uploads[0].Files["image"]
	rep, err := prevalidate.CheckBytes(ctx, sent, nil)
	if err != nil || !rep.OK || rep.Format != prevalidate.FormatJPEG || rep.Height > 1080 || len(rep.Issues) != 0 {
		t.Errorf("upstream received %s %dx%d ok=%v %v", rep.Format, rep.Width, rep.Height, rep.OK, rep.Codes())
	}

	_, _, err = c.FaceLiveness(ctx, photo(t, "faces-fr/obama-720p.jpg"), nil)
	var ve *progeny.ValidationError
	if !errors.As(err, &ve) || ve.Status != 400 || len(ve.Fields["image"]) == 0 || !strings.HasPrefix(ve.Fields["image"][0], "FACE_TOO_SMALL: ") {
		t.Fatalf("bad selfie: %v", err)
	}
	if got := up.Stats(); got.Posts != 1 {
		t.Errorf("upstream saw %d service POSTs, want 1", got.Posts)
	}
	// A document image has no face: only the image rules apply to it.
	if _, err := c.KYCPassport(ctx, photo(t, "faces-fr/obama.jpg"), photo(t, "exif-orientation/Landscape_6.jpg"), nil); err != nil {
		t.Fatalf("kyc_passport: %v", err)
	}
	last := up.Stats().Uploads[1]
	doc, _ := prevalidate.CheckBytes(ctx, last.Files["passport_image"], &prevalidate.Options{Profile: prevalidate.Document()})
	if last.Service != "kyc_passport" || len(last.Files) != 2 || !doc.OK || doc.Orientation != 1 {
		t.Errorf("kyc_passport upload: %s %d files, document ok=%v orientation %d", last.Service, len(last.Files), doc.OK, doc.Orientation)
	}
}

func multipartBody(t *testing.T, field string, data []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile(field, "upload.jpg")
	w.Write(data)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestCheckAndFixRoutes(t *testing.T) {
	testsupport.RequireNative(t)
	_, ts := newServer(t, Options{})
	good := photo(t, "faces-fr/obama.jpg")
	// /v1/check, raw body and multipart.
	for _, ct := range []string{"image/jpeg", "multipart"} {
		var body io.Reader = bytes.NewReader(good)
		typ := ct
		if ct == "multipart" {
			body, typ = multipartBody(t, "image", good)
		}
		resp, err := http.Post(ts.URL+"/v1/check", typ, body)
		if err != nil {
			t.Fatal(err)
		}
		var rep prevalidate.Report
		json.NewDecoder(resp.Body).Decode(&rep)
		resp.Body.Close()
		if resp.StatusCode != 200 || !rep.OK || len(rep.Faces) != 1 {
			t.Errorf("check %s: %d %+v", ct, resp.StatusCode, rep)
		}
	}
	// /v1/fix: the JPEG with the report in a header, or JSON with base64.
	resp, err := http.Post(ts.URL+"/v1/fix", "image/jpeg", bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var rep prevalidate.Report
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || json.Unmarshal([]byte(resp.Header.Get("X-Facegate-Report")), &rep) != nil || !rep.OK || int64(len(out)) != rep.Output.Bytes {
		t.Errorf("fix: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, _ = http.Post(ts.URL+"/v1/fix?format=json", "image/jpeg", bytes.NewReader(good))
	var j struct {
		Report prevalidate.Report
		Image  []byte
	}
	json.NewDecoder(resp.Body).Decode(&j)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(j.Image, out) {
		t.Errorf("fix json: %d, %d bytes", resp.StatusCode, len(j.Image))
	}
	resp, _ = http.Post(ts.URL+"/v1/fix", "image/jpeg", bytes.NewReader(photo(t, "faces-fr/obama-240p.jpg")))
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("fix of a too-small face: %d, want 422", resp.StatusCode)
	}
	for _, p := range []string{"/healthz", "/metrics"} {
		resp, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || (p == "/metrics" && !strings.Contains(string(b), `facegate_requests_total{outcome="ok",route="fix"} 2`)) {
			t.Errorf("%s: %d %s", p, resp.StatusCode, b)
		}
		if p != "/metrics" {
			continue
		}
		// The standard process and Go collectors, and the C heap.
		for _, name := range []string{"process_resident_memory_bytes ", "go_goroutines ", "go_memstats_heap_inuse_bytes ",
			"facegate_c_heap_in_use_bytes ", "facegate_c_heap_free_bytes ", "facegate_slots_in_use 0"} {
			if !strings.Contains(string(b), "\n"+name) {
				t.Errorf("/metrics has no %q", name)
			}
		}
	}
}

// A 30 MB body is refused with 413 on every image route.
func TestBodyCap(t *testing.T) {
	up := progenytest.NewServer(progenytest.Options{})
	defer up.Close()
	_, ts := newServer(t, Options{Upstream: up.URL})
	big := make([]byte, 30<<20)
	for _, p := range []string{"/v1/check", "/v1/fix"} {
		resp, err := http.Post(ts.URL+p, "image/jpeg", bytes.NewReader(big))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	body, typ := multipartBody(t, "image", big)
	resp, err := http.Post(ts.URL+"/api/v3/services/face_liveness/", typ, body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || up.Stats().Posts != 0 {
		t.Errorf("proxy: %d, upstream posts %d", resp.StatusCode, up.Stats().Posts)
	}
	// Each counted as too large, on its route.
	resp, err = http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, route := range []string{"check", "fix", "service"} {
		if want := `facegate_requests_total{outcome="too_large",route="` + route + `"} 1`; !strings.Contains(string(b), want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
}

// The metrics say which build serves and how much it can take; /readyz
// turns 503 when the server drains, /healthz stays 200.
func TestBuildCapacityAndReadiness(t *testing.T) {
	s, ts := newServer(t, Options{MaxInFlight: 3, MaxQueue: 7, Version: "v1.2.3", Commit: "abc123"})
	get := func(p string) (int, string) {
		resp, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, m := get("/metrics")
	for _, want := range []string{"\nfacegate_slots_capacity 3", "\nfacegate_queue_capacity 7", `facegate_build_info{commit="abc123",goversion="go`, `version="v1.2.3"} 1`} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics has no %q", want)
		}
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("/readyz %d before draining", code)
	}
	s.Drain()
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz %d while draining", code)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz %d while draining", code)
	}
}

// 50 concurrent uploads: never more than MaxInFlight processed at once,
// and every request gets 200 or 503 with Retry-After.
func TestBurstStaysWithinTheCap(t *testing.T) {
	testsupport.RequireNative(t)
	s, ts := newServer(t, Options{MaxInFlight: 2, MaxQueue: 6})
	img := photo(t, "faces-fr/obama.jpg")
	var peak int
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			default:
			}
			peak = max(peak, int(s.slots.held()))
			time.Sleep(time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(ts.URL+"/v1/check", "image/jpeg", bytes.NewReader(img))
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 503 && resp.Header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	if codes[200]+codes[503] != 50 || codes[200] < 8 {
		t.Errorf("answers %v", codes)
	}
	if peak > 2 {
		t.Errorf("%d processed at once, cap 2", peak)
	}
	t.Logf("answers %v, peak in flight %d", codes, peak)
}

// Shutdown lets a request in flight finish.
func TestShutdownDrains(t *testing.T) {
	testsupport.RequireNative(t)
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s}
	go srv.Serve(ln)
	img := photo(t, "faces-gf/chaeyeon.jpg") // a second or so to fix
	done := make(chan int, 1)
	go func() {
		resp, err := http.Post("http://"+ln.Addr().String()+"/v1/fix", "image/jpeg", bytes.NewReader(img))
		if err != nil {
			done <- -1
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	time.Sleep(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 200 {
		t.Errorf("request in flight during shutdown: %d", code)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("still accepting after shutdown")
	}
}

// The middleware hands a backend's own handler the fixed JPEG, or answers
// 400 without calling it.
func TestMiddleware(t *testing.T) {
	testsupport.RequireNative(t)
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	var calls int
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		f, _, err := r.FormFile("selfie_image")
		if err != nil {
			t.Errorf("backend: %v", err)
			return
		}
		got, _ = io.ReadAll(f)
		if r.FormValue("user") != "42" {
			t.Errorf("field lost: %q", r.FormValue("user"))
		}
		w.WriteHeader(201)
	})
	ts := httptest.NewServer(s.Middleware(backend))
	defer ts.Close()
	post := func(img []byte) int {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("user", "42")
		w, _ := mw.CreateFormFile("selfie_image", "me.jpg")
		w.Write(img)
		mw.Close()
		resp, err := http.Post(ts.URL+"/upload", mw.FormDataContentType(), &buf)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(photo(t, "faces-fr/obama.jpg")); code != 201 || calls != 1 {
		t.Fatalf("good: %d, %d calls", code, calls)
	}
	if rep, _ := prevalidate.CheckBytes(context.Background(), got, nil); !rep.OK || rep.Height != 1080 {
		t.Errorf("backend got %dx%d ok=%v", rep.Width, rep.Height, rep.OK)
	}
	if code := post(photo(t, "faces-fr/obama-240p.jpg")); code != 400 || calls != 1 {
		t.Errorf("bad: %d, %d calls", code, calls)
	}
}

// A masked selfie is refused by the proxy before any upstream call, with
// FACE_OCCLUDED in Progeny's shape.
func TestProxyRefusesCoveredAndNotHuman(t *testing.T) {
	testsupport.RequireNative(t)
	up := progenytest.NewServer(progenytest.Options{})
	defer up.Close()
	_, ts := newServer(t, Options{Upstream: up.URL, MaxInFlight: 2})
	c, err := progeny.NewClient(ts.URL+"/api/v3", progeny.WithCredentials("user", "secret"))
	if err != nil {
		t.Fatal(err)
	}
	mask, err := os.ReadFile("../testdata/surface/mask_070.jpg")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.FaceLiveness(context.Background(), mask, nil)
	var ve *progeny.ValidationError
	if !errors.As(err, &ve) || ve.Status != 400 || len(ve.Fields["image"]) == 0 || !strings.Contains(strings.Join(ve.Fields["image"], " "), "FACE_OCCLUDED: ") {
		t.Fatalf("masked selfie: %v", err)
	}
	if got := up.Stats(); got.Posts != 0 {
		t.Errorf("upstream saw %d service POSTs, want none", got.Posts)
	}
}
