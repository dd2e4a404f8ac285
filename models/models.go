// Package models finds dlib model files and verifies them by SHA-256.
//
// A model is looked for, in order: at an explicit path, in the folder named
// by the FACEGATE_MODELS environment variable, in ./models, then in
// /usr/share/dlib (where Debian's libdlib-data installs the 68-point
// landmark model). An error names the file, every place tried, and how to
// install it.
package models

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Model describes one model file.
type Model struct {
	File    string // file name
	SHA256  string // hex digest of the expected file
	Install string // how to get it
	Licence string
}

// The models facegate uses.
var (
	// Landmarks68 is dlib's 68-point face landmark predictor. Its training
	// data (iBUG 300-W) excludes commercial use.
	Landmarks68 = Model{
		File:    "shape_predictor_68_face_landmarks.dat",
		SHA256:  "fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f",
		Install: "apt-get install libdlib-data (installs /usr/share/dlib/shape_predictor_68_face_landmarks.dat)",
		Licence: "dlib model, trained on iBUG 300-W: not for commercial use",
	}
	// CNNDetector is dlib's MMOD CNN face detector, released into the public domain.
	CNNDetector = Model{
		File:    "mmod_human_face_detector.dat",
		SHA256:  "4cb19393e2fbaf2b1609a9319ad5386618c886a6234ec1b971f3e87c85d87fe6",
		Install: "copy mmod_human_face_detector.dat (dlib-models, public domain) into a folder named by FACEGATE_MODELS",
		Licence: "public domain (dlib-models)",
	}
)

// EnvVar names the environment variable with a folder of models.
const EnvVar = "FACEGATE_MODELS"

// SystemDir is where Debian installs dlib's models.
const SystemDir = "/usr/share/dlib"

// Options say where to look. The zero value looks in the default places.
type Options struct {
	Path       string // explicit path of the file; when set, the only place tried
	SkipVerify bool   // do not check the SHA-256 (for development models)
}

// ErrNotFound is matched (errors.Is) by a *NotFoundError.
var ErrNotFound = errors.New("model file not found")

// NotFoundError says which model is missing, where it was looked for and
// how to install it.
type NotFoundError struct {
	Model Model
	Tried []string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("model %s not found (looked at %s); to install: %s",
		e.Model.File, strings.Join(e.Tried, ", "), e.Model.Install)
}

func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// ChecksumError is a file whose SHA-256 is not the model's.
type ChecksumError struct {
	Path      string
	Want, Got string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("model %s has SHA-256 %s, want %s: the file is damaged or a different version", e.Path, e.Got, e.Want)
}

// Candidates lists the paths Find tries, in order.
func Candidates(m Model, opts *Options) []string {
	if opts != nil && opts.Path != "" {
		return []string{opts.Path}
	}
	var out []string
	if dir := os.Getenv(EnvVar); dir != "" {
		out = append(out, filepath.Join(dir, m.File))
	}
	return append(out, filepath.Join("models", m.File), filepath.Join(SystemDir, m.File))
}

// Find returns the path of the first candidate that exists, after checking
// its SHA-256 (once per process for an unchanged file).
func Find(m Model, opts *Options) (string, error) {
	tried := Candidates(m, opts)
	for _, p := range tried {
		st, err := os.Stat(p)
		if err != nil || st.IsDir() {
			continue
		}
		if opts != nil && opts.SkipVerify {
			return p, nil
		}
		if err := verify(p, st, m.SHA256); err != nil {
			return "", err
		}
		return p, nil
	}
	return "", &NotFoundError{Model: m, Tried: tried}
}

type verifiedKey struct {
	path  string
	size  int64
	mtime int64
}

var verified sync.Map // verifiedKey -> digest

func verify(path string, st os.FileInfo, want string) error {
	key := verifiedKey{path, st.Size(), st.ModTime().UnixNano()}
	got, ok := verified.Load(key)
	if !ok {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return fmt.Errorf("read model %s: %w", path, err)
		}
		got = hex.EncodeToString(h.Sum(nil))
		verified.Store(key, got)
	}
	if got != want {
		return &ChecksumError{Path: path, Want: want, Got: got.(string)}
	}
	return nil
}
