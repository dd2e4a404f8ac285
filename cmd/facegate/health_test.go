package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
)

// facegate health, the container's HEALTHCHECK: exit 0 against a running
// service, 2 against nothing.
func TestHealthCommand(t *testing.T) {
	testsupport.RequireNative(t)
	url, _ := serveProcess(t)
	addr := strings.TrimPrefix(url, "http://")
	if out, stderr, code := facegate(t, "health", "--addr", addr); code != 0 || out != "ok\n" {
		t.Errorf("health of a running service: exit %d, %q %q", code, out, stderr)
	}
	if _, stderr, code := facegate(t, "health", "--addr", "127.0.0.1:1", "--timeout", "2s"); code != 2 || !strings.Contains(stderr, "127.0.0.1:1") {
		t.Errorf("health of nothing: exit %d, %q", code, stderr)
	}
}

// --auth-token-file: a missing or empty file is a setup error, before the
// service listens; with a token, /v1/check wants it.
func TestServeAuthTokenFile(t *testing.T) {
	testsupport.RequireNative(t)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for _, f := range []string{filepath.Join(dir, "missing"), empty} {
		if _, stderr, code := facegate(t, "serve", "--addr", "127.0.0.1:0", "--auth-token-file", f); code != 2 || !strings.Contains(stderr, "--auth-token-file") {
			t.Errorf("%s: exit %d, %q", f, code, stderr)
		}
	}
	tok := filepath.Join(dir, "token")
	os.WriteFile(tok, []byte("abc123\n"), 0o600)
	url, _ := serveProcess(t, "--auth-token-file", tok)
	for auth, want := range map[string]int{"": 401, "Bearer abc123": 400} { // 400: authorised, but no image
		req, _ := http.NewRequest("POST", url+"/v1/check", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Authorization %q: %d, want %d", auth, resp.StatusCode, want)
		}
	}
}
