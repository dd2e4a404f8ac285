// Package progenytest is an in-process fake of the Progeny API v3 for
// tests: token obtain and refresh with JWTs whose exp is honoured, the
// service POSTs and the task endpoint, with knobs for token lifetime,
// failures, pending time and the liveness verdict. It listens on
// 127.0.0.1 only.
package progenytest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Verdict is the liveness outcome the fake gives an image.
type Verdict struct {
	OK      bool
	Code    string // error_code when not OK, e.g. FACE_TOO_SMALL
	Message string
	// InData puts a failure in the second documented shape: result.status
	// 200, liveness.data.error_code, issues inside data.
	InData bool
}

// Options are the fake's knobs. The zero value is a healthy server with
// user "user", password "secret", five-minute access tokens, tasks done at
// once and every image live.
type Options struct {
	Username, Password string
	AccessTTL          time.Duration // 0 = 5 minutes
	// Fail503 and Fail429 answer the first service POSTs with 503, then
	// 429 (Retry-After: RetryAfter seconds), before serving normally.
	Fail503, Fail429 int
	RetryAfter       int
	// Fail500 answers the first service POSTs with 500 after reading them:
	// the client cannot know whether a task was created.
	Fail500 int
	Pending time.Duration // tasks stay PENDING this long
	// RejectRefresh refuses every refresh (as after a server-side logout):
	// the client must log in again.
	RejectRefresh bool
	// Judge gives the verdict for an uploaded image; nil = live.
	Judge func(service string, image []byte) Verdict
	// Stall holds the answers of these routes ("token", "service",
	// "task") this long after the work is done (a service POST's task is
	// created first): a slow upstream. A client that leaves ends the wait.
	Stall map[string]time.Duration
	// Truncate cuts the answers of these routes short: the whole
	// Content-Length is announced, half the body sent, the connection
	// closed.
	Truncate map[string]bool
}

// Upload is one service POST the fake accepted.
type Upload struct {
	Service string
	Files   map[string][]byte
	Fields  map[string]string
}

// Server is a running fake.
type Server struct {
	*httptest.Server
	URL string // base URL, ending in /api/v3

	opts                            Options
	mu                              sync.Mutex
	stats                           Stats
	access                          map[string]time.Time
	refresh                         map[string]bool
	tasks                           map[string]*task
	ids                             int
	failed503, failed429, failed500 int
}

// Stats count what the fake saw, for assertions.
type Stats struct {
	Logins, Refreshes int
	Posts             int // service POSTs, refused ones included
	Polls             int
	Uploads           []Upload // accepted service POSTs, in order
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Uploads = append([]Upload(nil), s.stats.Uploads...)
	return st
}

type task struct {
	id      int
	service string
	ready   time.Time
	result  map[string]any
}

// NewServer starts a fake on 127.0.0.1. Close it when done.
func NewServer(opts Options) *Server {
	if opts.Username == "" {
		opts.Username, opts.Password = "user", "secret"
	}
	if opts.AccessTTL <= 0 {
		opts.AccessTTL = 5 * time.Minute
	}
	s := &Server{opts: opts, access: map[string]time.Time{}, refresh: map[string]bool{}, tasks: map[string]*task{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v3/accounts/token/obtain/", s.misbehave("token", s.obtain))
	mux.HandleFunc("POST /api/v3/accounts/token/refresh/", s.misbehave("token", s.refreshToken))
	mux.HandleFunc("GET /api/v3/services/task/", s.misbehave("task", s.task))
	mux.HandleFunc("POST /api/v3/services/{name}/", s.misbehave("service", s.service))
	s.Server = httptest.NewServer(mux)
	s.URL = s.Server.URL + "/api/v3"
	return s
}

// misbehave applies Options.Stall and Options.Truncate to a route: the
// handler's answer is made in full first, then held, or cut short.
func (s *Server) misbehave(route string, h http.HandlerFunc) http.HandlerFunc {
	stall, cut := s.opts.Stall[route], s.opts.Truncate[route]
	if stall <= 0 && !cut {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h(rec, r)
		select {
		case <-time.After(stall):
		case <-r.Context().Done():
			return
		}
		body := rec.Body.Bytes()
		if !cut {
			for k, vs := range rec.Header() {
				w.Header()[k] = vs
			}
			w.WriteHeader(rec.Code)
			w.Write(body)
			return
		}
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", rec.Code, http.StatusText(rec.Code), rec.Header().Get("Content-Type"), len(body))
		buf.Write(body[:len(body)/2])
		buf.Flush()
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// jwt mints an unsigned-looking token with the claims simplejwt puts in.
func jwt(kind string, exp time.Time) string {
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body, _ := json.Marshal(map[string]any{"token_type": kind, "exp": exp.Unix(), "user_id": 1, "jti": randomHex(8)})
	return head + "." + enc.EncodeToString(body) + "." + enc.EncodeToString([]byte(randomHex(16)))
}

func (s *Server) issue() map[string]string {
	// exp is whole seconds: round up so a token is never shorter than asked.
	exp := time.Now().Add(s.opts.AccessTTL).Truncate(time.Second).Add(time.Second)
	a, r := jwt("access", exp), jwt("refresh", time.Now().Add(24*time.Hour))
	s.access[a], s.refresh[r] = exp, true
	return map[string]string{"access": a, "refresh": r}
}

func (s *Server) obtain(w http.ResponseWriter, r *http.Request) {
	user, pass := r.FormValue("username"), r.FormValue("password")
	missing := map[string][]string{}
	if user == "" {
		missing["username"] = []string{"This field is required."}
	}
	if pass == "" {
		missing["password"] = []string{"This field is required."}
	}
	if len(missing) > 0 {
		writeJSON(w, http.StatusBadRequest, missing)
		return
	}
	if user != s.opts.Username || pass != s.opts.Password {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "No active account found with the given credentials"})
		return
	}
	s.mu.Lock()
	s.stats.Logins++
	t := s.issue()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) refreshToken(w http.ResponseWriter, r *http.Request) {
	tok := r.FormValue("refresh")
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.refresh[tok] || s.opts.RejectRefresh {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Token is invalid or expired", "code": "token_not_valid"})
		return
	}
	delete(s.refresh, tok) // refresh tokens rotate
	s.stats.Refreshes++
	writeJSON(w, http.StatusOK, s.issue())
}

// authorized checks the Bearer token; it writes the 401 itself.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	exp, known := s.access[tok]
	s.mu.Unlock()
	if !ok || !known || time.Now().After(exp) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": "Given token not valid for any token type", "code": "token_not_valid"})
		return false
	}
	return true
}

func (s *Server) service(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	s.stats.Posts++
	// The first POSTs fail as configured: 503s, then 429s, then 500s.
	for _, f := range []struct {
		done  *int
		limit int
		code  int
		body  string
	}{
		{&s.failed503, s.opts.Fail503, http.StatusServiceUnavailable, "Service temporarily unavailable"},
		{&s.failed429, s.opts.Fail429, http.StatusTooManyRequests, "Request was throttled."},
		{&s.failed500, s.opts.Fail500, http.StatusInternalServerError, "Internal server error"},
	} {
		if *f.done < f.limit {
			*f.done++
			s.mu.Unlock()
			io.Copy(io.Discard, r.Body)
			if f.code == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", fmt.Sprint(s.opts.RetryAfter))
			}
			writeJSON(w, f.code, map[string]string{"detail": f.body})
			return
		}
	}
	s.mu.Unlock()
	name := r.PathValue("name")
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string][]string{"image": {"The submitted data was not a file. Check the encoding type on the form."}})
		return
	}
	up := Upload{Service: name, Files: map[string][]byte{}, Fields: map[string]string{}}
	for field, fhs := range r.MultipartForm.File {
		f, err := fhs[0].Open()
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(f)
		f.Close()
		up.Files[field] = b
	}
	for k, v := range r.MultipartForm.Value {
		up.Fields[k] = v[0]
	}
	required := map[string][]string{
		"register_face": {"image"}, "authenticate_face": {"image"}, "face_liveness": {"image"},
		"kyc_card": {"selfie_image", "front_id", "back_id"}, "kyc_passport": {"selfie_image", "passport_image"},
		"ocr_card": {"front_id", "back_id"}, "ocr_passport": {"passport_image"},
	}[name]
	if required == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
		return
	}
	errs := map[string][]string{}
	for _, f := range required {
		if len(up.Files[f]) == 0 {
			errs[f] = []string{"No file was submitted."}
		}
	}
	if name == "authenticate_face" && up.Fields["uuid"] == "" {
		errs["uuid"] = []string{"This field is required."}
	}
	if len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, errs)
		return
	}
	face := up.Files["image"]
	if face == nil {
		face = up.Files["selfie_image"]
	}
	verdict := Verdict{OK: true}
	if s.opts.Judge != nil && face != nil {
		verdict = s.opts.Judge(name, face)
	}
	id := randomUUID()
	s.mu.Lock()
	s.ids++
	s.stats.Uploads = append(s.stats.Uploads, up)
	s.tasks[id] = &task{id: 2000 + s.ids, service: name, ready: time.Now().Add(s.opts.Pending), result: result(name, face != nil, verdict)}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

// result builds result{status, data, issues} as the documentation shows.
func result(service string, hasFace bool, v Verdict) map[string]any {
	live := map[string]any{"result": true, "data": map[string]any{"score": 2.59, "quality": 0.82, "probability": 0.93}}
	if !v.OK {
		if v.InData {
			return map[string]any{"status": 200, "data": map[string]any{
				"liveness": map[string]any{"result": false, "data": map[string]any{"error": v.Message, "error_code": v.Code}},
				"issues":   map[string]any{"liveness": map[string]string{v.Code: v.Message}},
			}}
		}
		return map[string]any{"status": 400, "data": map[string]any{
			"liveness": map[string]any{"result": false, "error": v.Message, "error_code": v.Code},
		}, "issues": map[string]string{v.Code: v.Message}}
	}
	data := map[string]any{}
	switch service {
	case "register_face":
		data["uuid"] = randomUUID()
	case "authenticate_face":
		data["authentication"] = map[string]any{"result": true, "data": map[string]any{"matchScore": "20.0", "scorePercent": "100.0"}}
		data["liveness"] = live
	case "ocr_card", "ocr_passport":
		data["ocr"] = map[string]any{"document_number": "X0000000"}
	default:
		if hasFace {
			data["liveness"] = live
		}
	}
	return map[string]any{"status": 200, "data": data}
}

func (s *Server) task(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	id := r.URL.Query().Get("id")
	s.mu.Lock()
	s.stats.Polls++
	t := s.tasks[id]
	s.mu.Unlock()
	if t == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
		return
	}
	if time.Now().Before(t.ready) {
		writeJSON(w, http.StatusOK, map[string]any{"id": t.id, "status": "PENDING", "result": nil})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": t.id, "status": "SUCCESS", "result": t.result})
}

func randomUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
