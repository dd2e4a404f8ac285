package facecheck

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/models"
)

// What cannot be loaded is an error wrapping ErrRuntime, never a crash:
// a missing library, a file that is not one, a library that is not ONNX
// Runtime, a model that is not BlazeFace; a failed load leaves nothing
// loaded, so the right library still loads after. Run in a child process,
// which loads the runtime only once.
func TestRuntimeLoadErrors(t *testing.T) {
	testsupport.RequireNative(t)
	if os.Getenv("FACEGATE_RUNTIME_CHILD") == "" {
		lib, err := models.Find(models.ONNXRuntime, nil)
		if err != nil {
			t.Fatal(err)
		}
		model, err := models.Find(models.BlazeFace256, nil)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestRuntimeLoadErrors$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "FACEGATE_RUNTIME_CHILD="+lib, "FACEGATE_RUNTIME_CHILD_MODEL="+model)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestRuntimeLoadErrors") {
			t.Fatalf("child: %v\n%s", err, out)
		}
		t.Logf("child:\n%s", out)
		return
	}
	lib, model := os.Getenv("FACEGATE_RUNTIME_CHILD"), os.Getenv("FACEGATE_RUNTIME_CHILD_MODEL")
	dir := t.TempDir()
	text := filepath.Join(dir, "libonnxruntime.so.1")
	if err := os.WriteFile(text, []byte("not a library"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewBlazeFace(model); !errors.Is(err, ErrRuntime) {
		t.Errorf("a model before the runtime: %v", err)
	}
	libz, _ := filepath.Glob("/lib/x86_64-linux-gnu/libz.so.1*")
	for _, p := range append([]string{filepath.Join(dir, "missing.so"), text}, libz...) {
		err := LoadRuntime(p)
		if !errors.Is(err, ErrRuntime) {
			t.Errorf("LoadRuntime(%s): %v", p, err)
		}
		t.Logf("LoadRuntime(%s): %v", p, err)
	}
	if err := LoadRuntime(lib); err != nil {
		t.Fatalf("the real library after failures: %v", err)
	}
	if err := LoadRuntime(text); !errors.Is(err, ErrRuntime) || !strings.Contains(err.Error(), "already loaded") {
		t.Errorf("a second library: %v", err)
	}
	raw, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"text.onnx": []byte("not a model"), "cut.onnx": raw[:len(raw)/3], "empty.onnx": nil} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := NewBlazeFace(p)
		if err == nil {
			t.Errorf("%s loaded", name)
		}
		t.Logf("NewBlazeFace(%s): %v", name, err)
	}
	if _, err := NewBlazeFace(filepath.Join(dir, "none.onnx")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing model: %v", err)
	}
	b, err := NewBlazeFace(model)
	if err != nil || b.Size() != 256 {
		t.Fatalf("the real model: %v", err)
	}
	b.Close()
	if _, err := b.get(); !errors.Is(err, ErrRuntime) {
		t.Errorf("closed detector: %v", err)
	}
}
