package facecheck

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The face checks link no image codec: facecheck and quality read pixels
// others decoded, and their C is dlib's core and the plane kernel only
// (docs/architecture.md says where C is allowed).
func TestNoCodecInFaceChecks(t *testing.T) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, pkg := range []string{".", "../quality"} {
		out, err := exec.Command(gobin, "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == "github.com/facegate/facegate/codec" || strings.HasPrefix(dep, "github.com/facegate/facegate/codec/") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
