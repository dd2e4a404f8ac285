// Package modroot finds the root of this module's checkout from the
// working folder, for the tools and tests run inside it (the corpus
// beside it, the files make fetches into it).
package modroot

import (
	"os"
	"path/filepath"
	"strings"
)

// Path is this module's path, as its go.mod names it.
const Path = "github.com/facegate/facegate"

// Dir walks up from the working folder to the folder whose go.mod is this
// module's; "" when there is none.
func Dir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			first, _, _ := strings.Cut(string(b), "\n")
			if strings.TrimSpace(first) == "module "+Path {
				return dir
			}
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}
