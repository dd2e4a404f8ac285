package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	legacyrouter "github.com/getkin/kin-openapi/routers/legacy"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/progeny/progenytest"
)

// contract validates real requests and their real responses against the
// OpenAPI document.
type contract struct {
	t      *testing.T
	router routers.Router
}

func newContract(t *testing.T) *contract {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi.json is version %s, want 3.1", doc.OpenAPI)
	}
	if len(doc.Servers) == 0 {
		t.Fatal("openapi.json names no server")
	}
	doc.Servers = nil // the tests serve on a port of their own: match paths only
	r, err := legacyrouter.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range []string{"image/jpeg", "image/png", "application/octet-stream"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
	return &contract{t: t, router: r}
}

// do sends req to base, checks the request and the response against the
// document, and returns the response's status and body.
func (c *contract) do(base string, req *http.Request, body []byte) (int, http.Header, []byte) {
	c.t.Helper()
	return c.send(base, req, body, false)
}

// send is do; with invalid, the request is one the document refuses (an
// empty body) and must fail its validation, while the response must still
// follow the document.
func (c *contract) send(base string, req *http.Request, body []byte, invalid bool) (int, http.Header, []byte) {
	c.t.Helper()
	// The route is found on the path the document names, whatever host.
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		c.t.Fatalf("%s %s: no route in openapi.json: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	req.Body = io.NopCloser(bytes.NewReader(body))
	if err := openapi3filter.ValidateRequest(context.Background(), in); (err != nil) != invalid {
		c.t.Errorf("%s %s: request validation against openapi.json: %v (a refused request was expected: %v)", req.Method, req.URL.Path, err, invalid)
	}
	out, err := http.NewRequest(req.Method, base+req.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	out.Header = req.Header.Clone()
	resp, err := http.DefaultClient.Do(out)
	if err != nil {
		c.t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(got)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
		c.t.Errorf("%s %s -> %d: response does not follow openapi.json: %v\n%.300s", req.Method, req.URL.Path, resp.StatusCode, err, got)
	}
	return resp.StatusCode, resp.Header, got
}

func request(t *testing.T, method, path, ctype string, body []byte) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, "http://facegate"+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	return r
}

type contractCase struct {
	name        string
	req         *http.Request
	body        []byte
	status      int
	ctypePrefix string
	invalid     bool
}

// Every route answers as openapi.json says, errors included: real requests
// to the running service, real responses, validated by kin-openapi.
func TestOpenAPIContract(t *testing.T) {
	testsupport.RequireNative(t)
	c := newContract(t)
	up := progenytest.NewServer(progenytest.Options{})
	defer up.Close()
	_, ts := newServer(t, Options{Upstream: up.URL, MaxInFlight: 1, MaxBody: 4 << 20})
	good, small := photo(t, "faces-fr/obama.jpg"), photo(t, "faces-fr/obama-240p.jpg")
	mp, mpType := multipartBody(t, "image", good)
	cases := []contractCase{
		{"check", request(t, "POST", "/v1/check", "image/jpeg", good), good, 200, "application/json", false},
		{"check multipart", request(t, "POST", "/v1/check", mpType, mp.Bytes()), mp.Bytes(), 200, "application/json", false},
		{"fix", request(t, "POST", "/v1/fix", "image/jpeg", good), good, 200, "image/jpeg", false},
		{"fix json", request(t, "POST", "/v1/fix?format=json", "image/jpeg", good), good, 200, "application/json", false},
		{"fix refused", request(t, "POST", "/v1/fix", "image/jpeg", small), small, 422, "application/json", false},
		{"empty", request(t, "POST", "/v1/check", "application/octet-stream", []byte{}), []byte{}, 400, "application/json", true},
		{"too large", request(t, "POST", "/v1/check", "application/octet-stream", make([]byte, 5<<20)), make([]byte, 5<<20), 413, "application/json", false},
		{"health", request(t, "GET", "/healthz", "", nil), nil, 200, "text/plain", false},
		{"ready", request(t, "GET", "/readyz", "", nil), nil, 200, "text/plain", false},
		{"metrics", request(t, "GET", "/metrics", "", nil), nil, 200, "text/plain", false},
		{"openapi", request(t, "GET", "/openapi.json", "", nil), nil, 200, "application/json", false},
	}
	pb, pType := multipartBody(t, "image", small)
	cases = append(cases, contractCase{"proxy refused", request(t, "POST", "/api/v3/services/face_liveness/", pType, pb.Bytes()), pb.Bytes(), 400, "application/json", false})
	for _, tc := range cases {
		status, h, body := c.send(ts.URL, tc.req, tc.body, tc.invalid)
		if status != tc.status || !strings.HasPrefix(h.Get("Content-Type"), tc.ctypePrefix) {
			t.Errorf("%s: %d %s, want %d %s", tc.name, status, h.Get("Content-Type"), tc.status, tc.ctypePrefix)
		}
		if tc.name == "proxy refused" {
			var shape map[string]any
			json.Unmarshal(body, &shape)
			if shape["image"] == nil || shape["issues"] == nil {
				t.Errorf("proxy refusal %s: not Progeny's field-error shape", body)
			}
		}
	}

	// With the ISO components on, the faces carry them, as documented.
	_, withISO := newServer(t, Options{Check: &prevalidate.Options{ISO: true}})
	if status, _, body := c.send(withISO.URL, request(t, "POST", "/v1/check", "image/jpeg", good), good, false); status != 200 || !strings.Contains(string(body), `"LuminanceMean":{"id":"0x44"`) {
		t.Errorf("check with ISO components: %d %.300s", status, body)
	}

	// 504: a deadline no image can meet.
	_, slow := newServer(t, Options{Timeout: time.Nanosecond})
	if status, _, _ := c.do(slow.URL, request(t, "POST", "/v1/check", "image/jpeg", good), good); status != 504 {
		t.Errorf("deadline: %d, want 504", status)
	}

	// 503: one slot and one queue place, both held by uploads that have not
	// finished sending; the next request is refused at once.
	_, busy := newServer(t, Options{MaxInFlight: 1, MaxQueue: 1})
	var writers []*io.PipeWriter
	done := make(chan struct{}, 2)
	for range 2 {
		pr, pw := io.Pipe()
		writers = append(writers, pw)
		go func() {
			req, _ := http.NewRequest("POST", busy.URL+"/v1/check", pr)
			req.Header.Set("Content-Type", "image/jpeg")
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
			done <- struct{}{}
		}()
		pw.Write(good[:1000])
	}
	time.Sleep(200 * time.Millisecond) // both admitted, reading their bodies
	status, h, _ := c.do(busy.URL, request(t, "POST", "/v1/check", "image/jpeg", good), good)
	if status != 503 || h.Get("Retry-After") == "" {
		t.Errorf("busy: %d, Retry-After %q; want 503 with it", status, h.Get("Retry-After"))
	}
	for _, pw := range writers {
		pw.Write(good[1000:])
		pw.Close()
	}
	<-done
	<-done
}

// With a token, /v1/* want it (401 otherwise, as the document says), it is
// never logged, and the proxy routes do not ask for it.
func TestAuthToken(t *testing.T) {
	testsupport.RequireNative(t)
	c := newContract(t)
	var logs bytes.Buffer
	up := progenytest.NewServer(progenytest.Options{})
	defer up.Close()
	const token = "s3cret-t0ken-value"
	_, ts := newServer(t, Options{AuthToken: token, Upstream: up.URL, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	good := photo(t, "faces-fr/obama.jpg")
	for _, tc := range []struct {
		auth   string
		status int
	}{{"", 401}, {"Bearer wrong", 401}, {"Bearer " + token + "x", 401}, {token, 401}, {"Basic " + token, 401}, {"Bearer " + strings.ToUpper(token), 401},
		{"Bearer " + token, 200}, {"bearer " + token, 200}, {"BEARER  " + token, 200}} {
		req := request(t, "POST", "/v1/check", "image/jpeg", good)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		if status, h, _ := c.do(ts.URL, req, good); status != tc.status || (status == 401 && h.Get("WWW-Authenticate") == "") {
			t.Errorf("Authorization %q: %d, want %d", tc.auth, status, tc.status)
		}
	}
	// The proxy's token route passes the client's own credentials through.
	login := []byte("username=user&password=secret")
	if status, _, body := c.do(ts.URL, request(t, "POST", "/api/v3/accounts/token/obtain/", "application/x-www-form-urlencoded", login), login); status != 200 || !bytes.Contains(body, []byte("access")) {
		t.Errorf("proxy login without facegate's token: %d %s", status, body)
	}
	if strings.Contains(logs.String(), token) {
		t.Error("the token is in the logs")
	}
}

// The document's list of issue codes is every code a built-in rule (or a
// profile file's ISO rule) raises, and no other.
func TestOpenAPICodes(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas struct {
				Issue struct {
					Properties struct {
						Code struct {
							Enum []string `json:"enum"`
						} `json:"code"`
					} `json:"properties"`
				} `json:"Issue"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, c := range doc.Components.Schemas.Issue.Properties.Code.Enum {
		listed[c] = true
	}
	raised := map[string]bool{}
	for _, r := range append(prevalidate.Progeny().Rules, prevalidate.ISORules()...) {
		raised[string(r.Code)] = true
	}
	for c := range raised {
		if !listed[c] {
			t.Errorf("%s is raised but not in openapi.json's Issue.code", c)
		}
	}
	for c := range listed {
		if !raised[c] {
			t.Errorf("%s is in openapi.json's Issue.code but no rule raises it", c)
		}
	}
}
