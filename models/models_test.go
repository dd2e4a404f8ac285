package models

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/corpus"
)

func TestFindSystemLandmarks(t *testing.T) {
	t.Setenv(EnvVar, "")
	p, err := Find(Landmarks68, nil)
	if err != nil {
		// make test installs libdlib-data; without it the error must say how.
		if os.Getenv("CI") == "true" || !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "libdlib-data") {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	if p != filepath.Join(SystemDir, Landmarks68.File) {
		t.Errorf("found at %s", p)
	}
}

func TestFindCNNByEnvAndExplicitPath(t *testing.T) {
	dir := filepath.Join(corpus.Dir(t), "..", "models")
	t.Setenv(EnvVar, dir)
	p, err := Find(CNNDetector, nil)
	if err != nil || p != filepath.Join(dir, CNNDetector.File) {
		t.Fatalf("env: %s, %v", p, err)
	}
	t.Setenv(EnvVar, "")
	if p, err := Find(CNNDetector, &Options{Path: filepath.Join(dir, CNNDetector.File)}); err != nil || filepath.Base(p) != CNNDetector.File {
		t.Fatalf("explicit: %s, %v", p, err)
	}
}

func TestFindErrors(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvVar, dir)
	_, err := Find(CNNDetector, nil)
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), filepath.Join(dir, CNNDetector.File)) || !strings.Contains(err.Error(), "FACEGATE_MODELS") {
		t.Fatalf("missing model: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, CNNDetector.File), []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Find(CNNDetector, nil)
	var ce *ChecksumError
	if !errors.As(err, &ce) || ce.Want != CNNDetector.SHA256 || ce.Got == ce.Want {
		t.Fatalf("damaged model: %v", err)
	}
	if p, err := Find(CNNDetector, &Options{SkipVerify: true}); err != nil || p != filepath.Join(dir, CNNDetector.File) {
		t.Fatalf("skip verify: %s %v", p, err)
	}
}
