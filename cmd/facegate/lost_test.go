package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/facegate/facegate/batch"
	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/progeny/progenytest"
)

// photos copies a few of the corpus's face photos into a folder of their
// own (in lexical order: a, b, c, d).
func photos(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "in")
	for i, name := range []string{"obama.jpg", "biden.jpg", "obama2.jpg", "biden2.jpg"} {
		b, err := os.ReadFile(testsupport.CorpusPath(t, "faces-fr/"+name))
		if err != nil {
			t.Fatal(err)
		}
		write(t, dir, string(rune('a'+i))+".jpg", b)
	}
	return dir
}

// readJournal reads a journal the way --resume does.
func readJournal(t *testing.T, name string) *batch.JournalState {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := batch.ReadJournal(f)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// An output that cannot be written is not journalled as done: the run
// ends non-zero naming the image, its record says so, and --resume does it
// again; afterwards every image is done and every fixed image is on disk.
func TestFixOutputThatFailsIsDoneAgain(t *testing.T) {
	testsupport.RequireNative(t)
	in := photos(t)
	out := filepath.Join(t.TempDir(), "out")
	journal := filepath.Join(t.TempDir(), "fix.jsonl")
	// b.jpg's output name is taken by a folder that is not empty: its
	// rename fails, as a write to a full disk would.
	write(t, filepath.Join(out, "b.jpg"), "keep", []byte("x"))
	stdout, stderr, code := facegate(t, "fix", "--json", "--jobs", "1", "--resume", journal, "-o", out, in)
	if code != exitUsageIO || !strings.Contains(stderr, filepath.Join(in, "b.jpg")) || !strings.Contains(stderr, "not written") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var failed *prevalidate.Report
	for _, r := range records(t, stdout) {
		if r.Error != "" {
			failed = &r
		}
	}
	if failed == nil || !strings.HasSuffix(failed.Path, "b.jpg") || failed.OK {
		t.Fatalf("no failed record for b.jpg in %s", stdout)
	}
	if st := readJournal(t, journal); st.Done[failed.Path] || st.Failed != 1 {
		t.Fatalf("journal: done %v, %d failed", st.Done, st.Failed)
	}
	os.RemoveAll(filepath.Join(out, "b.jpg"))
	_, stderr, code = facegate(t, "fix", "--json", "--resume", journal, "-o", out, in)
	if code > exitNotOK {
		t.Fatalf("resumed: exit %d %s", code, stderr)
	}
	st := readJournal(t, journal)
	for _, name := range []string{"a.jpg", "b.jpg", "c.jpg", "d.jpg"} {
		if !st.Done[filepath.Join(in, name)] {
			t.Errorf("%s not done after the resumed run", name)
		}
	}
	// Every record of a fixed image names an output that is there.
	f, _ := os.ReadFile(journal)
	for _, r := range records(t, string(f)) {
		if r.Error == "" && r.Output != nil && r.OK {
			if _, err := os.Stat(r.Output.Path); err != nil {
				t.Errorf("%s: journalled as fixed, but %v", r.Path, err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(out, "b.jpg")); err != nil {
		t.Errorf("b.jpg's output: %v", err)
	}
}

// A journal that cannot be written (here: a file-size limit, as a full
// disk) stops the run with an error naming it, instead of processing the
// rest unrecorded; the next --resume cuts the torn line and goes on.
func TestJournalThatCannotBeWrittenStopsTheRun(t *testing.T) {
	testsupport.RequireNative(t)
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit (util-linux) is not installed")
	}
	folder := filepath.Join(testsupport.CorpusDir(t), "faces-fr")
	all := records(t, mustOut(t, "check", "--json", folder))
	journal := filepath.Join(t.TempDir(), "run.jsonl")
	cmd := exec.Command(prlimit, "--fsize=3000", "--", binary, "check", "--json", "--jobs", "1", "--resume", journal, folder)
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitUsageIO || !strings.Contains(e.String(), "journal "+journal) {
		t.Fatalf("%v: %s", err, e.String())
	}
	shown := records(t, o.String())
	st := readJournal(t, journal)
	if len(shown) >= len(all) || len(shown) != len(st.Done) {
		t.Errorf("%d records shown, %d journalled, of %d images", len(shown), len(st.Done), len(all))
	}
	_, stderr, code := facegate(t, "check", "--json", "--resume", journal, folder)
	if code > exitNotOK {
		t.Fatalf("resumed: exit %d %s", code, stderr)
	}
	if st.Torn > 0 && !strings.Contains(stderr, "torn line") {
		t.Errorf("the torn line was not reported: %s", stderr)
	}
	if st := readJournal(t, journal); len(st.Done) != len(all) || st.Torn != 0 || len(st.Damaged) != 0 {
		t.Errorf("after resuming: %d of %d done, torn %d, damaged %v", len(st.Done), len(all), st.Torn, st.Damaged)
	}
}

// --resume refuses a file that is not a journal and leaves it as it was.
func TestResumeRefusesWhatIsNotAJournal(t *testing.T) {
	testsupport.RequireNative(t)
	in := photos(t)
	img := filepath.Join(in, "a.jpg")
	before := sum(t, img)
	_, stderr, code := facegate(t, "check", "--resume", img, in)
	if code != exitUsageIO || !strings.Contains(stderr, "not a facegate journal") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if sum(t, img) != before {
		t.Error("the image given as a journal was changed")
	}
}

// report counts and names the lines it cannot read, and fails when it
// could read nothing.
func TestReportNamesBadLines(t *testing.T) {
	testsupport.RequireNative(t)
	dir := t.TempDir()
	garbage := write(t, dir, "garbage.jsonl", []byte("not json\n{\"a\":1}\n\x00\x01\x02\n"))
	html := filepath.Join(dir, "r.html")
	_, stderr, code := facegate(t, "report", "-o", html, garbage)
	if code != exitUsageIO || !strings.Contains(stderr, "no facegate records") || !strings.Contains(stderr, "line 2") || !strings.Contains(stderr, "3 lines skipped") {
		t.Errorf("garbage: exit %d %s", code, stderr)
	}
	if _, err := os.Stat(html); err == nil {
		t.Error("a report was written from nothing")
	}
	good := mustOut(t, "check", "--json", photos(t))
	mixed := write(t, dir, "mixed.jsonl", []byte(good+"torn {\"pa"))
	_, stderr, code = facegate(t, "report", "-o", html, mixed)
	if code != exitOK || !strings.Contains(stderr, "line 5") || !strings.Contains(stderr, "1 lines skipped") || !strings.Contains(stderr, "4 images") {
		t.Errorf("mixed: exit %d %s", code, stderr)
	}
}

// A named pipe given to check is refused unread; the run neither waits on
// it nor ignores a SIGTERM.
func TestCheckRefusesANamedPipe(t *testing.T) {
	testsupport.RequireNative(t)
	fifo := filepath.Join(t.TempDir(), "upload.jpg")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, "check", "--json", fifo).Output()
	if ctx.Err() != nil {
		t.Fatal("check waited on a named pipe")
	}
	recs := records(t, string(out))
	if len(recs) != 1 || !recs[0].Has(EntryRefused) || !strings.Contains(recs[0].Issues[0].Message, "named pipe") {
		t.Errorf("%v: %s", err, out)
	}
}

// A SIGTERM while uploads wait on a slow upstream that has already created
// their tasks: the drain covers the upstream deadline, so each client gets
// its task id before the process exits (the old drain, the processing
// deadline plus 10 s, cut them off and the paid tasks were lost).
func TestDrainAnswersUploadsThatReachedUpstream(t *testing.T) {
	testsupport.RequireNative(t)
	up := progenytest.NewServer(progenytest.Options{Stall: map[string]time.Duration{"service": 14 * time.Second}})
	defer up.Close()
	base, cmd := serveProcess(t, "--upstream", up.URL, "--timeout", "3s", "--upstream-timeout", "20s", "--max-in-flight", "2")
	resp, err := http.PostForm(base+"/api/v3/accounts/token/obtain/", url.Values{"username": {"user"}, "password": {"secret"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ Access string }
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	img, err := os.ReadFile(testsupport.CorpusPath(t, "faces-fr/obama.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		status int
		body   string
	}
	answers := make(chan answer, 2)
	for range 2 {
		go func() {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			w, _ := mw.CreateFormFile("image", "selfie.jpg")
			w.Write(img)
			mw.Close()
			req, _ := http.NewRequest("POST", base+"/api/v3/services/face_liveness/", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+tok.Access)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				answers <- answer{-1, err.Error()}
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answers <- answer{resp.StatusCode, string(b)}
		}()
	}
	for deadline := time.Now().Add(30 * time.Second); len(up.Stats().Uploads) < 2; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			select {
			case a := <-answers:
				t.Fatalf("the upstream received %d uploads; an answer: %d %s", len(up.Stats().Uploads), a.status, a.body)
			default:
				t.Fatalf("the upstream received %d uploads", len(up.Stats().Uploads))
			}
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	for range 2 {
		a := <-answers
		if a.status != http.StatusOK || !strings.Contains(a.body, `"id"`) {
			t.Errorf("an upload that reached the upstream got %d %s", a.status, a.body)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve after the drain: %v", err)
	}
}

// A report told to wait for its shards' done files waits, gives up with
// exit 2 when they do not come, and builds when they have; check
// --done-file writes one only when the run has recorded every image.
func TestReportWaitsForItsShards(t *testing.T) {
	testsupport.RequireNative(t)
	dir := t.TempDir()
	in := photos(t)
	j1 := filepath.Join(dir, "shard-1.jsonl")
	if _, stderr, code := facegate(t, "check", "--json", "--resume", j1, "--done-file", filepath.Join(dir, "shard-1.done"), in); code > exitNotOK {
		t.Fatalf("check: %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "shard-1.done")); err != nil {
		t.Fatalf("no done file: %v", err)
	}
	// A run that fails writes none.
	if _, _, code := facegate(t, "check", "--done-file", filepath.Join(dir, "shard-2.done"), "--resume", filepath.Join(in, "a.jpg"), in); code != exitUsageIO {
		t.Fatalf("a failing run: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "shard-2.done")); err == nil {
		t.Fatal("a failing run wrote its done file")
	}
	html := filepath.Join(dir, "r.html")
	start := time.Now()
	_, stderr, code := facegate(t, "report", "--wait-done", filepath.Join(dir, "shard-*.done"), "--wait-count", "2", "--wait-timeout", "3s", "-o", html, filepath.Join(dir, "shard-*.jsonl"))
	if code != exitUsageIO || !strings.Contains(stderr, "1 of 2") || time.Since(start) < 3*time.Second {
		t.Errorf("one shard of two done: exit %d after %v: %s", code, time.Since(start), stderr)
	}
	if _, err := os.Stat(html); err == nil {
		t.Error("a report was built before its shards were done")
	}
	_, stderr, code = facegate(t, "report", "--wait-done", filepath.Join(dir, "shard-*.done"), "--wait-count", "1", "-o", html, filepath.Join(dir, "shard-*.jsonl"))
	if code != exitOK || !strings.Contains(stderr, "4 images") {
		t.Errorf("its shard done: exit %d: %s", code, stderr)
	}
}
