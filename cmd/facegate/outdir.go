package main

import (
	"fmt"
	"github.com/facegate/facegate/internal/atomicfile"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// outDir writes fixed images atomically and never over an input.
type outDir struct {
	root  string
	mu    sync.Mutex // guards taken: workers write at once
	taken map[string]bool
}

// openOutDir creates the folder and proves it is writable before any work.
func openOutDir(dir string) (*outDir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	f, err := os.CreateTemp(dir, ".facegate-probe-*")
	if err != nil {
		return nil, fmt.Errorf("output folder is not writable: %w", err)
	}
	f.Close()
	os.Remove(f.Name())
	return &outDir{root: dir, taken: map[string]bool{}}, nil
}

// target names the output <stem>.jpg, below the same relative folder as the
// input had below the folder the user gave. If that name is already used in
// this run, or is the input itself, the input's extension is kept:
// photo.png.jpg.
func (o *outDir) target(in input) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	rel := in.rel
	if rel == "" {
		rel = filepath.Base(in.path)
	}
	ext := filepath.Ext(rel)
	name := filepath.Join(o.root, strings.TrimSuffix(rel, ext)+".jpg")
	if o.taken[name] || sameFile(name, in.path) {
		name = filepath.Join(o.root, rel+".jpg")
	}
	for i := 2; o.taken[name] || sameFile(name, in.path); i++ {
		name = filepath.Join(o.root, fmt.Sprintf("%s-%d.jpg", strings.TrimSuffix(rel, ext), i))
	}
	o.taken[name] = true
	return name
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// write stores data atomically under the output folder.
func (o *outDir) write(in input, data []byte) (string, error) {
	name := o.target(in)
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return "", err
	}
	err := atomicfile.Write(name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	if err != nil {
		return "", err
	}
	return name, nil
}
