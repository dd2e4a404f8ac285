// Command facegate checks face photos against the Progeny API's image rules
// before they are submitted, and fixes what can be fixed.
//
//	facegate check [--json] [--landmarks] [--profile progeny|document] PATH...
//	facegate fix -o OUTDIR [--crop] [--json] [--profile progeny|document] PATH...
//	facegate submit --service NAME [--uuid U] [--extend-data] [--force] IMAGE...
//
// PATH is a file or a folder (walked recursively for images). Exit status:
// 0 every image ok, 1 at least one image not ok, 2 usage or I/O error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"

	"github.com/facegate/facegate/models"
	"github.com/facegate/facegate/prevalidate"
	"github.com/spf13/cobra"
)

// Exit statuses.
const (
	exitOK      = 0
	exitNotOK   = 1
	exitUsageIO = 2
)

// usageError marks errors that exit with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

var errNotOK = errors.New("at least one image is not ok")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errNotOK):
		return exitNotOK
	default:
		fmt.Fprintln(stderr, "facegate:", err)
		return exitUsageIO
	}
}

type flags struct {
	json      bool
	profile   string
	outDir    string
	maxBytes  int64
	maxPixels int64
	verbose   bool
	landmarks bool
	crop      bool
	model     string
	noVerify  bool
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "facegate",
		Short:         "Pre-validate face photos for the Progeny KYC API",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	var f flags
	addCommon := func(c *cobra.Command) {
		c.Flags().BoolVar(&f.json, "json", false, "print one JSON object per image (JSON Lines)")
		c.Flags().StringVar(&f.profile, "profile", "progeny", "rule profile")
		c.Flags().Int64Var(&f.maxBytes, "max-bytes", prevalidate.DefaultMaxInputBytes, "safety limit: largest input file, in bytes")
		c.Flags().Int64Var(&f.maxPixels, "max-pixels", prevalidate.DefaultMaxPixels, "safety limit: most pixels an input may declare")
		c.Flags().BoolVarP(&f.verbose, "verbose", "v", false, "log each step on stderr")
		c.Flags().BoolVar(&f.landmarks, "landmarks", false, "put each face's landmark points in the JSON records")
		c.Flags().StringVar(&f.model, "landmark-model", "", "landmark model file (68- or 5-point); default: $FACEGATE_MODELS, ./models, /usr/share/dlib")
		c.Flags().BoolVar(&f.noVerify, "skip-model-check", false, "do not check the landmark model's SHA-256 (needed for a 5-point model)")
	}
	check := &cobra.Command{
		Use:   "check [--json] [--profile progeny] PATH...",
		Short: "Report the rules each image breaks as it is",
		RunE: func(c *cobra.Command, args []string) error {
			return runBatch(c.Context(), f, args, false, stdout, stderr)
		},
	}
	fix := &cobra.Command{
		Use:   "fix -o OUTDIR [--json] [--profile progeny] PATH...",
		Short: "Write a compliant JPEG for every image that can be decoded",
		RunE: func(c *cobra.Command, args []string) error {
			if f.outDir == "" {
				return usageError{errors.New("fix needs -o OUTDIR")}
			}
			return runBatch(c.Context(), f, args, true, stdout, stderr)
		},
	}
	fix.Flags().StringVarP(&f.outDir, "out", "o", "", "output folder (created if missing)")
	fix.Flags().BoolVar(&f.crop, "crop", false, "crop around the face when 1080 px high would make it too small (default: keep a larger height)")
	addCommon(check)
	addCommon(fix)
	for _, c := range []*cobra.Command{check, fix} {
		c.Args = func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New(c.Name() + " needs at least one PATH")}
			}
			return nil
		}
	}
	root.AddCommand(check, fix, newSubmit(stdout, stderr))
	return root
}

func runBatch(ctx context.Context, f flags, paths []string, fix bool, stdout, stderr io.Writer) error {
	newProfile, ok := prevalidate.Profiles[f.profile]
	if !ok {
		return usageError{fmt.Errorf("unknown profile %q (known: progeny, document)", f.profile)}
	}
	profile := newProfile()
	level := slog.LevelWarn
	if f.verbose {
		level = slog.LevelDebug
	}
	opts := &prevalidate.Options{
		Profile:       profile,
		MaxInputBytes: f.maxBytes,
		MaxPixels:     f.maxPixels,
		Logger:        slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
		Landmarks:     f.landmarks,
		Crop:          f.crop,
	}
	if profile.HasFaceRules() {
		// Load the model once, before any file: a missing model is a setup
		// error that names the file and how to install it.
		a, err := prevalidate.LoadAnalyzer(&models.Options{Path: f.model, SkipVerify: f.noVerify})
		if err != nil {
			return usageError{err}
		}
		opts.Faces = a
	}
	inputs, err := collect(paths)
	if err != nil {
		return usageError{err}
	}
	var out *outDir
	if fix {
		if out, err = openOutDir(f.outDir); err != nil {
			return usageError{err}
		}
	}
	var w recordWriter = newTable(stdout, fix)
	if f.json {
		w = newJSONLines(stdout)
	}
	allOK := true
	for _, in := range inputs {
		if err := ctx.Err(); err != nil {
			w.Close()
			return usageError{fmt.Errorf("interrupted: %w", err)}
		}
		rep, err := process(ctx, in, opts, out)
		if err != nil {
			w.Close()
			return usageError{err}
		}
		allOK = allOK && rep.OK
		if err := w.Write(rep); err != nil {
			return usageError{err}
		}
	}
	if err := w.Close(); err != nil {
		return usageError{err}
	}
	if !allOK {
		return errNotOK
	}
	return nil
}

// process checks or fixes one file. The returned error is an I/O error on
// the output side, which ends the run; everything about the input goes into
// the report.
func process(ctx context.Context, in input, opts *prevalidate.Options, out *outDir) (*prevalidate.Report, error) {
	rep, data, err := open(ctx, in, opts, out != nil)
	rep.Path = in.display
	if err != nil && ctx.Err() == nil {
		err = nil // a read error on the input is in the report
	}
	if err != nil || data == nil || out == nil {
		return rep, err
	}
	path, werr := out.write(in, data)
	if werr != nil {
		return rep, werr
	}
	rep.Output.Path = path
	return rep, nil
}

func open(ctx context.Context, in input, opts *prevalidate.Options, fix bool) (*prevalidate.Report, []byte, error) {
	f, err := os.Open(in.path)
	if err != nil {
		rep, _ := prevalidate.Check(ctx, errReader{err}, opts)
		return rep, nil, nil
	}
	defer f.Close() // the library refuses an over-limit file from its size, unread
	if fix {
		return prevalidate.Fix(ctx, f, opts)
	}
	rep, err := prevalidate.Check(ctx, f, opts)
	return rep, nil, err
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
