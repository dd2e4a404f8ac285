package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/facegate/facegate/prevalidate"
	"github.com/spf13/pflag"
)

// imageFlags are the flags of every command that processes images (check,
// fix, submit, serve), and options the one place they become the
// pipeline's options.
type imageFlags struct {
	profile   profileFlags
	maxBytes  int64
	maxPixels int64
	verbose   bool
	landmarks bool
	allFaces  bool
	crop      bool
	iso       bool
	models    modelFlags
}

// profileFlags are --profile and --profile-file, for every command that
// reads a profile.
type profileFlags struct {
	name, file string
	fs         *pflag.FlagSet
}

func (p *profileFlags) add(fs *pflag.FlagSet, nameHelp, fileHelp string) {
	p.fs = fs
	fs.StringVar(&p.name, "profile", "progeny", nameHelp)
	fs.StringVar(&p.file, "profile-file", "", fileHelp)
}

// load is the profile file when one is given, else the built-in profile;
// both given is an error.
func (p *profileFlags) load() (*prevalidate.Profile, error) {
	if p.file != "" && p.fs != nil && p.fs.Changed("profile") {
		return nil, errors.New("--profile and --profile-file both given: use one")
	}
	return loadProfile(p.name, p.file)
}

// add registers the flags; fixes says the command writes fixed images
// (--crop).
func (f *imageFlags) add(fs *pflag.FlagSet, fixes bool) {
	f.profile.add(fs, "built-in rule profile: "+strings.Join(prevalidate.ProfileNames(), ", "),
		"rule profile from a JSON file (see facegate profile show); instead of --profile")
	fs.Int64Var(&f.maxBytes, "max-bytes", prevalidate.DefaultMaxInputBytes, "safety limit: largest input file, in bytes")
	fs.Int64Var(&f.maxPixels, "max-pixels", prevalidate.DefaultMaxPixels, "safety limit: most pixels an input may declare")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "log each step on stderr")
	fs.BoolVar(&f.landmarks, "landmarks", false, "put each face's landmark points in the JSON records")
	fs.BoolVar(&f.iso, "iso", false, "compute each face's ISO/IEC 29794-5 quality components (OFIQ's definitions; see facegate iso) into the records")
	fs.BoolVar(&f.allFaces, "all-faces", false, "find and report every face of at least the minimum size, also those under half the largest that no rule counts (slower)")
	if fixes {
		fs.BoolVar(&f.crop, "crop", false, "crop around the face when 1080 px high would make it too small (default: keep a larger height)")
	}
	f.models.add(fs)
}

// textLogger logs on stderr as text: warnings, and each step with --verbose.
func (f *imageFlags) textLogger(stderr io.Writer) *slog.Logger {
	level := slog.LevelWarn
	if f.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
}

// options builds the pipeline's options: the profile, the limits, and,
// when the profile has face rules and faces is true, the face analyzer,
// loaded when the first image needs it (prevalidate.LazyAnalyzer): a run
// whose images all stop before the face search never loads a model. A
// model that does not load is then the run's error (prevalidate.ErrLoad),
// naming the file, not the image's.
func (f *imageFlags) options(log *slog.Logger, faces bool) (*prevalidate.Options, error) {
	profile, err := f.profile.load()
	if err != nil {
		return nil, err
	}
	opts := &prevalidate.Options{
		Profile:       profile,
		MaxInputBytes: f.maxBytes,
		MaxPixels:     f.maxPixels,
		Logger:        log,
		Landmarks:     f.landmarks,
		AllFaces:      f.allFaces,
		Crop:          f.crop,
		ISO:           f.iso,
	}
	if faces && profile.HasFaceRules() {
		ao := f.models.options()
		// The face-surface model only when a rule reads it, or for the
		// ISO occlusion components, and the re-capture model only for
		// RECAPTURED: with HOG, a profile without those rules needs no
		// ONNX Runtime.
		ao.NoSurface = !profile.ReadsSurface() && !f.iso
		ao.NoRecapture = !profile.ReadsRecapture()
		if opts.Faces, err = prevalidate.NewLazyAnalyzer(ao); err != nil {
			return nil, err
		}
	}
	return opts, nil
}

// loadProfile is the built-in profile name, or the profile file when one
// is given.
func loadProfile(name, file string) (*prevalidate.Profile, error) {
	if file != "" {
		return prevalidate.LoadProfile(file)
	}
	p, ok := prevalidate.ProfileByName(name)
	if !ok {
		return nil, fmt.Errorf("unknown profile %q (built-in: %s; or --profile-file FILE)", name, strings.Join(prevalidate.ProfileNames(), ", "))
	}
	return p, nil
}
