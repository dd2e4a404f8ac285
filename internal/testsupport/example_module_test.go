package testsupport_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
)

// environ is the environment without facegate's own variables.
func environ() []string {
	var out []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "FACEGATE_") {
			out = append(out, e)
		}
	}
	return out
}

// examples/check is a module of its own that imports facegate's packages.
// Copied outside the repository (its replace pointed at the checkout),
// built and run from there, it cannot see the checkout's third_party: it
// fails naming FACEGATE_ONNXRUNTIME, then, told the files by the same
// environment variables as the facegate command, it checks and fixes a
// photo.
func TestExampleModuleOutsideTheTree(t *testing.T) {
	testsupport.RequireNative(t)
	r := root(t)
	dir := t.TempDir()
	for _, name := range []string{"main.go", "go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(r, "examples", "check", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(env []string, name string, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s %v: %v", name, args, err)
		}
		return string(out), 0
	}
	env := append(environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, code := run(env, "go", "mod", "edit", "-replace", "github.com/facegate/facegate="+r); code != 0 {
		t.Fatal(out)
	}
	bin := filepath.Join(dir, "check")
	if out, code := run(env, "go", "build", "-o", bin, "."); code != 0 {
		t.Fatalf("build: %s", out)
	}
	photo := testsupport.CorpusPath(t, "faces-fr/obama.jpg")
	plain := append(environ(), "FACEGATE_CACHE=off")
	if out, code := run(plain, bin, photo); code != 2 || !strings.Contains(out, "FACEGATE_ONNXRUNTIME") {
		t.Errorf("without the files: exit %d: %s", code, out)
	}
	told := append(plain, "FACEGATE_MODELS="+filepath.Join(r, "third_party", "models"),
		"FACEGATE_ONNXRUNTIME="+filepath.Join(r, "third_party", "lib", "libonnxruntime.so.1"))
	out, code := run(told, bin, "-o", "fixed", photo)
	if code != 0 || !strings.Contains(out, "ok=true") {
		t.Fatalf("with FACEGATE_MODELS and FACEGATE_ONNXRUNTIME: exit %d: %s", code, out)
	}
	if st, err := os.Stat(filepath.Join(dir, "fixed", "obama.jpg")); err != nil || st.Size() == 0 {
		t.Errorf("fixed output: %v", err)
	}
}
