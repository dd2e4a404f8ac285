package testsupport

// The shared photo corpus sits beside the repository as ../shared/corpus
// (or where FACEGATE_CORPUS points). A clone without it skips the corpus
// tests with a message saying so; under CI (CI=true) a missing corpus
// fails them.

import (
	"bufio"
	"image"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/modroot"
)

// Entry is one row of MANIFEST.tsv.
type Entry struct {
	Path          string // relative to the corpus folder
	Bytes         int64
	Format        string // JPEG, PNG, TIFF, HEIF, XML, TEXT
	Width, Height int    // stored size, 0 when not an image
	Orientation   int    // EXIF orientation, -1 when absent
	GPS           bool
	Notes         string
}

// CorpusDir returns the corpus folder, or skips (fails under CI) when it is missing.
func CorpusDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("FACEGATE_CORPUS")
	if dir == "" {
		if root := modroot.Dir(); root != "" {
			dir = filepath.Join(root, "..", "shared", "corpus")
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "MANIFEST.tsv")); err != nil || st.IsDir() {
		msg := "photo corpus not found at " + dir + " (../shared/corpus beside the repository, or set FACEGATE_CORPUS)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true requires it")
		}
		t.Skip(msg + "; skipping")
	}
	return dir
}

// CorpusPath returns the absolute path of a corpus file.
func CorpusPath(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(CorpusDir(t), filepath.FromSlash(rel))
}

// Manifest parses MANIFEST.tsv.
func Manifest(t testing.TB) []Entry {
	t.Helper()
	f, err := os.Open(filepath.Join(CorpusDir(t), "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 10 {
			continue
		}
		e := Entry{Path: c[0], Format: c[2], Orientation: -1, GPS: c[7] == "yes", Notes: c[9]}
		e.Bytes, _ = strconv.ParseInt(c[1], 10, 64)
		e.Width, _ = strconv.Atoi(c[3])
		e.Height, _ = strconv.Atoi(c[4])
		if o, err := strconv.Atoi(c[5]); err == nil {
			e.Orientation = o
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// ReadCorpus returns the bytes of the corpus file at rel, or skips (fails
// under CI) when the corpus is missing.
func ReadCorpus(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(CorpusPath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// DecodeFile decodes the image at path, in the formats the test binary
// registers, and fails the test when it cannot.
func DecodeFile(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// DecodeCorpus is DecodeFile of the corpus file at rel: it skips (fails
// under CI) when the corpus is missing.
func DecodeCorpus(t testing.TB, rel string) image.Image {
	t.Helper()
	return DecodeFile(t, CorpusPath(t, rel))
}
