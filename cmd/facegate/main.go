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
// archive, or "-" for one image on stdin; --files-from FILE (or -) reads a
// list of paths. Exit status: 0 every image ok, 1 at least one image not
// ok, 2 usage or I/O error (or interrupted).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/facegate/facegate/batch"
	"github.com/facegate/facegate/internal/cmem"
	"github.com/facegate/facegate/report"
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

// The C heap's bounds (see internal/cmem), unless glibc's own variables
// say otherwise: at most mallocArenas arenas (default: 8 per core; the
// native libraries free on many threads, and each arena keeps its freed
// pages), and blocks of mmapLarge bytes or more mapped on their own, so a
// decoder's buffers go back to the kernel when freed.
const (
	mallocArenas = 2
	mmapLarge    = 1 << 20
)

func main() {
	if os.Getenv("MALLOC_ARENA_MAX") == "" {
		cmem.LimitArenas(mallocArenas)
	}
	if os.Getenv("MALLOC_MMAP_THRESHOLD_") == "" {
		cmem.MmapLarge(mmapLarge)
	}
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

// batchFlags are check's and fix's flags.
type batchFlags struct {
	imageFlags
	json   bool
	outDir string
	jobs   int
	resume string
	shard  string
	csv    string
	report string
	// notOKExit is the exit status when some image is not ok: 1, or 0
	// for a Job whose pods fail only on errors of the run.
	notOKExit int
	// filesFrom names a file listing paths, one per line ("-": stdin).
	filesFrom string
	// doneFile is written when the run has recorded every image.
	doneFile string
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "facegate",
		Short: "Pre-validate face photos for the Progeny KYC API",
		Long: "Pre-validate face photos for the Progeny KYC API: check them against its rules, fix what\n" +
			"can be fixed, submit compliant ones, serve the same as an HTTP service or a proxy.\n\n" +
			exitHelp,
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

	check := newBatch("check", stdout, stderr)
	fix := newBatch("fix", stdout, stderr)
	var reportOut string
	var reportProfile profileFlags
	var waitDone string
	var waitCount int
	var waitTimeout time.Duration
	report := &cobra.Command{
		Use:   "report -o FILE.html RECORDS.jsonl... (or a pattern such as 'shards/*.jsonl', expanded by facegate)",
		Short: "Build the HTML report from saved JSON Lines records (for example the shards of a run)",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 || reportOut == "" {
				return usageError{errors.New("report needs -o FILE.html and at least one JSONL file")}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			profile, err := reportProfile.load()
			if err != nil {
				return usageError{err}
			}
			if waitDone != "" {
				if err := waitForDone(c.Context(), waitDone, waitCount, waitTimeout, stderr); err != nil {
					return usageError{err}
				}
			}
			files, err := expandGlobs(args)
			if err != nil {
				return usageError{err}
			}
			bad := 0
			n, err := report.FromJSONL(files, reportOut, profile, func(name string, line int, err error) {
				if bad++; bad <= 10 {
					fmt.Fprintf(stderr, "facegate: %s: line %d: %v: skipped\n", name, line, err)
				}
			})
			if bad > 0 {
				fmt.Fprintf(stderr, "facegate: %d lines skipped in all\n", bad)
			}
			if err != nil {
				return usageError{err}
			}
			fmt.Fprintf(stderr, "facegate: %d images in %s\n", n, reportOut)
			return nil
		},
	}
	report.Flags().StringVarP(&reportOut, "out", "o", "", "the HTML file to write")
	report.Flags().StringVar(&waitDone, "wait-done", "", "first wait until --wait-count files match this pattern (the shards' check --done-file): a report Job started with its shards builds the report once they finish")
	report.Flags().IntVar(&waitCount, "wait-count", 1, "how many --wait-done files to wait for")
	report.Flags().DurationVar(&waitTimeout, "wait-timeout", 24*time.Hour, "give up waiting after this long (exit 2)")
	reportProfile.add(report.Flags(), "profile whose thresholds the charts draw", "the same, from a profile file")
	root.AddCommand(check, fix, newSubmit(stdout, stderr), report, newServe(stderr), newProfile(stdout), newHealth(stdout), newCalibrate(stdout, stderr), newISO(stdout), newCompare(stdout, stderr))
	return root
}

// newBatch is the check or the fix command.
func newBatch(name string, stdout, stderr io.Writer) *cobra.Command {
	fixes := name == "fix"
	f := &batchFlags{}
	c := &cobra.Command{
		Use:   "check [--json] [--profile progeny | --profile-file F] PATH...",
		Short: "Report the rules each image breaks as it is",
		Long: "PATH is a file, a folder (walked for images), a zip or tar archive, or - for one image on\n" +
			"standard input; --files-from FILE (- for stdin) reads a list of paths, one per line.\n\n" +
			exitHelp,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 && f.filesFrom == "" {
				return usageError{errors.New(c.Name() + " needs at least one PATH (or --files-from)")}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if f.filesFrom != "" {
				list, err := readFilesFrom(f.filesFrom, args, c.InOrStdin())
				if err != nil {
					return usageError{err}
				}
				args = append(args, list...)
			}
			if fixes && f.outDir == "" {
				return usageError{errors.New("fix needs -o OUTDIR")}
			}
			if f.notOKExit != exitOK && f.notOKExit != exitNotOK {
				return usageError{fmt.Errorf("--not-ok-exit %d: 0 or 1", f.notOKExit)}
			}
			return runBatch(c.Context(), f, args, fixes, c.InOrStdin(), stdout, stderr)
		},
	}
	if fixes {
		c.Use = "fix -o OUTDIR [--json] [--crop] [--profile progeny | --profile-file F] PATH..."
		c.Short = "Write a compliant JPEG for every image that can be decoded"
		c.Flags().StringVarP(&f.outDir, "out", "o", "", "output folder (created if missing)")
	}
	f.imageFlags.add(c.Flags(), fixes)
	c.Flags().BoolVar(&f.json, "json", false, "print one JSON object per image (JSON Lines)")
	c.Flags().IntVarP(&f.jobs, "jobs", "j", runtime.NumCPU(), "images processed at once (records still come in input order); memory stays under 200 MB + jobs x (96 MB + max-bytes)")
	c.Flags().StringVar(&f.resume, "resume", "", "JSONL journal: skip the images it records, append new records to it")
	c.Flags().StringVar(&f.shard, "shard", "", "K/N: process only the K-th (from 1) of N deterministic slices of the input; index:I/N counts from 0 (a Kubernetes Indexed Job's $(JOB_COMPLETION_INDEX))")
	c.Flags().StringVar(&f.csv, "csv", "", "also write one CSV row per image to this file")
	c.Flags().StringVar(&f.report, "report", "", "also write a self-contained HTML report to this file")
	c.Flags().StringVar(&f.doneFile, "done-file", "", "when every image is recorded (exit 0 or 1), write this file (JSON): what waits on the run, such as report --wait-done, knows it finished")
	c.Flags().StringVar(&f.filesFrom, "files-from", "", "read the paths to check from this file, one per line (- for stdin), after any PATH given")
	c.Flags().IntVar(&f.notOKExit, "not-ok-exit", exitNotOK, "exit status when some image is not ok: 1, or 0 so that only errors of the run (2) fail a batch Job's pod")
	return c
}

// expandGlobs expands the arguments that are patterns (for callers without
// a shell, such as a Kubernetes Job's args), in order; a pattern that
// matches nothing is an error.
func expandGlobs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if !strings.ContainsAny(a, "*?[") {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(a)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", a, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("no file matches %q", a)
		}
		out = append(out, m...)
	}
	return out, nil
}

// readFilesFrom reads --files-from's list: a file, or stdin for "-"
// (which then cannot also be an image).
func readFilesFrom(name string, args []string, stdin io.Reader) ([]string, error) {
	if name == "-" {
		for _, a := range args {
			if a == "-" {
				return nil, errors.New(`--files-from - and the PATH "-" both read stdin`)
			}
		}
		return batch.ReadPathList(stdin)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("--files-from: %w", err)
	}
	defer f.Close()
	return batch.ReadPathList(f)
}

// exitHelp is the exit statuses, as every command's help gives them.
const exitHelp = "Exit status:\n" +
	"  0  done: every image ok (check, fix), every task positive (submit), or the command's work done\n" +
	"  1  at least one image not ok (check, fix: unless --not-ok-exit 0), refused or rejected (submit)\n" +
	"  2  usage or I/O error: a bad flag, a missing path, an output or a record not written,\n" +
	"     no upstream or credentials (submit), interrupted"

// waitForDone waits until count files match pattern (each a finished
// run's --done-file), saying on stderr what it waits for every minute.
func waitForDone(ctx context.Context, pattern string, count int, timeout time.Duration, stderr io.Writer) error {
	if _, err := filepath.Match(pattern, ""); err != nil {
		return fmt.Errorf("--wait-done %q: %w", pattern, err)
	}
	deadline := time.Now().Add(timeout)
	var said time.Time
	for {
		found, _ := filepath.Glob(pattern)
		if len(found) >= count {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("--wait-done: %d of %d files match %s after %v", len(found), count, pattern, timeout)
		}
		if time.Since(said) >= time.Minute {
			fmt.Fprintf(stderr, "facegate: waiting for %d of %d finished runs (%s)\n", count-len(found), count, pattern)
			said = time.Now()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("interrupted while waiting for %s", pattern)
		case <-time.After(min(2*time.Second, time.Until(deadline)+time.Millisecond)):
		}
	}
}
