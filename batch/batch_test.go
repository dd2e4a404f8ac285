package batch

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestSafeName(t *testing.T) {
	for name, want := range map[string]string{
		"a/b.jpg": "a/b.jpg", "./a//b.jpg": "a/b.jpg", "../evil.jpg": "", "a/../../evil.jpg": "",
		"/etc/passwd": "", `C:\x.jpg`: "", `a\..\..\x.jpg`: "", ".": "",
	} {
		got, ok := safeName(name)
		if (want == "") == ok || got != want {
			t.Errorf("%q: %q %v, want %q", name, got, ok, want)
		}
	}
}

func TestShardIndexForm(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Shard
		ok   bool
	}{{"1/4", Shard{1, 4}, true}, {"index:0/4", Shard{1, 4}, true}, {"index:3/4", Shard{4, 4}, true},
		{"index:4/4", Shard{}, false}, {"0/4", Shard{}, false}, {"index:-1/4", Shard{}, false}, {"index:", Shard{}, false}} {
		got, err := ParseShard(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseShard(%q) = %v, %v", c.in, got, err)
		}
	}
}

func TestShardsPartition(t *testing.T) {
	if _, err := ParseShard("0/3"); err == nil {
		t.Error("0/3 accepted")
	}
	if _, err := ParseShard("4/3"); err == nil {
		t.Error("4/3 accepted")
	}
	shards := make([]Shard, 3)
	for k := range shards {
		shards[k], _ = ParseShard(fmt.Sprintf("%d/3", k+1))
	}
	counts := make([]int, 3)
	for i := range 3000 {
		p := fmt.Sprintf("dir/img%05d.jpg", i)
		n := 0
		for k, s := range shards {
			if s.Has(p) {
				n++
				counts[k]++
			}
		}
		if n != 1 {
			t.Fatalf("%s in %d shards", p, n)
		}
	}
	for k, c := range counts {
		if c < 800 || c > 1200 {
			t.Errorf("shard %d has %d of 3000", k+1, c)
		}
	}
}

// A journal's done images are its records without an error; a torn last
// line is cut off before anything is appended; damaged lines are counted;
// a file that is not a journal is refused, and so is a named pipe.
func TestJournalResumesWhatIsNotDone(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "run.jsonl")
	j := `{"path":"a.jpg","ok":true}` + "\n" + `{"path":"b.jpg","ok":false,"error":"the fixed image was not written: no space left on device"}` + "\n" +
		"garbage\n" + `{"path":"d.jpg","ok":false}` + "\n" + `{"path":"c.j`
	if err := os.WriteFile(name, []byte(j), 0o644); err != nil {
		t.Fatal(err)
	}
	jr, err := OpenJournal(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(jr.Done) != 2 || !jr.Done["a.jpg"] || !jr.Done["d.jpg"] || jr.Failed != 1 || jr.Records != 3 {
		t.Errorf("done %v, %d records, %d failed", jr.Done, jr.Records, jr.Failed)
	}
	if !slices.Equal(jr.Damaged, []int{3}) || jr.Torn != int64(len(`{"path":"c.j`)) {
		t.Errorf("damaged %v, torn %d", jr.Damaged, jr.Torn)
	}
	if _, err := jr.Write([]byte(`{"path":"c.jpg","ok":true}` + "\n")); err != nil {
		t.Fatal(err)
	}
	if err := jr.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(name)
	if !strings.HasSuffix(string(b), `{"path":"d.jpg","ok":false}`+"\n"+`{"path":"c.jpg","ok":true}`+"\n") {
		t.Errorf("the torn line was not cut before appending:\n%s", b)
	}
	// The same journal read again: now c is done, and nothing is torn.
	again, err := OpenJournal(name)
	if err != nil || len(again.Done) != 3 || again.Torn != 0 {
		t.Fatalf("again: %v %+v", err, again)
	}
	again.Close()
	if d, err := OpenJournal(filepath.Join(dir, "none.jsonl")); err != nil || len(d.Done) != 0 {
		t.Errorf("missing journal: %v %v", d, err)
	} else {
		d.Close()
	}
	// Not a journal: an image, a text file, a torn binary line.
	for what, data := range map[string]string{
		"jpeg": "\xff\xd8\xff\xe0\x00\x10JFIF\x00\n{\"path\":\"x\"}\n",
		"text": "hello\n",
		"json": `[{"path":"a.jpg"}]` + "\n",
		"torn": "\x89PNG\r",
	} {
		f := filepath.Join(dir, what)
		os.WriteFile(f, []byte(data), 0o644)
		if _, err := OpenJournal(f); !errors.Is(err, ErrNotJournal) {
			t.Errorf("%s: %v, want ErrNotJournal", what, err)
		}
		if b, _ := os.ReadFile(f); string(b) != data {
			t.Errorf("%s: changed by the refusal", what)
		}
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenJournal(fifo); err == nil || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("fifo journal: %v", err)
	}
}

// A named pipe given as an image is refused unread, not waited on.
func TestWalkRefusesANamedPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "upload.jpg")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	items := make(chan Item, 1)
	if err := Walk(context.Background(), []string{fifo}, nil, WalkOptions{}, items); err != nil {
		t.Fatal(err)
	}
	it := <-items
	if !strings.Contains(it.Refused, "named pipe") {
		t.Errorf("refused %q", it.Refused)
	}
	if _, err := (&Item{file: fifo}).Open(); !errors.Is(err, ErrNotRegular) {
		t.Errorf("open: %v", err)
	}
}

// Records come in input order whatever the jobs and the finishing order,
// each exactly once, with at most 2×jobs in flight.
func TestRunKeepsOrderAndBoundsInFlight(t *testing.T) {
	for _, jobs := range []int{1, 4} {
		items := make(chan Item)
		go func() {
			defer close(items)
			for i := range 200 {
				items <- Item{Path: fmt.Sprintf("%03d", i)}
			}
		}()
		var inFlight, peak atomic.Int64
		var got []string
		err := Run(context.Background(), items, Options{Jobs: jobs}, func(ctx context.Context, it Item) *record {
			n := inFlight.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
			return &record{Path: it.Path}
		}, func(r *record) error {
			inFlight.Add(-1)
			got = append(got, r.Path)
			return nil
		})
		if err != nil || len(got) != 200 {
			t.Fatalf("jobs %d: %d records, %v", jobs, len(got), err)
		}
		for i, p := range got {
			if p != fmt.Sprintf("%03d", i) {
				t.Fatalf("jobs %d: record %d is %s", jobs, i, p)
			}
		}
		if p := peak.Load(); p > int64(2*jobs) {
			t.Errorf("jobs %d: %d in flight", jobs, p)
		}
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	items := make(chan Item)
	go func() {
		defer close(items)
		for i := 0; ; i++ {
			select {
			case items <- Item{Path: fmt.Sprint(i)}:
			case <-ctx.Done():
				return
			}
		}
	}()
	n := 0
	err := Run(ctx, items, Options{Jobs: 3}, func(ctx context.Context, it Item) *record {
		if ctx.Err() != nil {
			return nil
		}
		return &record{Path: it.Path}
	}, func(*record) error {
		if n++; n == 50 {
			cancel()
		}
		return nil
	})
	if err == nil || n < 50 || n > 60 {
		t.Errorf("%d records after cancel at 50, %v", n, err)
	}
}

// A zip entry that lies about its size, and one that declares too much,
// are refused; a name that climbs out is refused without being read.
func TestArchiveGuards(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("../evil.jpg")
	w.Write([]byte("\xff\xd8\xff"))
	w, _ = zw.Create("big.jpg") // 3 MB of zeros, honest header
	w.Write(make([]byte, 3<<20))
	zw.Close()
	name := filepath.Join(dir, "a.zip")
	os.WriteFile(name, buf.Bytes(), 0o644)
	items := make(chan Item, 10)
	if err := Walk(context.Background(), []string{name}, nil, WalkOptions{MaxEntryBytes: 1 << 20}, items); err != nil {
		t.Fatal(err)
	}
	var got []Item
	for it := range items {
		got = append(got, it)
	}
	if len(got) != 2 || !strings.Contains(got[0].Refused, "unsafe") || !strings.Contains(got[1].Refused, "over the") {
		t.Fatalf("%+v", got)
	}
	if got[0].Rel != "" || got[0].Path != name+"!../evil.jpg" {
		t.Errorf("unsafe entry %+v", got[0])
	}
}

// record stands for whatever a caller's work returns.
type record struct{ Path string }

// Select keeps a shard's items not already done, and nothing else.
func TestSelect(t *testing.T) {
	in := make(chan Item)
	go func() {
		defer close(in)
		for i := range 300 {
			in <- Item{Path: fmt.Sprintf("p%03d", i)}
		}
	}()
	sh, _ := ParseShard("2/3")
	sel := Selection{Shard: sh, Skip: map[string]bool{}}
	for i := range 300 {
		if p := fmt.Sprintf("p%03d", i); sh.Has(p) && i%2 == 0 {
			sel.Skip[p] = true
		}
	}
	var got []string
	for it := range Select(context.Background(), in, sel) {
		got = append(got, it.Path)
	}
	want := 0
	for i := range 300 {
		p := fmt.Sprintf("p%03d", i)
		if sh.Has(p) && !sel.Skip[p] {
			if want >= len(got) || got[want] != p {
				t.Fatalf("selected %v, missing %s", got, p)
			}
			want++
		}
	}
	if want != len(got) || want == 0 {
		t.Errorf("selected %d, want %d", len(got), want)
	}
}

// Files without an image extension are images only when IsImage says so.
func TestWalkIsImage(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.jpg"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "noext"), []byte("IMG!rest"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644)
	walk := func(o WalkOptions) []string {
		items := make(chan Item, 10)
		if err := Walk(context.Background(), []string{dir}, nil, o, items); err != nil {
			t.Fatal(err)
		}
		var got []string
		for it := range items {
			got = append(got, filepath.Base(it.Path))
		}
		return got
	}
	if got := walk(WalkOptions{}); strings.Join(got, ",") != "a.jpg" {
		t.Errorf("by extension: %v", got)
	}
	isImg := func(h []byte) bool { return string(h) == "IMG!" }
	if got := walk(WalkOptions{IsImage: isImg, HeadBytes: 4}); strings.Join(got, ",") != "a.jpg,noext" {
		t.Errorf("with IsImage: %v", got)
	}
}

// A record that cannot be written (a full disk under the journal) stops
// the run: the items after it are not processed, and Run says why.
func TestRunStopsWhenARecordCannotBeWritten(t *testing.T) {
	for _, jobs := range []int{1, 4} {
		items := make(chan Item)
		go func() {
			defer close(items)
			for i := range 200 {
				items <- Item{Path: fmt.Sprint(i)}
			}
		}()
		var processed atomic.Int64
		full := errors.New("no space left on device")
		emitted := 0
		err := Run(context.Background(), items, Options{Jobs: jobs}, func(ctx context.Context, it Item) *string {
			processed.Add(1)
			return &it.Path
		}, func(*string) error {
			if emitted++; emitted == 3 {
				return full
			}
			return nil
		})
		if !errors.Is(err, full) {
			t.Errorf("jobs %d: %v", jobs, err)
		}
		// At most the in-flight window past the failing record.
		if n := processed.Load(); n > int64(3+2*jobs) {
			t.Errorf("jobs %d: %d of 200 processed after the third record failed", jobs, n)
		}
	}
}

// "-" is one image on stdin, read up to the entry cap; given twice, an
// error.
func TestWalkReadsAnImageOnStdin(t *testing.T) {
	walk := func(stdin string, lim WalkOptions, paths ...string) ([]Item, error) {
		out := make(chan Item, 4)
		err := Walk(context.Background(), paths, strings.NewReader(stdin), lim, out)
		var items []Item
		for it := range out {
			items = append(items, it)
		}
		return items, err
	}
	items, err := walk("\xff\xd8\xff\xe0 jpeg", WalkOptions{}, "-")
	if err != nil || len(items) != 1 || items[0].Path != "-" || items[0].Rel != "stdin" || string(items[0].data) != "\xff\xd8\xff\xe0 jpeg" {
		t.Errorf("%v %+v", err, items)
	}
	items, _ = walk("0123456789", WalkOptions{MaxEntryBytes: 4}, "-")
	if len(items) != 1 || !strings.Contains(items[0].Refused, "over the 4-byte cap") {
		t.Errorf("over the cap: %+v", items)
	}
	if _, err := walk("x", WalkOptions{}, "-", "-"); err == nil {
		t.Error(`"-" twice`)
	}
}
