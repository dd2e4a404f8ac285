package models

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// FaceSurface is facegate's face-surface model: MediaPipe's face landmark
// network (Apache-2.0) as the backbone of an occlusion map and a
// human-face score trained for facegate; models/facesurface/README.md
// says how it was made. It is built into the program, so it needs no
// installing; Options.Path or Options.Dir load another copy instead.
var FaceSurface = Model{
	File:    "face_surface.onnx",
	SHA256:  "e6c9aff852f7c750cb7334cb04722c4d878c53523c9ba7e55d4b5d753bcd8a11",
	Install: "built into facegate (models/facesurface in its source)",
	Licence: "Apache-2.0 (MediaPipe face landmark backbone; heads trained for facegate)",
	Env:     "FACEGATE_SURFACE",
}

//go:embed facesurface/face_surface.onnx
var faceSurface []byte

// maxBuiltInBytes bounds a file read in place of a built-in model.
const maxBuiltInBytes = 64 << 20

// SurfaceBytes returns the face-surface model: the file at opts.Path or
// in opts.Dir when one is given (its SHA-256 checked unless
// opts.SkipVerify), else the copy built into the program.
func SurfaceBytes(opts *Options) ([]byte, string, error) {
	return builtInOr(FaceSurface, faceSurface, "face-surface model", opts)
}

// builtInOr returns a model built into the program, or the file that
// replaces it. A file named (Path, or the model's environment variable)
// or a folder given in opts.Dir replaces the built-in copy;
// $FACEGATE_MODELS alone does not.
func builtInOr(m Model, builtIn []byte, what string, opts *Options) ([]byte, string, error) {
	o := withEnv(m, opts)
	if o.Path == "" && (opts == nil || opts.Dir == "") {
		return builtIn, "built in", nil
	}
	o.NoEnv = true // o holds what the environment gave already
	p, err := Find(m, o)
	if err != nil {
		return nil, "", err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxBuiltInBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", p, err)
	}
	if len(b) > maxBuiltInBytes {
		return nil, "", fmt.Errorf("%s: over %d bytes, not a %s", p, maxBuiltInBytes, what)
	}
	return b, p, nil
}

// builtInDigest is the SHA-256 of a built-in model's bytes.
func builtInDigest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
