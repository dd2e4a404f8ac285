package main

import (
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/native"
)

// facegate health, the container's HEALTHCHECK: exit 0 against a running
// service, 2 against nothing.
func TestHealthCommand(t *testing.T) {
	native.Require(t)
	url, _ := serveProcess(t)
	addr := strings.TrimPrefix(url, "http://")
	if out, stderr, code := facegate(t, "health", "--addr", addr); code != 0 || out != "ok\n" {
		t.Errorf("health of a running service: exit %d, %q %q", code, out, stderr)
	}
	if _, stderr, code := facegate(t, "health", "--addr", "127.0.0.1:1", "--timeout", "2s"); code != 2 || !strings.Contains(stderr, "127.0.0.1:1") {
		t.Errorf("health of nothing: exit %d, %q", code, stderr)
	}
}
