package main

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/facegate/facegate/codec"
	"github.com/facegate/facegate/facecheck"
	"github.com/facegate/facegate/models"
	"github.com/facegate/facegate/prevalidate"
)

// stampVersion and stampCommit are set by scripts/build.sh (-ldflags -X):
// git's, or the container build's arguments, which has no .git to read.
var stampVersion, stampCommit string

// buildID is this build's version and commit as stamped, or as the build
// information has them ("" when unknown).
func buildID() (version, commit string) {
	if stampVersion != "unknown" {
		version = stampVersion
	}
	if stampCommit != "unknown" {
		commit = stampCommit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if version == "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
		for _, st := range bi.Settings {
			if st.Key == "vcs.revision" && commit == "" {
				commit = st.Value
			}
		}
	}
	return version, commit
}

// version describes this build and the libraries and models it runs
// with: the version and commit (buildID), dlib
// and libjpeg-turbo as built, libheif as loaded, and the files found:
// ONNX Runtime and the models, each checked by its SHA-256 (with the
// digests remembered in the cache, no file is read whole) and none loaded.
func version() string {
	var b strings.Builder
	ver, commit := buildID()
	if ver == "" {
		ver = "(devel)"
	}
	shown := "unknown"
	if commit != "" {
		shown = fmt.Sprintf("%.12s", commit)
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		// The commit's time, and whether the tree was modified, when the
		// build information has them for this commit.
		var rev, at, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = ", modified"
				}
			}
		}
		if rev != "" && rev == commit {
			shown += fmt.Sprintf(" (%s%s)", at, dirty)
		}
		fmt.Fprintf(&b, "facegate %s, commit %s, %s\n", ver, shown, bi.GoVersion)
	} else {
		fmt.Fprintf(&b, "facegate %s\n", ver)
	}
	v := codec.Versions()
	dlib := facecheck.DlibVersion()
	if dlib == "" {
		dlib = "none (built without cgo)"
	}
	fmt.Fprintf(&b, "dlib %s, libjpeg-turbo %s, libheif %s\n", dlib, v["libjpeg-turbo"], v["libheif"])
	opts := (&modelFlags{}).options().WithCache() // the default places and the environment, as check looks
	fmt.Fprintf(&b, "detector: %s (default; %s on request)\n", prevalidate.DetectorBlazeFace, prevalidate.DetectorHOG)
	// The library is not loaded here (a fifth of a second): a file whose
	// SHA-256 matched is the version it names.
	var nf *models.NotFoundError
	if lib, err := models.Find(models.ONNXRuntime, &opts.Runtime); errors.As(err, &nf) {
		fmt.Fprintf(&b, "ONNX Runtime: not found (%s)\n", models.ONNXRuntime.Install)
	} else if err != nil {
		fmt.Fprintf(&b, "ONNX Runtime: %v\n", err)
	} else {
		fmt.Fprintf(&b, "ONNX Runtime %s (%s)\n", models.ONNXRuntime.Version, lib)
	}
	for _, m := range []struct {
		models.Model
		opts *models.Options
	}{{models.BlazeFace256, &opts.BlazeFace}, {models.Landmarks68, &opts.Landmarks}} {
		if p, err := models.Find(m.Model, m.opts); err != nil {
			fmt.Fprintf(&b, "%s: not found (%s)\n", m.File, m.Install)
		} else {
			fmt.Fprintf(&b, "%s (%s)\n", p, m.Licence)
		}
	}
	for _, m := range []struct {
		models.Model
		get  func(*models.Options) ([]byte, string, error)
		opts *models.Options
	}{{models.FaceSurface, models.SurfaceBytes, &opts.Surface}, {models.Recapture, models.RecaptureBytes, &opts.Recapture}} {
		if _, from, err := m.get(m.opts); err != nil {
			fmt.Fprintf(&b, "%s: %v\n", m.File, err)
		} else {
			fmt.Fprintf(&b, "%s: %s (%s)\n", m.File, from, m.Licence)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}
