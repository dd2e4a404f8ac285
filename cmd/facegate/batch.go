package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/facegate/facegate/batch"
	"github.com/facegate/facegate/internal/atomicfile"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/report"
	"github.com/facegate/facegate/server"
)

// input names one image for the output folder.
type input struct {
	path string // the file, or the archive entry's display path
	rel  string // below the folder or archive given; "" for a file given directly
}

// EntryRefused is the code of an archive entry that was not read (unsafe
// name, over a size cap), an archive that could not be read through, or a
// path that is not a regular file (a named pipe, a device).
const EntryRefused prevalidate.Code = "ENTRY_REFUSED"

func runBatch(ctx context.Context, f *batchFlags, paths []string, fix bool, stdin io.Reader, stdout, stderr io.Writer) error {
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
	sel, journal, err := f.selection(stderr)
	if err != nil {
		return usageError{err}
	}
	if journal != nil {
		defer journal.Close() // closed by the writers first; this is for the early returns
	}
	opts, err := f.options(f.textLogger(stderr), true)
	if err != nil {
		return usageError{err}
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(server.BatchGoMemoryLimit(f.jobs, f.maxBytes))
	}
	// betweenFiles collects after each file of a serial run.
	betweenFiles := false
	if os.Getenv("GOGC") == "" {
		// As serve: a batch's live heap is one image's buffers per job
		// and its garbage every image's; collecting at half again the
		// live heap keeps a serial run's peak about 35 MB lower
		// (benchmarks/compare.sh) at no measurable cost in time.
		debug.SetGCPercent(server.GCPercent)
		// One job: when a file is done, all its garbage is dead, and a
		// collection then starts the next file from the live heap alone
		// (the models and the pooled buffers) rather than from the last
		// file's leftovers: a serial run's peak about 11 MB lower, its
		// time within 1 % (benchmarks/README.md).
		betweenFiles = f.jobs <= 1
	}
	if os.Getenv("GOMAXPROCS") == "" && f.jobs >= 1 && f.jobs < runtime.GOMAXPROCS(0) {
		// Fewer jobs than cores: as many Go processors as jobs. With a
		// spare processor the collector marks beside the one job while it
		// goes on allocating, and the heap overshoots its target: a
		// serial run's peak is about 25 MB higher for no gain in time
		// (benchmarks/README.md). The C libraries' threads are not Go
		// processors and are not limited.
		runtime.GOMAXPROCS(f.jobs)
	}
	var out *outDir
	if fix {
		if out, err = openOutDir(f.outDir); err != nil {
			return usageError{err}
		}
	}
	writers, err := f.writers(stdout, journal, fix, opts)
	if err != nil {
		return usageError{err}
	}
	allOK, err := f.process(ctx, paths, stdin, sel, writers, stderr, func(ctx context.Context, it batch.Item) (*prevalidate.Report, error) {
		rep, err := processItem(ctx, it, opts, out, fix)
		if betweenFiles {
			runtime.GC()
		}
		return rep, err
	})
	if err != nil {
		return usageError{err}
	}
	if f.doneFile != "" {
		// Every selected image is recorded: say so, for what waits on
		// this run (a report Job after its shards).
		err := atomicfile.Write(f.doneFile, func(w io.Writer) error {
			return json.NewEncoder(w).Encode(map[string]any{"facegate_done": 1, "finished": time.Now().UTC(), "all_ok": allOK})
		})
		if err != nil {
			return usageError{fmt.Errorf("--done-file: %w", err)}
		}
	}
	if !allOK && f.notOKExit == exitNotOK {
		return errNotOK
	}
	return nil
}

// selection is the shard and, when resuming, the images the journal
// records as done, with the journal opened for appending.
func (f *batchFlags) selection(stderr io.Writer) (batch.Selection, *batch.Journal, error) {
	var sel batch.Selection
	if f.shard != "" {
		sh, err := batch.ParseShard(f.shard)
		if err != nil {
			return sel, nil, err
		}
		sel.Shard = sh
	}
	if f.resume == "" {
		return sel, nil, nil
	}
	j, err := batch.OpenJournal(f.resume)
	if err != nil {
		return sel, nil, fmt.Errorf("resume: %w", err)
	}
	sel.Skip = j.Done
	if j.Torn > 0 {
		fmt.Fprintf(stderr, "facegate: resuming: %s ended in a torn line (%d bytes, a run stopped while writing it): cut off, its image is done again\n", f.resume, j.Torn)
	}
	if n := len(j.Damaged); n > 0 {
		fmt.Fprintf(stderr, "facegate: resuming: %d damaged lines in %s skipped (first: line %d); their images are done again\n", n, f.resume, j.Damaged[0])
	}
	if j.Failed > 0 {
		fmt.Fprintf(stderr, "facegate: resuming: %d records in %s say their output was not written; those images are done again\n", j.Failed, f.resume)
	}
	if len(j.Done) > 0 {
		fmt.Fprintf(stderr, "facegate: resuming: %d images already recorded in %s are skipped\n", len(j.Done), f.resume)
	}
	return sel, j, nil
}

// writers are where each record goes: the resume journal, the table or
// JSON Lines on stdout, the CSV file and the HTML report.
func (f *batchFlags) writers(stdout io.Writer, journal *batch.Journal, fix bool, opts *prevalidate.Options) ([]recordWriter, error) {
	// The journal first: a record it could not keep is shown nowhere as
	// done.
	var ws []recordWriter
	if journal != nil {
		ws = append(ws, &jsonLines{enc: json.NewEncoder(journal), c: journal})
	}
	if f.json {
		ws = append(ws, newJSONLines(stdout))
	} else {
		ws = append(ws, newTable(stdout, fix))
	}
	if f.csv != "" {
		cw, err := report.NewCSV(f.csv, opts.ISO)
		if err != nil {
			return nil, err
		}
		ws = append(ws, cw)
	}
	if f.report != "" {
		ws = append(ws, report.NewHTML(f.report, opts.Profile))
	}
	return ws, nil
}

// process walks the paths, runs work on the selected images with --jobs
// workers, and writes each record, in input order, with progress on
// stderr. The first error of work (output I/O) ends the run. allOK says
// every record was OK.
func (f *batchFlags) process(ctx context.Context, paths []string, stdin io.Reader, sel batch.Selection, writers []recordWriter, stderr io.Writer,
	work func(context.Context, batch.Item) (*prevalidate.Report, error)) (allOK bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := max(1, f.jobs)
	walked := make(chan batch.Item, jobs)
	walkErr := make(chan error, 1)
	wopts := batch.WalkOptions{MaxEntryBytes: f.maxBytes, HeadBytes: prevalidate.SniffLen,
		IsImage: func(head []byte) bool { return prevalidate.Sniff(head) != prevalidate.FormatUnknown }}
	go func() { walkErr <- batch.Walk(ctx, paths, stdin, wopts, walked) }()
	// Count the selected images as they are found, for the progress line.
	var found atomic.Int64
	var walking atomic.Bool
	walking.Store(true)
	selected := batch.Select(ctx, walked, sel)
	items := make(chan batch.Item, jobs)
	go func() {
		defer close(items)
		for it := range selected {
			found.Add(1)
			items <- it
		}
		walking.Store(false)
	}()

	var (
		ioMu  sync.Mutex
		ioErr error
	)
	process := func(ctx context.Context, it batch.Item) *prevalidate.Report {
		rep, err := work(ctx, it)
		if ctx.Err() != nil {
			return nil // interrupted: abandoned, and any output not yet renamed is gone
		}
		if err != nil {
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
	allOK = true
	runErr := batch.Run(ctx, items, batch.Options{Jobs: jobs}, process, func(rep *prevalidate.Report) error {
		allOK = allOK && rep.OK
		prog.add(rep.OK)
		for _, w := range writers {
			if err := w.Write(rep); err != nil {
				cancel() // the walk too: nothing more is read that could not be recorded
				return fmt.Errorf("%s: its record could not be written: %w", rep.Path, err)
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
		return false, err
	}
	switch {
	case ioErr != nil:
		return false, ioErr
	case runErr != nil && errors.Is(runErr, context.Canceled):
		return false, errors.New("interrupted: the records so far were written")
	case runErr != nil:
		return false, runErr
	case closeErr != nil:
		return false, closeErr
	}
	return allOK, nil
}

// processItem checks or fixes one item. The returned error is an I/O error
// on the output side or face models that did not load, either of which
// ends the run; everything about the input goes into the report.
func processItem(ctx context.Context, it batch.Item, opts *prevalidate.Options, out *outDir, fix bool) (*prevalidate.Report, error) {
	if it.Refused != "" {
		return &prevalidate.Report{Path: it.Path, Format: prevalidate.FormatUnknown, Orientation: 1, Faces: []prevalidate.Face{},
			Issues: []prevalidate.Issue{{Code: EntryRefused, Message: "Not read: " + it.Refused, Severity: prevalidate.SeverityError}}}, nil
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
	if errors.Is(err, prevalidate.ErrLoad) {
		// The first image that needed the face models found them missing
		// or broken: the run's setup failed, not this image; no record.
		return nil, err
	}
	if data == nil || out == nil {
		return rep, nil
	}
	path, werr := out.write(input{path: it.Path, rel: it.Rel}, data)
	if werr != nil {
		// Not done: the record says so, and a resumed run does it again.
		rep.OK, rep.Error = false, "the fixed image was not written: "+werr.Error()
		return rep, fmt.Errorf("%s: the fixed image was not written (the run stopped there; run again with --resume JOURNAL to do it and the rest): %w", it.Path, werr)
	}
	rep.Output.Path = path
	return rep, nil
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
