// Package batch runs work over many images without knowing what the work
// is: Walk expands files, folders, zip and tar archives (read as streams)
// and path lists into items, Select keeps those of a shard not done in a
// resumed run, and Run processes them with a bounded pool of workers and
// hands back the records in input order, so memory depends on the number
// of workers, not on the size of the input. It has no image logic: the
// caller says what an image looks like (WalkOptions.IsImage) and what to
// do with one.
package batch

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// Item is one image to process.
type Item struct {
	// Path names the image in records: a file path, or
	// "archive.zip!inner/path.jpg" for an archive entry.
	Path string
	// Rel is the path below the folder or archive given, with forward
	// slashes; outputs mirror it. Empty for a file given directly.
	Rel string
	// Refused, when set, says why the item is not processed (an unsafe or
	// oversized archive entry); the item still gets a record.
	Refused string

	file string // a file to open; "" for an archive entry
	data []byte // an archive entry's bytes
}

// Open returns the item's bytes as a reader.
func (it *Item) Open() (io.ReadCloser, error) {
	if it.file != "" {
		return openRegular(it.file)
	}
	return io.NopCloser(bytes.NewReader(it.data)), nil
}

// stdinItem is the image on standard input ("-"), read whole up to the
// entry cap; its output is named stdin.jpg.
func stdinItem(ctx context.Context, stdin io.Reader, limit int64) Item {
	it := Item{Path: "-", Rel: "stdin"}
	if stdin == nil {
		it.Refused = "no standard input"
		return it
	}
	// A read from a terminal or a pipe cannot be cancelled: wait for it or
	// for ctx, whichever ends first.
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(stdin, limit+1))
		done <- result{data, err}
	}()
	var data []byte
	var err error
	select {
	case r := <-done:
		data, err = r.data, r.err
	case <-ctx.Done():
		err = ctx.Err()
	}
	switch {
	case err != nil:
		it.Refused = "cannot read standard input: " + err.Error()
	case int64(len(data)) > limit:
		it.Refused = fmt.Sprintf("standard input is over the %d-byte cap: not read further", limit)
	default:
		it.data = data
	}
	return it
}

// ReadPathList reads a list of paths, one per line (blank lines skipped,
// spaces around a path trimmed), as --files-from gives them.
func ReadPathList(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the path list: %w", err)
	}
	return out, nil
}

// ErrNotRegular is the error of opening what is not a regular file (a
// named pipe, a device, a socket): its read could block or never end.
var ErrNotRegular = errors.New("not a regular file")

// openRegular opens a regular file, and nothing that could block: the
// open does not wait for a pipe's writer, and what is not a regular file
// is closed again with ErrNotRegular.
func openRegular(name string) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: %s: %w", name, fileKind(fi.Mode()), ErrNotRegular)
	}
	return f, nil
}

// DefaultMaxEntryBytes is WalkOptions.MaxEntryBytes' default: 50 MB, as
// prevalidate's input limit.
const DefaultMaxEntryBytes = 50_000_000

// WalkOptions bound what an archive may make the walker read, and say
// which files are images.
type WalkOptions struct {
	MaxEntryBytes int64 // one entry, uncompressed (0 = DefaultMaxEntryBytes)
	MaxTotalBytes int64 // all entries of one archive, uncompressed (0 = 4 GB)
	// IsImage recognises an image from its first HeadBytes bytes, for the
	// files in folders and archives whose names have no image extension.
	// nil: by extension only.
	IsImage   func(head []byte) bool
	HeadBytes int
}

func (l WalkOptions) withDefaults() WalkOptions {
	if l.MaxEntryBytes <= 0 {
		l.MaxEntryBytes = DefaultMaxEntryBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = 4 << 30
	}
	return l
}

var imageExts = map[string]bool{
	".jpg": true, ".jpeg": true, ".jpe": true, ".jfif": true, ".png": true, ".webp": true, ".bmp": true,
	".tif": true, ".tiff": true, ".heic": true, ".heif": true, ".gif": true,
}

// IsArchive reports whether name is read as an archive.
func IsArchive(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".zip") || strings.HasSuffix(n, ".tar") || strings.HasSuffix(n, ".tar.gz") || strings.HasSuffix(n, ".tgz")
}

// Walk sends an item for every image in paths, in order: files as given,
// folders recursively in lexical order (images by extension or
// WalkOptions.IsImage; symlinks are not followed), archives entry by entry. "-" is
// one image read from stdin (up to MaxEntryBytes; its Rel is "stdin"). A
// path that does not exist is an error before anything is sent. Walk
// closes out when done.
func Walk(ctx context.Context, paths []string, stdin io.Reader, lim WalkOptions, out chan<- Item) error {
	defer close(out)
	lim = lim.withDefaults()
	if n := slices.Index(paths, "-"); n >= 0 && slices.Index(paths[n+1:], "-") >= 0 {
		return errors.New(`"-" (an image on standard input) given twice`)
	}
	for _, p := range paths {
		if p == "-" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return err
		}
	}
	send := func(it Item) error {
		select {
		case out <- it:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for _, p := range paths {
		if p == "-" {
			if err := send(stdinItem(ctx, stdin, lim.MaxEntryBytes)); err != nil {
				return err
			}
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		switch {
		case st.IsDir():
			err = filepath.WalkDir(p, func(fp string, d fs.DirEntry, err error) error {
				if err != nil {
					return fmt.Errorf("walk %s: %w", fp, err)
				}
				if d.IsDir() || !d.Type().IsRegular() {
					return nil
				}
				rel, _ := filepath.Rel(p, fp)
				if IsArchive(fp) {
					return walkArchive(ctx, fp, filepath.ToSlash(rel), lim, send)
				}
				if !lim.looksLikeImage(fp) {
					return nil
				}
				return send(Item{Path: fp, Rel: filepath.ToSlash(rel), file: fp})
			})
		case !st.Mode().IsRegular():
			// A named pipe or a device would block the read, or never end.
			err = send(Item{Path: p, Refused: fileKind(st.Mode()) + ", not a regular file: not read"})
		case IsArchive(p):
			err = walkArchive(ctx, p, "", lim, send)
		default:
			err = send(Item{Path: p, file: p})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (l WalkOptions) looksLikeImage(p string) bool {
	if imageExts[strings.ToLower(filepath.Ext(p))] {
		return true
	}
	if l.IsImage == nil {
		return false
	}
	f, err := openRegular(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, l.HeadBytes)
	n, _ := io.ReadFull(f, head)
	return l.IsImage(head[:n])
}

// walkArchive sends the images of a zip or tar(.gz). rel is the archive's
// own path below a folder given, so outputs land beside it.
func walkArchive(ctx context.Context, file, rel string, lim WalkOptions, send func(Item) error) error {
	base := strings.TrimSuffix(rel, path.Ext(rel))
	if rel == "" {
		base = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	base = strings.TrimSuffix(base, ".tar")
	a := archiveWalk{file: file, base: base, lim: lim, send: send}
	if strings.HasSuffix(strings.ToLower(file), ".zip") {
		return a.zip(ctx)
	}
	return a.tar(ctx)
}

type archiveWalk struct {
	file  string
	base  string // outputs of its entries go below this folder
	lim   WalkOptions
	send  func(Item) error
	total int64
}

// entry reads one entry (at most the per-entry cap + 1 bytes) and sends
// it, or sends a refusal.
func (a *archiveWalk) entry(name string, declared int64, r io.Reader) error {
	display := a.file + "!" + name
	clean, ok := safeName(name)
	if !ok {
		return a.send(Item{Path: display, Refused: "unsafe entry name (absolute, or with ..): not read"})
	}
	if !imageExts[strings.ToLower(path.Ext(clean))] {
		// Not named like an image: sniff it without reading it all.
		if a.lim.IsImage == nil {
			return nil
		}
		head := make([]byte, a.lim.HeadBytes)
		n, _ := io.ReadFull(r, head)
		if !a.lim.IsImage(head[:n]) {
			return nil
		}
		r = io.MultiReader(bytes.NewReader(head[:n]), r)
	}
	if declared > a.lim.MaxEntryBytes {
		return a.send(Item{Path: display, Rel: a.base + "/" + clean, Refused: fmt.Sprintf("entry declares %d bytes uncompressed, over the %d-byte cap: not read", declared, a.lim.MaxEntryBytes)})
	}
	if a.total > a.lim.MaxTotalBytes {
		return errTotal
	}
	data, err := io.ReadAll(io.LimitReader(r, a.lim.MaxEntryBytes+1))
	a.total += int64(len(data))
	if err != nil {
		return a.send(Item{Path: display, Rel: a.base + "/" + clean, Refused: "cannot read the entry: " + err.Error()})
	}
	if int64(len(data)) > a.lim.MaxEntryBytes {
		return a.send(Item{Path: display, Rel: a.base + "/" + clean, Refused: fmt.Sprintf("entry inflates past the %d-byte cap: not read further", a.lim.MaxEntryBytes)})
	}
	if a.total > a.lim.MaxTotalBytes {
		return errTotal
	}
	return a.send(Item{Path: display, Rel: a.base + "/" + clean, data: data})
}

var errTotal = errors.New("archive inflates past the total cap")

// finish turns the total-cap stop into a record for the archive.
func (a *archiveWalk) finish(err error) error {
	if errors.Is(err, errTotal) {
		return a.send(Item{Path: a.file, Refused: fmt.Sprintf("archive inflates past the %d-byte total cap: the rest was not read", a.lim.MaxTotalBytes)})
	}
	return err
}

func (a *archiveWalk) zip(ctx context.Context) error {
	zr, err := zip.OpenReader(a.file)
	if err != nil {
		return a.send(Item{Path: a.file, Refused: "not a readable zip: " + err.Error()})
	}
	defer zr.Close()
	for _, f := range zr.File {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if f.FileInfo().IsDir() || !f.Mode().IsRegular() { // symlinks and devices are skipped
			continue
		}
		rc, err := f.Open()
		if err != nil {
			if err := a.send(Item{Path: a.file + "!" + f.Name, Refused: "cannot open the entry: " + err.Error()}); err != nil {
				return err
			}
			continue
		}
		err = a.entry(f.Name, int64(f.UncompressedSize64), rc)
		rc.Close()
		if err != nil {
			return a.finish(err)
		}
	}
	return nil
}

func (a *archiveWalk) tar(ctx context.Context) error {
	fh, err := openRegular(a.file)
	if err != nil {
		return err
	}
	defer fh.Close()
	var r io.Reader = bufio.NewReader(fh)
	if n := strings.ToLower(a.file); strings.HasSuffix(n, ".gz") || strings.HasSuffix(n, ".tgz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return a.send(Item{Path: a.file, Refused: "not a readable gzip stream: " + err.Error()})
		}
		defer gz.Close()
		r = gz
	}
	tr := tar.NewReader(r)
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return a.send(Item{Path: a.file, Refused: "the archive is damaged: " + err.Error()})
		}
		if h.Typeflag != tar.TypeReg { // directories, links and devices are skipped
			continue
		}
		if err := a.entry(h.Name, h.Size, tr); err != nil {
			return a.finish(err)
		}
	}
}

// safeName cleans an entry name. Absolute names and names that climb out
// with .. are refused, so nothing is ever written outside the output
// folder.
func safeName(name string) (string, bool) {
	n := strings.ReplaceAll(name, "\\", "/")
	if strings.HasPrefix(n, "/") || (len(n) > 1 && n[1] == ':') {
		return "", false
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "", false
		}
	}
	c := path.Clean(n)
	if c == "." || c == "" {
		return "", false
	}
	return c, true
}
