package batch

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func seedZip() []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("a/b.jpg")
	w.Write([]byte("\xff\xd8\xff\xe0 not really"))
	w, _ = zw.Create("../x.png")
	w.Write([]byte("\x89PNG\r\n\x1a\n"))
	zw.Close()
	return buf.Bytes()
}

func seedTgz() []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "d/e.jpg", Size: 4, Mode: 0o644, Typeflag: tar.TypeReg})
	tw.Write([]byte("\xff\xd8\xff\xe0"))
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// FuzzWalkArchive feeds arbitrary bytes as a zip and as a tar.gz: the
// walker must end, never panic, and never hand out an item whose Rel
// escapes with .. or is absolute.
func FuzzWalkArchive(f *testing.F) {
	f.Add(seedZip(), true)
	f.Add(seedTgz(), false)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, isZip bool) {
		name := filepath.Join(dir, "in.tgz")
		if isZip {
			name = filepath.Join(dir, "in.zip")
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		items := make(chan Item, 4)
		done := make(chan error, 1)
		go func() {
			done <- Walk(context.Background(), []string{name}, nil, WalkOptions{MaxEntryBytes: 1 << 20, MaxTotalBytes: 4 << 20}, items)
		}()
		for it := range items {
			if it.Rel != "" {
				if _, ok := safeName(it.Rel); !ok {
					t.Fatalf("unsafe Rel %q", it.Rel)
				}
			}
		}
		<-done
	})
}

// FuzzReadJournal: any bytes as a journal end with a state or an error,
// never a panic, and what it counts adds up to what it read.
func FuzzReadJournal(f *testing.F) {
	f.Add([]byte(`{"path":"a.jpg","ok":true}` + "\n" + `{"path":"b.jpg","error":"x"}` + "\n{\"pa"))
	f.Add([]byte("\xff\xd8\xff\xe0\x00\x10JFIF"))
	f.Add([]byte("\n\n{\"path\":null}\n[1]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ReadJournal(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrNotJournal) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if st.Size != int64(len(data)) || st.Torn > st.Size || st.Failed > st.Records || len(st.Done) > st.Records {
			t.Fatalf("state %+v of %d bytes", st, len(data))
		}
		if st.Torn > 0 && data[len(data)-1] == '\n' {
			t.Fatal("a whole last line counted as torn")
		}
	})
}
