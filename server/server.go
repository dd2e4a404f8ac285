// Package server is facegate as an HTTP service: /v1/check and /v1/fix for
// backends that ask directly, and, with an upstream, a drop-in proxy in
// front of Progeny that checks and fixes every image field of a service
// call before it is forwarded. Server is an http.Handler, so a backend can
// mount it in its own mux.
package server

import (
	"context"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/facegate/facegate/internal/cmem"
	"github.com/facegate/facegate/journal"
	"github.com/facegate/facegate/prevalidate"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// OpenAPI is the service's OpenAPI 3.1 document (server/openapi.json),
// served at /openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// Options configure a Server. Zero values are the defaults.
type Options struct {
	// Check configures the pipeline (profile for face images, limits,
	// face finder). nil = the defaults.
	Check *prevalidate.Options
	// Upstream is Progeny's base URL (ending in /api/v3); "" serves no
	// proxy routes.
	Upstream string
	// UpstreamClient sends the proxied requests (nil = http.DefaultClient's
	// transport); its own Timeout, if any, is not what bounds them:
	// UpstreamTimeout is.
	UpstreamClient *http.Client
	// UpstreamTimeout bounds every upstream call, from sending it to the
	// last byte of its answer (0 = 30 s); past it the proxy answers 504.
	UpstreamTimeout time.Duration
	MaxBody         int64 // request body cap, bytes (0 = 20 MB)
	MaxInFlight     int   // slots of images processed at once (0 = CPUs)
	// SlotPixels is how many pixels one slot holds (0 = DefaultSlotPixels):
	// a request takes one slot per SlotPixels its images declare (at least
	// one, at most MaxInFlight; formats other than JPEG count four times,
	// prevalidate.WorkingPixels), so one 48 MP photo takes the place of
	// four 12 MP ones and memory follows the pixels, not the count.
	SlotPixels int64
	// Journal, when set, records every image the proxy forwards, with the
	// verdict Progeny gives it, read from the task polls that pass through
	// (see package journal).
	Journal *journal.Writer
	// Shadow makes the proxy measure and journal every image but forward
	// it as the client sent it (converted only where Progeny takes no
	// such format), failing or not: the journal then also holds what
	// Progeny says of images facegate would have refused.
	Shadow bool
	// Explore, in enforce mode with a Journal, sends this share (0..1) of
	// the proxy's near-threshold refusals anyway (the fixed JPEG),
	// journaled as "explore": without them the journal never sees what
	// Progeny says just below a threshold.
	Explore float64
	// AuthToken, when set, protects /v1/check and /v1/fix: a request must
	// send "Authorization: Bearer AuthToken" (compared in constant time,
	// never logged), or gets 401. The proxy routes are not affected: they
	// pass the client's own Progeny token through.
	AuthToken string
	// IdleRelease is how long the service must be idle (no image in
	// flight) before it hands memory back: pooled buffers, the Go heap's
	// free pages and the C heap's (malloc_trim). 0 = 2 s; negative = never.
	IdleRelease time.Duration
	MaxQueue    int           // requests waiting for a slot (0 = 4 x MaxInFlight); beyond: 503
	Timeout     time.Duration // processing deadline per request (0 = 30 s)
	Logger      *slog.Logger  // access log (nil = slog.Default())
	// ReadHeaderTimeout and ReadTimeout bound how long a client may take
	// to send its headers (0 = 10 s) and its whole request (0 = 60 s), in
	// the http.Server that HTTPServer returns: slow or stalled senders are
	// cut off and give their queue place back.
	ReadHeaderTimeout, ReadTimeout time.Duration
	// DrainDelay is how long a draining server keeps serving, with
	// /readyz answering 503, before it stops accepting (0 = 5 s): the
	// time a load balancer takes to see it is not ready.
	DrainDelay time.Duration
	// Version and Commit name the build in the facegate_build_info
	// metric ("" = unknown).
	Version, Commit string
}

// Server handles facegate's routes.
type Server struct {
	opts     Options
	check    prevalidate.Options // face images
	doc      prevalidate.Options // document images
	upstream *url.URL
	proxy    *httputil.ReverseProxy
	client   *http.Client
	queue    chan struct{} // admitted requests (in flight + waiting)
	slots    *weighted     // slots of pixels being processed
	idle     idler
	verdicts *verdicts   // nil without Options.Journal
	draining atomic.Bool // /readyz says 503
	mux      *http.ServeMux
	reg      *prometheus.Registry
	m        metrics
}

type metrics struct {
	requests   *prometheus.CounterVec
	rejections *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	inFlight   prometheus.Gauge
	slotsHeld  prometheus.Gauge
	released   prometheus.Counter
}

// withDefaults fills the zero values of opts.
func withDefaults(opts Options) Options {
	if opts.MaxBody <= 0 {
		opts.MaxBody = 20 << 20
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = runtime.NumCPU()
	}
	if opts.SlotPixels <= 0 {
		opts.SlotPixels = DefaultSlotPixels
	}
	if opts.IdleRelease == 0 {
		opts.IdleRelease = 2 * time.Second
	}
	if opts.MaxQueue <= 0 {
		opts.MaxQueue = 4 * opts.MaxInFlight
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.UpstreamTimeout <= 0 {
		opts.UpstreamTimeout = 30 * time.Second
	}
	if opts.DrainDelay <= 0 {
		opts.DrainDelay = 5 * time.Second
	}
	if opts.ReadHeaderTimeout <= 0 {
		opts.ReadHeaderTimeout = 10 * time.Second
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = 60 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return opts
}

// New returns a Server.
func New(opts Options) (*Server, error) {
	opts = withDefaults(opts)
	s := &Server{opts: opts, queue: make(chan struct{}, opts.MaxInFlight+opts.MaxQueue), slots: newWeighted(int64(opts.MaxInFlight)), mux: http.NewServeMux()}
	s.idle = idler{after: opts.IdleRelease, release: s.releaseMemory}
	if opts.Journal != nil {
		s.verdicts = newVerdicts(opts.Journal)
	}
	if opts.Check != nil {
		s.check = *opts.Check
	}
	s.doc = s.check
	s.doc.Profile = prevalidate.Document()
	if s.check.Profile == nil {
		s.check.Profile = prevalidate.Progeny()
	}
	s.reg = prometheus.NewRegistry()
	s.m = metrics{
		requests:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "facegate_requests_total", Help: "Requests by route and outcome."}, []string{"route", "outcome"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "facegate_rejections_total", Help: "Images refused, by the first error code."}, []string{"code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "facegate_processing_seconds", Help: "Time to check or fix the images of a request.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"route"}),
		inFlight:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "facegate_images_in_flight", Help: "Requests processing images now."}),
		slotsHeld: prometheus.NewGauge(prometheus.GaugeOpts{Name: "facegate_slots_in_use", Help: "Processing slots taken now, by pixels (see --max-in-flight)."}),
		released:  prometheus.NewCounter(prometheus.CounterOpts{Name: "facegate_idle_releases_total", Help: "Times the idle service handed memory back."}),
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "facegate_build_info", Help: "The build serving: always 1, its identity in the labels."}, []string{"version", "commit", "goversion"})
	build.WithLabelValues(orUnknown(opts.Version), orUnknown(opts.Commit), runtime.Version()).Set(1)
	s.reg.MustRegister(s.m.requests, s.m.rejections, s.m.latency, s.m.inFlight, s.m.slotsHeld, s.m.released, build,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "facegate_slots_capacity", Help: "Processing slots (--max-in-flight)."},
			func() float64 { return float64(opts.MaxInFlight) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "facegate_queue_capacity", Help: "Requests that may wait for a slot (--queue)."},
			func() float64 { return float64(opts.MaxQueue) }),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector(),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "facegate_c_heap_in_use_bytes", Help: "C heap (glibc malloc, every arena) allocated by the native libraries."},
			func() float64 { return float64(cmem.ReadStats().InUse) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "facegate_c_heap_free_bytes", Help: "C heap freed but kept by glibc's arenas until trimmed."},
			func() float64 { return float64(cmem.ReadStats().Free) }))
	// Liveness: the process answers. Readiness: it takes work (the models
	// are loaded before it listens; 503 once it drains).
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if s.draining.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "draining\n")
			return
		}
		io.WriteString(w, "ready\n")
	})
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(OpenAPI)
	})
	s.mux.Handle("POST /v1/check", s.authorized(http.HandlerFunc(s.handleCheck)))
	s.mux.Handle("POST /v1/fix", s.authorized(http.HandlerFunc(s.handleFix)))
	if opts.Upstream != "" {
		u, err := url.Parse(strings.TrimRight(opts.Upstream, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("upstream %q: need http(s)://host/path", opts.Upstream)
		}
		s.upstream = u
		s.client = opts.UpstreamClient
		if s.client == nil {
			s.client = &http.Client{}
		}
		s.proxy = &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme, r.Out.URL.Host = u.Scheme, u.Host
			r.Out.URL.Path = u.Path + strings.TrimPrefix(r.In.URL.Path, "/api/v3")
			r.Out.Host = u.Host
		}, Transport: s.client.Transport, ModifyResponse: s.passAnswer}
		s.mux.Handle("/api/v3/accounts/token/", s.passThrough("token"))
		s.mux.Handle("GET /api/v3/services/task/", s.passThrough("task"))
		s.mux.HandleFunc("POST /api/v3/services/{name}/", s.handleService)
	}
	return s, nil
}

// authorized lets a request through when no token is set or it carries
// the token; otherwise it answers 401 before the body is read.
func (s *Server) authorized(next http.Handler) http.Handler {
	if s.opts.AuthToken == "" {
		return next
	}
	want := []byte(s.opts.AuthToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The scheme is case-insensitive (RFC 9110, 11.1), the token is not.
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimLeft(token, " ")), want) != 1 {
			s.m.requests.WithLabelValues(strings.TrimPrefix(r.URL.Path, "/v1/"), "unauthorized").Inc()
			w.Header().Set("WWW-Authenticate", `Bearer realm="facegate"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "missing or wrong bearer token"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ServeHTTP logs each request (method, path, status, duration; never
// bodies or headers) around the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(sw, r)
	s.opts.Logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", time.Since(start).Milliseconds())
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *Server) passThrough(route string) http.Handler {
	// The route's own copy of the proxy, whose failures it names.
	proxy := *s.proxy
	proxy.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) { s.upstreamFailed(w, route, err, false) }
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.m.requests.WithLabelValues(route, "proxied").Inc()
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.UpstreamTimeout)
		defer cancel()
		proxy.ServeHTTP(w, r.WithContext(ctx))
	})
}

// enqueue takes a place among the admitted requests (in flight plus
// waiting) before the body is read, so at most MaxInFlight+MaxQueue bodies
// are ever held in memory. It answers 503 itself when there is none, and
// returns the func that gives the place back otherwise.
func (s *Server) enqueue(w http.ResponseWriter, r *http.Request, route string) (func(), bool) {
	select {
	case s.queue <- struct{}{}:
		return func() { <-s.queue }, true
	default:
		// Read (and drop) a body of a few MB before answering, so that a
		// client still sending it reads the 503 instead of a broken pipe;
		// a larger one gets the answer and a closed connection.
		io.Copy(io.Discard, io.LimitReader(r.Body, drainBusy))
		s.m.requests.WithLabelValues(route, "busy").Inc()
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"detail": "busy: too many images in flight, retry shortly"})
		return nil, false
	}
}

// drainBusy is how much of a refused request's body is read and dropped.
const drainBusy = 4 << 20

// DefaultSlotPixels is Options.SlotPixels' default: a 12 MP photo per slot.
const DefaultSlotPixels = 12_000_000

// slots is how many processing slots images of px pixels take.
func (s *Server) slotsFor(px int64) int64 {
	return min(max(1, (px+s.opts.SlotPixels-1)/s.opts.SlotPixels), int64(s.opts.MaxInFlight))
}

// slot waits for the processing slots px pixels take, or for the client
// to leave.
func (s *Server) slot(r *http.Request, px int64) (func(), bool) {
	n := s.slotsFor(px)
	s.idle.enter()
	if err := s.slots.acquire(r.Context(), n); err != nil {
		s.idle.leave()
		return nil, false
	}
	s.m.inFlight.Inc()
	s.m.slotsHeld.Add(float64(n))
	return func() {
		s.m.slotsHeld.Sub(float64(n))
		s.m.inFlight.Dec()
		s.slots.release(n)
		s.idle.leave()
	}, true
}

// HTTPServer returns an http.Server for the handler with the timeouts a
// server facing strangers needs: ReadHeaderTimeout and ReadTimeout from the
// options, a write timeout of the processing deadline plus a minute, and
// idle connections closed after two minutes.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{Handler: s, ReadHeaderTimeout: s.opts.ReadHeaderTimeout, ReadTimeout: s.opts.ReadTimeout,
		WriteTimeout: s.opts.Timeout + time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(s.opts.Logger.Handler(), slog.LevelWarn)}
}

// readImage reads the request's image: the multipart field "image", or the
// raw body. A body over the cap is a 413.
func (s *Server) readImage(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	if r.ContentLength > s.opts.MaxBody {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body over the %d-byte limit", s.opts.MaxBody)
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var data []byte
	var err error
	if ct == "multipart/form-data" {
		var f multipart.File
		var fh *multipart.FileHeader
		if err = r.ParseMultipartForm(8 << 20); err == nil {
			f, fh, err = r.FormFile("image")
			if err == nil {
				data, err = readSized(f, fh.Size)
				f.Close()
			}
		}
	} else {
		data, err = readSized(r.Body, r.ContentLength)
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body over the %d-byte limit", s.opts.MaxBody)
	case errors.Is(err, http.ErrMissingFile):
		return nil, http.StatusBadRequest, errors.New(`no multipart field "image"`)
	case err != nil:
		return nil, http.StatusBadRequest, err
	case len(data) == 0:
		return nil, http.StatusBadRequest, errors.New("empty body: send the image as the body or as the multipart field \"image\"")
	}
	return data, 0, nil
}

// readSized reads r into a buffer of the size announced, when it is
// known, so a body is held once, not in a buffer grown by doubling (up to
// twice its size); a body that is not the size it announced is an error.
func readSized(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 {
		return io.ReadAll(r)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, err
	}
	return data, nil
}

// withImage reads the request's image and runs work on it in a processing
// slot, under the processing deadline. It answers bad requests, a full
// queue and pipeline failures itself.
func (s *Server) withImage(w http.ResponseWriter, r *http.Request, route string, work func(ctx context.Context, data []byte) error) {
	leave, ok := s.enqueue(w, r, route)
	if !ok {
		return
	}
	defer leave()
	data, status, err := s.readImage(w, r)
	if err != nil {
		outcome := "bad_request"
		if status == http.StatusRequestEntityTooLarge {
			outcome = "too_large"
		}
		s.m.requests.WithLabelValues(route, outcome).Inc()
		writeJSON(w, status, map[string]string{"detail": err.Error()})
		return
	}
	release, ok := s.slot(r, prevalidate.WorkingPixels(data))
	if !ok {
		return
	}
	defer release()
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	defer cancel()
	start := time.Now()
	err = work(ctx, data)
	s.m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	if err != nil {
		s.fail(w, route, err)
	}
}

func (s *Server) handleCheck(w http.ResponseWriter, r *http.Request) {
	s.withImage(w, r, "check", func(ctx context.Context, data []byte) error {
		rep, err := prevalidate.CheckBytes(ctx, data, &s.check)
		if err != nil {
			return err
		}
		s.count("check", rep.OK, rep.Issues)
		writeJSON(w, http.StatusOK, rep)
		return nil
	})
}

func (s *Server) handleFix(w http.ResponseWriter, r *http.Request) {
	s.withImage(w, r, "fix", func(ctx context.Context, data []byte) error {
		rep, out, err := prevalidate.FixBytes(ctx, data, &s.check)
		if err != nil {
			return err
		}
		outIssues := rep.Issues
		if rep.Output != nil {
			outIssues = rep.Output.Issues
		}
		s.count("fix", rep.OK, outIssues)
		if !rep.OK {
			writeJSON(w, http.StatusUnprocessableEntity, rep)
			return nil
		}
		if r.URL.Query().Get("format") == "json" {
			writeJSON(w, http.StatusOK, map[string]any{"report": rep, "image": base64.StdEncoding.EncodeToString(out)})
			return nil
		}
		compact, _ := json.Marshal(rep)
		w.Header().Set("X-Facegate-Report", string(compact))
		w.Header().Set("Content-Type", "image/jpeg")
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		w.Write(out)
		return nil
	})
}

// fail answers a pipeline error: the deadline (504), the client gone, or a
// setup problem such as a missing model (500).
func (s *Server) fail(w http.ResponseWriter, route string, err error) {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		s.m.requests.WithLabelValues(route, "timeout").Inc()
		writeJSON(w, http.StatusGatewayTimeout, map[string]string{"detail": "processing deadline exceeded"})
	case errors.Is(err, context.Canceled):
		s.m.requests.WithLabelValues(route, "canceled").Inc()
	default:
		s.m.requests.WithLabelValues(route, "error").Inc()
		s.opts.Logger.Error("pipeline", "route", route, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": err.Error()})
	}
}

func (s *Server) count(route string, ok bool, issues []prevalidate.Issue) {
	if ok {
		s.m.requests.WithLabelValues(route, "ok").Inc()
		return
	}
	s.m.requests.WithLabelValues(route, "rejected").Inc()
	for _, is := range issues {
		if is.Severity == prevalidate.SeverityError {
			s.m.rejections.WithLabelValues(string(is.Code)).Inc()
			return
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// Drain makes /readyz answer 503 from now on: a load balancer stops
// sending work while the requests in flight finish. The caller then waits
// Options.DrainDelay and shuts the http.Server down (DrainTime in all).
func (s *Server) Drain() { s.draining.Store(true) }

// DrainDelay is the server's Options.DrainDelay, defaults applied.
func (s *Server) DrainDelay() time.Duration { return s.opts.DrainDelay }
