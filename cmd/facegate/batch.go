package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/facegate/facegate/batch"
	"github.com/facegate/facegate/prevalidate"
)

// input names one image for the output folder.
type input struct {
	path string // the file, or the archive entry's display path
	rel  string // below the folder or archive given; "" for a file given directly
}

// EntryRefused is the code of an archive entry that was not read (unsafe
// name, over a size cap) or an archive that could not be read through.
const EntryRefused prevalidate.Code = "ENTRY_REFUSED"

func runBatch(ctx context.Context, f flags, paths []string, fix bool, stdin io.Reader, stdout, stderr io.Writer) error {
	profile, ok := prevalidate.ProfileByName(f.profile)
	if !ok {
		return usageError{fmt.Errorf("unknown profile %q (known: %s)", f.profile, strings.Join(prevalidate.ProfileNames(), ", "))}
	}
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
		AllFaces:      f.allFaces,
		Crop:          f.crop,
	}
	// A path that is not there is a usage error, said alone, before any
	// record or table is written.
	for _, p := range paths {
		if p == "-" {
			continue
		}
		if _, err := os.Lstat(p); err != nil {
			return usageError{err}
		}
	}
	var bopts batch.Options
	bopts.Jobs = max(1, f.jobs)
	if f.shard != "" {
		sh, err := batch.ParseShard(f.shard)
		if err != nil {
			return usageError{err}
		}
		bopts.Shard = sh
	}
	var journal *os.File
	if f.resume != "" {
		done, err := batch.DoneFile(f.resume)
		if err != nil {
			return usageError{fmt.Errorf("resume: %w", err)}
		}
		bopts.Skip = done
		if journal, err = os.OpenFile(f.resume, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err != nil {
			return usageError{fmt.Errorf("resume: %w", err)}
		}
		defer journal.Close()
		if len(done) > 0 {
			fmt.Fprintf(stderr, "facegate: resuming: %d images already recorded in %s are skipped\n", len(done), f.resume)
		}
	}
	if profile.HasFaceRules() {
		// Load the model once, before any file: a missing model is a setup
		// error that names the file and how to install it.
		a, err := prevalidate.LoadAnalyzer(f.models.options())
		if err != nil {
			return usageError{err}
		}
		opts.Faces = a
	}
	var out *outDir
	if fix {
		var err error
		if out, err = openOutDir(f.outDir); err != nil {
			return usageError{err}
		}
	}
	writers := []recordWriter{newTable(stdout, fix)}
	if f.json {
		writers[0] = newJSONLines(stdout)
	}
	if journal != nil {
		writers = append(writers, newJSONLines(journal))
	}
	if f.csv != "" {
		cw, err := newCSV(f.csv)
		if err != nil {
			return usageError{err}
		}
		writers = append(writers, cw)
	}
	if f.report != "" {
		writers = append(writers, newHTMLReport(f.report, profile))
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	walked := make(chan batch.Item, bopts.Jobs)
	items := make(chan batch.Item, bopts.Jobs)
	var found atomic.Int64
	walkErr := make(chan error, 1)
	go func() { walkErr <- batch.Walk(ctx, paths, stdin, batch.Limits{MaxEntryBytes: f.maxBytes}, walked) }()
	walking := atomic.Bool{}
	walking.Store(true)
	go func() {
		defer close(items)
		for it := range walked {
			if bopts.Shard.Has(it.Path) && !bopts.Skip[it.Path] {
				found.Add(1)
			}
			items <- it
		}
		walking.Store(false)
	}()

	var (
		ioMu  sync.Mutex
		ioErr error
	)
	process := func(ctx context.Context, it batch.Item) *prevalidate.Report {
		rep, err := processItem(ctx, it, opts, out, fix)
		if ctx.Err() != nil {
			return nil // interrupted: abandoned, and any output not yet renamed is gone
		}
		if err != nil && ctx.Err() == nil {
			ioMu.Lock()
			if ioErr == nil {
				ioErr = err
			}
			ioMu.Unlock()
			cancel()
		}
		return rep
	}
	prog := newProgress(stderr, &found, &walking)
	allOK := true
	runErr := batch.Run(ctx, items, bopts, process, func(rep *prevalidate.Report) error {
		allOK = allOK && rep.OK
		prog.add(rep.OK)
		for _, w := range writers {
			if err := w.Write(rep); err != nil {
				return err
			}
		}
		return nil
	})
	prog.done()
	var closeErr error
	for _, w := range writers {
		if err := w.Close(); err != nil && closeErr == nil {
			closeErr = err
		}
	}
	if err := <-walkErr; err != nil && !errors.Is(err, context.Canceled) {
		return usageError{err}
	}
	switch {
	case ioErr != nil:
		return usageError{ioErr}
	case runErr != nil && errors.Is(runErr, context.Canceled):
		return usageError{errors.New("interrupted: the records so far were written")}
	case runErr != nil:
		return usageError{runErr}
	case closeErr != nil:
		return usageError{closeErr}
	case !allOK:
		return errNotOK
	}
	return nil
}

// processItem checks or fixes one item. The returned error is an I/O error
// on the output side, which ends the run; everything about the input goes
// into the report.
func processItem(ctx context.Context, it batch.Item, opts *prevalidate.Options, out *outDir, fix bool) (*prevalidate.Report, error) {
	if it.Refused != "" {
		return &prevalidate.Report{Path: it.Path, Format: prevalidate.FormatUnknown, Orientation: 1, Faces: []prevalidate.Face{},
			Issues: []prevalidate.Issue{{Code: EntryRefused, Message: "Archive entry refused: " + it.Refused, Severity: prevalidate.SeverityError}}}, nil
	}
	var rep *prevalidate.Report
	var data []byte
	rc, err := it.Open()
	if err != nil {
		rep, _ = prevalidate.Check(ctx, errReader{err}, opts)
	} else {
		if fix {
			rep, data, err = prevalidate.Fix(ctx, rc, opts)
		} else {
			rep, err = prevalidate.Check(ctx, rc, opts)
		}
		rc.Close()
	}
	rep.Path = it.Path
	if err != nil && ctx.Err() != nil {
		return rep, nil // abandoned on interrupt
	}
	if data == nil || out == nil {
		return rep, nil
	}
	path, werr := out.write(input{path: it.Path, rel: it.Rel}, data)
	if werr != nil {
		return rep, werr
	}
	rep.Output.Path = path
	return rep, nil
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
