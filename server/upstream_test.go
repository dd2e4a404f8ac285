package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/progeny/progenytest"
)

// login obtains a token through the proxy.
func login(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.PostForm(base+"/api/v3/accounts/token/obtain/", url.Values{"username": {"user"}, "password": {"secret"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct{ Access string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.Access == "" {
		t.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	return tok.Access
}

// answer is one proxied call's status and body.
func call(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// routeRequest is a request of one proxied route ("token", "task",
// "service": a selfie upload) to base, with a token from the proxy's own
// login for the routes that need one.
func routeRequest(t *testing.T, base, route string, selfie []byte) *http.Request {
	t.Helper()
	var req *http.Request
	switch route {
	case "token":
		req, _ = http.NewRequest("POST", base+"/api/v3/accounts/token/obtain/", strings.NewReader("username=user&password=secret"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	case "task":
		req, _ = http.NewRequest("GET", base+"/api/v3/services/task/?id=1", nil)
	default:
		body, ctype := multipartBody(t, "image", selfie)
		req, _ = http.NewRequest("POST", base+"/api/v3/services/face_liveness/", body)
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+login(t, base))
	return req
}

// Every upstream call has a deadline: a hanging token, service or task
// route is answered 504 in about UpstreamTimeout, not left waiting.
func TestUpstreamDeadline(t *testing.T) {
	testsupport.RequireNative(t)
	good := photo(t, "faces-fr/obama.jpg")
	for _, route := range []string{"token", "task", "service"} {
		up := progenytest.NewServer(progenytest.Options{Stall: map[string]time.Duration{route: time.Minute}})
		_, ts := newServer(t, Options{Upstream: up.URL, UpstreamTimeout: time.Second})
		req := routeRequest(t, ts.URL, route, good)
		start := time.Now()
		status, body := call(t, req)
		took := time.Since(start)
		if status != http.StatusGatewayTimeout || !strings.Contains(body, "did not answer within 1s") || took > 20*time.Second {
			t.Errorf("%s: %d %s after %v", route, status, body, took)
		}
		if route == "service" && !strings.Contains(body, "may have created a task") {
			t.Errorf("service 504 does not warn of a task: %s", body)
		}
		up.Close()
	}
}

// An answer cut short (the connection closed before its Content-Length)
// is a 502 on every route, and no 502 shows the upstream's address.
func TestTruncatedUpstreamAnswer(t *testing.T) {
	testsupport.RequireNative(t)
	good := photo(t, "faces-fr/obama.jpg")
	for _, route := range []string{"token", "task", "service"} {
		up := progenytest.NewServer(progenytest.Options{Truncate: map[string]bool{route: true}})
		_, ts := newServer(t, Options{Upstream: up.URL})
		req := routeRequest(t, ts.URL, route, good)
		status, body := call(t, req)
		host := strings.TrimPrefix(up.Server.URL, "http://")
		if status != http.StatusBadGateway || !strings.Contains(body, "cut short") || strings.Contains(body, host) || strings.Contains(body, "127.0.0.1") {
			t.Errorf("%s: %d %s", route, status, body)
		}
		up.Close()
	}
	// An upstream that is not there: 502, and its address is not shown.
	_, ts := newServer(t, Options{Upstream: "http://127.0.0.1:1/api/v3"})
	req, _ := http.NewRequest("POST", ts.URL+"/api/v3/accounts/token/obtain/", bytes.NewReader(nil))
	if status, body := call(t, req); status != http.StatusBadGateway || strings.Contains(body, "127.0.0.1") {
		t.Errorf("no upstream: %d %s", status, body)
	}
}

// Without a Content-Length, an answer cut short is told by its JSON.
func TestReadAnswerChecksJSON(t *testing.T) {
	for body, ok := range map[string]bool{`{"id":"12`: false, `{"id":"12"}`: true, `<html>`: false} {
		resp := &http.Response{ContentLength: -1, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
		if _, err := readAnswer(resp); (err == nil) != ok {
			t.Errorf("%s: %v", body, err)
		}
	}
	resp := &http.Response{ContentLength: -1, Header: http.Header{"Content-Type": {"text/html"}}, Body: io.NopCloser(strings.NewReader("<html>"))}
	if _, err := readAnswer(resp); err != nil {
		t.Errorf("an HTML error page is passed on: %v", err)
	}
}
