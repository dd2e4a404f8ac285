package batch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/facegate/facegate/internal/jsonl"
)

// A journal is the JSON Lines a run writes, one record per item (a run's
// --json output, or its --resume file): each a JSON object with at least
// the item's "path". A record whose "error" is set says the run failed on
// the item (its output could not be written): the item is not done, and a
// resumed run does it again.

// ErrNotJournal is the error of a file that holds something other than a
// journal (its first line is not a record): a resumed run must not append
// to it.
var ErrNotJournal = errors.New("not a facegate journal")

// MaxRecordLine bounds one record's line in a journal.
const MaxRecordLine = 16 << 20

// JournalState is what a journal holds.
type JournalState struct {
	// Done are the paths of the items recorded as done.
	Done map[string]bool
	// Records counts the lines that are records; Failed, those of them
	// that record a failure (not done).
	Records, Failed int
	// Damaged are the numbers of complete lines that are not records
	// (skipped: their items, if any, are done again).
	Damaged []int
	// Torn is the length of a last line with no newline (a run killed
	// while writing it), 0 when the journal ends with a whole line.
	Torn int64
	// Size is the number of bytes read.
	Size int64
}

// ReadJournal reads a journal. It fails with ErrNotJournal when r holds
// something and its first line is not a record.
func ReadJournal(r io.Reader) (*JournalState, error) {
	st := &JournalState{Done: map[string]bool{}}
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, whole, size, err := jsonl.ReadLine(br, MaxRecordLine)
		st.Size += size
		if err != nil && err != io.EOF {
			return st, err
		}
		if size == 0 && err == io.EOF {
			return st, nil
		}
		if !whole {
			// No newline: torn by a kill during the write, whatever it
			// holds (a record cut at a brace boundary parses too).
			if n == 1 && !isRecordStart(line) {
				return st, fmt.Errorf("%w: its first line is not a record", ErrNotJournal)
			}
			st.Torn = size
			return st, nil
		}
		if len(bytes.TrimSpace(line)) == 0 && size <= MaxRecordLine {
			continue
		}
		path, failed, ok := recordOf(line, size)
		switch {
		case !ok && n == 1:
			return st, fmt.Errorf("%w: its first line is not a record", ErrNotJournal)
		case !ok:
			st.Damaged = append(st.Damaged, n)
		case failed:
			st.Records++
			st.Failed++
			delete(st.Done, path) // done again later in the file, if at all
		default:
			st.Records++
			st.Done[path] = true
		}
		if err == io.EOF {
			return st, nil
		}
	}
}

// isRecordStart: a torn first line may still be the start of a record.
func isRecordStart(line []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(line, " \t"), []byte(`{"`))
}

// recordOf reads a record's path and whether it records a failure.
func recordOf(line []byte, size int64) (path string, failed, ok bool) {
	if size > MaxRecordLine+1 {
		return "", false, false
	}
	var rec struct {
		Path  *string `json:"path"`
		Error string  `json:"error"`
	}
	if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("{")) || json.Unmarshal(line, &rec) != nil || rec.Path == nil || *rec.Path == "" {
		return "", false, false
	}
	return *rec.Path, rec.Error != "", true
}

// Journal is a journal opened to resume a run: what it held, and the file,
// from which a torn last line was cut, open for appending records.
type Journal struct {
	*JournalState
	name string
	f    *os.File
}

// OpenJournal opens (or creates) the journal name to resume a run. It
// refuses what is not a regular file or not a journal (ErrNotJournal),
// and cuts a torn last line off, so the next record starts a line of its
// own (the item it named is done again).
func OpenJournal(name string) (*Journal, error) {
	if fi, err := os.Stat(name); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("journal %s: not a regular file (%s)", name, fileKind(fi.Mode()))
	}
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	st, err := ReadJournal(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w; refusing to append to it", name, err)
	}
	if st.Torn > 0 {
		if err := f.Truncate(st.Size - st.Torn); err != nil {
			f.Close()
			return nil, fmt.Errorf("journal %s: cut its torn last line: %w", name, err)
		}
	}
	return &Journal{JournalState: st, name: name, f: f}, nil
}

// Write appends to the journal (one record line per call, as a
// json.Encoder writes).
func (j *Journal) Write(b []byte) (int, error) {
	n, err := j.f.Write(b)
	if err != nil {
		return n, fmt.Errorf("journal %s: %w", j.name, err)
	}
	return n, nil
}

// Close syncs and closes the journal; closing it again does nothing.
func (j *Journal) Close() error {
	if j.f == nil {
		return nil
	}
	defer func() { j.f = nil }()
	serr := j.f.Sync()
	if err := j.f.Close(); err != nil {
		return fmt.Errorf("journal %s: %w", j.name, err)
	}
	if serr != nil {
		return fmt.Errorf("journal %s: %w", j.name, serr)
	}
	return nil
}

// fileKind names a mode that is not a regular file's.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a folder"
	}
	return "not a regular file"
}
