// Command facegate checks face photos against the Progeny API's image rules
// before they are submitted, and fixes what can be fixed.
//
//	facegate check [--json] [--landmarks] [--all-faces] [--profile progeny|document] PATH...
//	facegate fix -o OUTDIR [--crop] [--json] [--profile progeny|document] PATH...
//	facegate submit --service NAME [--uuid U] [--extend-data] [--force] IMAGE...
//	facegate report -o FILE.html RECORDS.jsonl...
//	facegate serve [--addr HOST:PORT] [--upstream URL]
//
// PATH is a file, a folder (walked recursively for images), a zip or tar
// archive, or "-" for a list of paths on stdin. Exit status: 0 every image
// ok, 1 at least one image not ok, 2 usage or I/O error (or interrupted).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
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
	allFaces  bool
	crop      bool
	models    modelFlags
	jobs      int
	resume    string
	shard     string
	csv       string
	report    string
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
	var showVersion bool
	root.Flags().BoolVar(&showVersion, "version", false, "print the build, library and model versions")
	root.RunE = func(c *cobra.Command, args []string) error {
		if !showVersion {
			return c.Help()
		}
		fmt.Fprintln(stdout, version())
		return nil
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	var f flags
	addCommon := func(c *cobra.Command) {
		c.Flags().BoolVar(&f.json, "json", false, "print one JSON object per image (JSON Lines)")
		c.Flags().StringVar(&f.profile, "profile", "progeny", "rule profile")
		c.Flags().Int64Var(&f.maxBytes, "max-bytes", prevalidate.DefaultMaxInputBytes, "safety limit: largest input file, in bytes")
		c.Flags().Int64Var(&f.maxPixels, "max-pixels", prevalidate.DefaultMaxPixels, "safety limit: most pixels an input may declare")
		c.Flags().BoolVarP(&f.verbose, "verbose", "v", false, "log each step on stderr")
		c.Flags().BoolVar(&f.landmarks, "landmarks", false, "put each face's landmark points in the JSON records")
		c.Flags().BoolVar(&f.allFaces, "all-faces", false, "find and report every face of at least the minimum size, also those under half the largest that no rule counts (slower)")
		f.models.add(c.Flags())
		c.Flags().IntVarP(&f.jobs, "jobs", "j", runtime.NumCPU(), "images processed at once (records still come in input order)")
		c.Flags().StringVar(&f.resume, "resume", "", "JSONL journal: skip the images it records, append new records to it")
		c.Flags().StringVar(&f.shard, "shard", "", "K/N: process only the K-th of N deterministic slices of the input")
		c.Flags().StringVar(&f.csv, "csv", "", "also write one CSV row per image to this file")
		c.Flags().StringVar(&f.report, "report", "", "also write a self-contained HTML report to this file")
	}
	check := &cobra.Command{
		Use:   "check [--json] [--profile progeny] PATH...",
		Short: "Report the rules each image breaks as it is",
		RunE: func(c *cobra.Command, args []string) error {
			return runBatch(c.Context(), f, args, false, c.InOrStdin(), stdout, stderr)
		},
	}
	fix := &cobra.Command{
		Use:   "fix -o OUTDIR [--json] [--profile progeny] PATH...",
		Short: "Write a compliant JPEG for every image that can be decoded",
		RunE: func(c *cobra.Command, args []string) error {
			if f.outDir == "" {
				return usageError{errors.New("fix needs -o OUTDIR")}
			}
			return runBatch(c.Context(), f, args, true, c.InOrStdin(), stdout, stderr)
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
	var reportOut, reportProfile string
	report := &cobra.Command{
		Use:   "report -o FILE.html RECORDS.jsonl...",
		Short: "Build the HTML report from saved JSON Lines records (for example the shards of a run)",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 || reportOut == "" {
				return usageError{errors.New("report needs -o FILE.html and at least one JSONL file")}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			profile, ok := prevalidate.ProfileByName(reportProfile)
			if !ok {
				return usageError{fmt.Errorf("unknown profile %q (known: %s)", reportProfile, strings.Join(prevalidate.ProfileNames(), ", "))}
			}
			n, err := reportFromJSONL(args, reportOut, profile)
			if err != nil {
				return usageError{err}
			}
			fmt.Fprintf(stderr, "facegate: %d images in %s\n", n, reportOut)
			return nil
		},
	}
	report.Flags().StringVarP(&reportOut, "out", "o", "", "the HTML file to write")
	report.Flags().StringVar(&reportProfile, "profile", "progeny", "profile whose thresholds the charts draw")
	root.AddCommand(check, fix, newSubmit(stdout, stderr), report, newServe(stderr))
	return root
}
