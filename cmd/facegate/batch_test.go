package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/prevalidate"
)

// faceFiles lists faces-fr's images (name -> bytes).
func faceFiles(t *testing.T) map[string][]byte {
	t.Helper()
	dir := filepath.Join(testsupport.CorpusDir(t), "faces-fr")
	out := map[string][]byte{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if ext := strings.ToLower(filepath.Ext(e.Name())); ext == ".jpg" || ext == ".png" {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = b
		}
	}
	if len(out) < 15 {
		t.Fatalf("%d images in faces-fr", len(out))
	}
	return out
}

func writeZip(t *testing.T, name string, files map[string][]byte) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for n, b := range files {
		w, _ := zw.Create(n)
		w.Write(b)
	}
	zw.Close()
	os.WriteFile(name, buf.Bytes(), 0o644)
}

func writeTgz(t *testing.T, name string, files map[string][]byte) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "faces/", Typeflag: tar.TypeDir, Mode: 0o755})
	for n, b := range files {
		tw.WriteHeader(&tar.Header{Name: "faces/" + n, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
		tw.Write(b)
	}
	tw.WriteHeader(&tar.Header{Name: "faces/link.jpg", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"})
	tw.Close()
	gz.Close()
	os.WriteFile(name, buf.Bytes(), 0o644)
}

// key is a record without its path, to compare sources.
func key(r prevalidate.Report) string {
	r.Path = ""
	b, _ := jsonMarshal(r)
	return string(b)
}

// The same images as a folder, a zip and a tar.gz give the same records;
// inner paths read archive!inner; a symlink entry is skipped.
func TestFolderZipAndTarGiveTheSameRecords(t *testing.T) {
	testsupport.RequireNative(t)
	files := faceFiles(t)
	dir := t.TempDir()
	writeZip(t, filepath.Join(dir, "faces.zip"), files)
	writeTgz(t, filepath.Join(dir, "faces.tgz"), files)
	folder := filepath.Join(testsupport.CorpusDir(t), "faces-fr")
	var sets [][]prevalidate.Report
	for _, src := range []string{folder, filepath.Join(dir, "faces.zip"), filepath.Join(dir, "faces.tgz")} {
		stdout, stderr, code := facegate(t, "check", "--json", "--jobs", "2", src)
		if code != 1 {
			t.Fatalf("%s: exit %d %s", src, code, stderr)
		}
		recs := records(t, stdout)
		sort.Slice(recs, func(i, j int) bool { return filepath.Base(recs[i].Path) < filepath.Base(recs[j].Path) })
		sets = append(sets, recs)
	}
	if len(sets[0]) != len(files) || len(sets[1]) != len(files) || len(sets[2]) != len(files) {
		t.Fatalf("records: %d %d %d, want %d", len(sets[0]), len(sets[1]), len(sets[2]), len(files))
	}
	for i := range sets[0] {
		if key(sets[0][i]) != key(sets[1][i]) || key(sets[0][i]) != key(sets[2][i]) {
			t.Errorf("%s: records differ between folder, zip and tar", sets[0][i].Path)
		}
	}
	if p := sets[2][0].Path; !strings.Contains(p, "faces.tgz!faces/") {
		t.Errorf("tar record path %s", p)
	}
}

// --jobs 1 and --jobs 4 print the same records in the same order.
func TestJobsDoNotChangeTheOutput(t *testing.T) {
	testsupport.RequireNative(t)
	folder := filepath.Join(testsupport.CorpusDir(t), "faces-fr")
	one, _, _ := facegate(t, "check", "--json", "--jobs", "1", folder)
	four, _, _ := facegate(t, "check", "--json", "--jobs", "4", folder)
	if one != four || one == "" {
		t.Error("--jobs 4 output differs from --jobs 1")
	}
}

// Shards partition the input; a resumed run skips what the journal holds
// and appends the rest; a stdin list works as paths.
func TestShardsAndResume(t *testing.T) {
	testsupport.RequireNative(t)
	folder := filepath.Join(testsupport.CorpusDir(t), "faces-fr")
	all := records(t, mustOut(t, "check", "--json", folder))
	seen := map[string]int{}
	for k := 1; k <= 3; k++ {
		for _, r := range records(t, mustOut(t, "check", "--json", "--shard", []string{"", "1/3", "2/3", "3/3"}[k], folder)) {
			seen[r.Path]++
		}
	}
	if len(seen) != len(all) {
		t.Errorf("shards cover %d of %d images", len(seen), len(all))
	}
	for p, n := range seen {
		if n != 1 {
			t.Errorf("%s in %d shards", p, n)
		}
	}
	journal := filepath.Join(t.TempDir(), "run.jsonl")
	first := records(t, mustOut(t, "check", "--json", "--shard", "1/2", "--resume", journal, folder))
	rest := records(t, mustOut(t, "check", "--json", "--resume", journal, folder))
	if len(first)+len(rest) != len(all) || len(first) == 0 || len(rest) == 0 {
		t.Fatalf("resume: %d then %d of %d", len(first), len(rest), len(all))
	}
	b, _ := os.ReadFile(journal)
	if n := len(records(t, string(b))); n != len(all) {
		t.Errorf("journal holds %d records, want %d", n, len(all))
	}
	if again := mustOut(t, "check", "--json", "--resume", journal, folder); strings.TrimSpace(again) != "" {
		t.Errorf("a finished run redid: %s", again)
	}
	// A list of paths on stdin (--files-from -).
	cmd := exec.Command(binary, "check", "--json", "--files-from", "-")
	cmd.Stdin = strings.NewReader(filepath.Join(folder, "obama.jpg") + "\n\n" + filepath.Join(folder, "biden.jpg") + "\n")
	out, _ := cmd.Output()
	if recs := records(t, string(out)); len(recs) != 2 || !strings.HasSuffix(recs[1].Path, "biden.jpg") {
		t.Errorf("stdin list: %s", out)
	}
	// "-": one image on stdin, judged as the same file given by name;
	// fix names its output stdin.jpg.
	img, _ := os.ReadFile(filepath.Join(folder, "obama.jpg"))
	byName := records(t, mustOut(t, "check", "--json", filepath.Join(folder, "obama.jpg")))
	cmd = exec.Command(binary, "check", "--json", "-")
	cmd.Stdin = bytes.NewReader(img)
	out, _ = cmd.Output()
	if recs := records(t, string(out)); len(recs) != 1 || recs[0].Path != "-" || !slices.Equal(recs[0].Codes(), byName[0].Codes()) || recs[0].Bytes != int64(len(img)) {
		t.Errorf("an image on stdin: %s", out)
	}
	outDir := t.TempDir()
	cmd = exec.Command(binary, "fix", "-o", outDir, "-")
	cmd.Stdin = bytes.NewReader(img)
	if err := cmd.Run(); err != nil {
		t.Errorf("fix -: %v", err)
	} else if _, err := os.Stat(filepath.Join(outDir, "stdin.jpg")); err != nil {
		t.Errorf("fix -: %v", err)
	}
}

func mustOut(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, code := facegate(t, args...)
	if code > 1 {
		t.Fatalf("%v: exit %d %s", args, code, stderr)
	}
	return stdout
}

// ../evil.jpg is refused and nothing is written outside OUTDIR; a zip bomb
// is refused without being inflated.
func TestHostileArchives(t *testing.T) {
	testsupport.RequireNative(t)
	files := faceFiles(t)
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("../evil.jpg")
	w.Write(files["obama.jpg"])
	w, _ = zw.Create("/abs/evil2.jpg")
	w.Write(files["obama.jpg"])
	w, _ = zw.Create("bomb.jpg") // 200 MB of zeros: about 200 kB deflated
	zeros := make([]byte, 1<<20)
	for range 200 {
		w.Write(zeros)
	}
	w, _ = zw.Create("ok/obama.jpg")
	w.Write(files["obama.jpg"])
	zw.Close()
	zipName := filepath.Join(dir, "hostile.zip")
	os.WriteFile(zipName, buf.Bytes(), 0o644)
	out := filepath.Join(dir, "out")
	stdout, stderr, code := facegate(t, "fix", "--json", "-o", out, zipName)
	if code != 1 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	recs := records(t, stdout)
	if len(recs) != 4 {
		t.Fatalf("%d records: %s", len(recs), stdout)
	}
	for _, r := range recs[:3] {
		if r.OK || !r.Has(EntryRefused) || r.Output != nil {
			t.Errorf("%s: %+v", r.Path, r.Issues)
		}
	}
	if !recs[3].OK || !strings.HasPrefix(recs[3].Output.Path, filepath.Join(out, "hostile", "ok")) {
		t.Errorf("good entry: %+v", recs[3].Output)
	}
	if _, err := os.Stat(filepath.Join(dir, "evil.jpg")); err == nil {
		t.Error("evil.jpg written outside OUTDIR")
	}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && p != zipName && !strings.HasPrefix(p, out) {
			t.Errorf("file outside OUTDIR: %s", p)
		}
		return nil
	})
}

// CSV has a row per image; the HTML report holds the charts and the
// failing images, offline; facegate report rebuilds it from JSONL.
func TestCSVAndHTMLReport(t *testing.T) {
	testsupport.RequireNative(t)
	folder := filepath.Join(testsupport.CorpusDir(t), "faces-fr")
	dir := t.TempDir()
	csvName, html := filepath.Join(dir, "r.csv"), filepath.Join(dir, "r.html")
	stdout := mustOut(t, "check", "--json", "--csv", csvName, "--report", html, folder)
	n := len(records(t, stdout))
	f, _ := os.Open(csvName)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != n+1 || rows[0][0] != "path" || len(rows[1]) != len(rows[0]) || len(rows[0]) < 19 {
		t.Fatalf("csv: %d rows for %d records, %v", len(rows), n, err)
	}
	b, _ := os.ReadFile(html)
	page := string(b)
	for _, want := range []string{"<svg", "FACE_TOO_SMALL", "Face size (px)", "Eye distance (px)", "Yaw", "Sharpness", "two_people.jpg", "stroke-dasharray"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if c := strings.Count(page, "<svg"); c < 8 {
		t.Errorf("%d charts", c)
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "http://") && !strings.Contains(page, "http://www.w3.org/2000/svg") {
		t.Error("the report loads something")
	}
	jsonl := filepath.Join(dir, "r.jsonl")
	os.WriteFile(jsonl, []byte(stdout), 0o644)
	again := filepath.Join(dir, "again.html")
	if _, stderr, code := facegate(t, "report", "-o", again, jsonl); code != 0 {
		t.Fatalf("report: exit %d %s", code, stderr)
	}
	if b2, _ := os.ReadFile(again); string(b2) != page {
		t.Error("the report from JSONL differs from the one written during the run")
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// Ctrl-C mid-run: exit 2, the records so far are whole JSON lines, and no
// temporary file is left in OUTDIR.
func TestInterruptFlushesTheRecordsSoFar(t *testing.T) {
	testsupport.RequireNative(t)
	folder := filepath.Join(testsupport.CorpusDir(t), "exif-orientation")
	out := t.TempDir()
	cmd := exec.Command(binary, "fix", "--json", "--jobs", "1", "-o", out, folder)
	pipe, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(pipe)
	first, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(os.Interrupt)
	rest, _ := io.ReadAll(r)
	err = cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 || !strings.Contains(stderr.String(), "interrupted") {
		t.Fatalf("%v, stderr %q", err, stderr.String())
	}
	recs := records(t, first+string(rest))
	if len(recs) < 1 || len(recs) >= 18 {
		t.Errorf("%d records after an interrupt", len(recs))
	}
	tmp, _ := filepath.Glob(filepath.Join(out, ".facegate-*"))
	if len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

// A zip inside a zip is skipped; a 100-level path and a 240-byte name are
// processed and mirrored under OUTDIR.
func TestNestedDeepAndLongArchiveEntries(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "odd.zip")
	os.WriteFile(name, samples.NestedZip(), 0o644)
	out := filepath.Join(dir, "out")
	stdout, stderr, code := facegate(t, "fix", "--json", "--profile", "document", "-o", out, name)
	if code != 1 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	recs := records(t, stdout)
	if len(recs) != 2 {
		t.Fatalf("%d records: %s", len(recs), stdout)
	}
	for _, r := range recs {
		if strings.Contains(r.Path, "nested.zip") || r.Output == nil || !strings.HasPrefix(r.Output.Path, out) {
			t.Errorf("%s: %+v", r.Path, r.Output)
			continue
		}
		if _, err := os.Stat(r.Output.Path); err != nil {
			t.Errorf("%s: %v", r.Path, err)
		}
	}
}
