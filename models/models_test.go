package models

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
)

func TestFindSystemLandmarks(t *testing.T) {
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

func TestFindCNNByDirAndExplicitPath(t *testing.T) {
	dir := filepath.Join(testsupport.CorpusDir(t), "..", "models")
	t.Setenv(EnvVar, "/nowhere") // read by the command, not by this package
	p, err := Find(CNNDetector, &Options{Dir: dir})
	if err != nil || p != filepath.Join(dir, CNNDetector.File) {
		t.Fatalf("dir: %s, %v", p, err)
	}
	if p, err := Find(CNNDetector, &Options{Path: filepath.Join(dir, CNNDetector.File)}); err != nil || filepath.Base(p) != CNNDetector.File {
		t.Fatalf("explicit: %s, %v", p, err)
	}
}

func TestFindErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Find(CNNDetector, &Options{Dir: dir})
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), filepath.Join(dir, CNNDetector.File)) || !strings.Contains(err.Error(), "FACEGATE_MODELS") {
		t.Fatalf("missing model: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, CNNDetector.File), []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Find(CNNDetector, &Options{Dir: dir})
	var ce *ChecksumError
	if !errors.As(err, &ce) || ce.Want != CNNDetector.SHA256 || ce.Got == ce.Want {
		t.Fatalf("damaged model: %v", err)
	}
	if p, err := Find(CNNDetector, &Options{Dir: dir, SkipVerify: true}); err != nil || p != filepath.Join(dir, CNNDetector.File) {
		t.Fatalf("skip verify: %s %v", p, err)
	}
}

// A digest checked once is remembered in the cache folder, so the next
// process (here: an emptied memory) does not hash the file again; a
// record of another file or a changed file is not trusted.
func TestVerifiedDigestCache(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	data := []byte("a model")
	sum := sha256.Sum256(data)
	m := Model{File: "m.bin", SHA256: hex.EncodeToString(sum[:]), Install: "test"}
	path := filepath.Join(dir, m.File)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	opts := &Options{Path: path, Cache: cache}
	if _, err := Find(m, opts); err != nil {
		t.Fatal(err)
	}
	records, _ := filepath.Glob(filepath.Join(cache, "verified-*.sha256"))
	if len(records) != 1 {
		t.Fatalf("records %v", records)
	}
	// The record is what the next process reads instead of the file: a
	// record naming another digest makes it hash the file again.
	verified.Clear()
	if err := os.WriteFile(records[0], []byte(strings.Repeat("0", 64)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Find(m, opts); err != nil {
		t.Fatalf("a wrong record: %v", err)
	}
	if b, _ := os.ReadFile(records[0]); string(b) != m.SHA256 {
		t.Errorf("record not rewritten: %q", b)
	}
	// A changed file (another size) is hashed again and refused.
	verified.Clear()
	if err := os.WriteFile(path, []byte("another model"), 0o644); err != nil {
		t.Fatal(err)
	}
	var ce *ChecksumError
	if _, err := Find(m, opts); !errors.As(err, &ce) {
		t.Errorf("changed file: %v", err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(cache, "*.tmp")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// The files make fetches are found in the checkout's third_party folder
// from anywhere inside it; a folder of models given comes first.
func TestFindFetched(t *testing.T) {
	for _, m := range []Model{BlazeFace256, ONNXRuntime} {
		p, err := Find(m, nil)
		if err != nil {
			if os.Getenv("CI") == "true" || !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "make") {
				t.Fatal(err)
			}
			t.Skip(err) // a clone without make's fetch step: the error says how
		}
		if want := filepath.Join(FetchedDir, m.Fetched, m.File); !strings.HasSuffix(p, want) {
			t.Errorf("%s found at %s, want .../%s", m.File, p, want)
		}
	}
	if c := Candidates(ONNXRuntime, &Options{Dir: "/opt/ort"}); c[0] != "/opt/ort/libonnxruntime.so.1" || len(c) < 3 {
		t.Errorf("candidates %v", c)
	}
}

// The models built into facegate (the face-surface and the re-capture
// models) are the ones their digests name, and a copy given by path is
// checked against it.
func TestBuiltInDigests(t *testing.T) {
	for _, c := range []struct {
		m       Model
		builtIn []byte
		get     func(*Options) ([]byte, string, error)
	}{
		{FaceSurface, faceSurface, SurfaceBytes},
		{Recapture, recapture, RecaptureBytes},
	} {
		if got := builtInDigest(c.builtIn); got != c.m.SHA256 {
			t.Fatalf("built-in %s has SHA-256 %s, want %s", c.m.File, got, c.m.SHA256)
		}
		b, from, err := c.get(nil)
		if err != nil || from != "built in" || len(b) == 0 {
			t.Fatalf("%s built in: %d bytes from %q, %v", c.m.File, len(b), from, err)
		}
		dir := t.TempDir()
		p := filepath.Join(dir, c.m.File)
		if err := os.WriteFile(p, []byte("not the model"), 0o644); err != nil {
			t.Fatal(err)
		}
		var ce *ChecksumError
		if _, _, err := c.get(&Options{Dir: dir}); !errors.As(err, &ce) {
			t.Errorf("%s, a damaged copy: %v", c.m.File, err)
		}
		if b, from, err := c.get(&Options{Path: p, SkipVerify: true}); err != nil || from != p || string(b) != "not the model" {
			t.Errorf("%s, an explicit copy, unverified: %q from %s, %v", c.m.File, b, from, err)
		}
	}
}
