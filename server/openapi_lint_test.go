package server

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/modroot"
)

// A real linter passes on the document: @redocly/cli's recommended rules
// (redocly.yaml says which one is off and why), errors failing the test.
// make test fetches the linter (scripts/fetch-tools.sh).
func TestOpenAPILint(t *testing.T) {
	root := modroot.Dir()
	cli := filepath.Join(root, "third_party", "tools", "redocly", "package", "bin", "cli.js")
	node, err := exec.LookPath("node")
	if _, serr := os.Stat(cli); serr != nil || err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the linter is not installed (%v, %v): make test runs scripts/fetch-tools.sh", serr, err)
		}
		t.Skipf("the linter is not installed (make tools fetches it): %v %v", serr, err)
	}
	cmd := exec.Command(node, cli, "lint", "--format=stylish", "--config", filepath.Join(root, "server", "redocly.yaml"), filepath.Join(root, "server", "openapi.json"))
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), " error ") {
		t.Errorf("redocly lint: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
