package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/journal"
	"github.com/facegate/facegate/progeny/progenytest"
)

// submit --journal records each image sent with the measurements of the
// bytes sent and Progeny's verdict; --force records a refusal sent anyway
// with its codes; the journal holds no password, token or file name
// (unless --journal-paths).
func TestSubmitJournal(t *testing.T) {
	testsupport.RequireNative(t)
	srv := progenytest.NewServer(progenytest.Options{})
	defer srv.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "verdicts.jsonl")
	good, small := testsupport.CorpusPath(t, "faces-fr/obama.jpg"), testsupport.CorpusPath(t, "faces-fr/obama-240p.jpg")
	const password = "secret"
	if _, stderr, code := submit(t, srv, password, "--service", "face_liveness", "--journal", path, good); code != 0 {
		t.Fatalf("submit: exit %d: %s", code, stderr)
	}
	if _, stderr, code := submit(t, srv, password, "--service", "face_liveness", "--journal", path, "--journal-paths", "--force", small); code > 1 {
		t.Fatalf("submit --force: exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var recs []journal.Record
	skipped, err := journal.Read(bytes.NewReader(data), func(r journal.Record) error { recs = append(recs, r); return nil })
	if err != nil || len(skipped) > 0 || len(recs) != 2 {
		t.Fatalf("%d records, skipped %v, %v:\n%s", len(recs), skipped, err, data)
	}
	a, b := recs[0], recs[1]
	if a.Service != "face_liveness" || a.Field != "image" || a.Mode != "enforce" || a.Profile != "progeny" || len(a.ProfileDigest) != 16 ||
		len(a.Codes) != 0 || a.Measures.Height != 1080 || len(a.Measures.Faces) != 1 || a.Measures.Faces[0].Size < 224 ||
		a.Measures.JPEGQuality < 70 || a.Verdict == nil || a.Verdict.TaskID == "" || a.Verdict.State != "SUCCESS" || a.Path != "" {
		t.Errorf("record of the good photo: %+v (verdict %+v)", a, a.Verdict)
	}
	t.Logf("records:\n%s", data)
	if b.Mode != "forced" || !strings.Contains(strings.Join(b.Codes, " "), "FACE_TOO_SMALL") || b.Path != small || b.Verdict == nil {
		t.Errorf("record of the forced one: %+v (verdict %+v)", b, b.Verdict)
	}
	for _, secret := range []string{password, "Bearer", "eyJ", "access", "refresh"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("the journal holds %q:\n%s", secret, data)
		}
	}
}

// submit --shadow sends the client's bytes, refused or not, and journals
// them as shadow records with the input's measurements.
func TestSubmitShadow(t *testing.T) {
	testsupport.RequireNative(t)
	srv := progenytest.NewServer(progenytest.Options{})
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "verdicts.jsonl")
	small := testsupport.CorpusPath(t, "faces-fr/obama-240p.jpg")
	if _, stderr, code := submit(t, srv, "secret", "--service", "face_liveness", "--shadow", "--journal", path, small); code != 0 {
		t.Fatalf("submit --shadow: exit %d: %s", code, stderr)
	}
	orig, _ := os.ReadFile(small)
	if ups := srv.Stats().Uploads; len(ups) != 1 || !bytes.Equal(ups[0].Files["image"], orig) {
		t.Errorf("shadow mode did not send the client's bytes (%d uploads)", len(ups))
	}
	data, _ := os.ReadFile(path)
	var recs []journal.Record
	journal.Read(bytes.NewReader(data), func(r journal.Record) error { recs = append(recs, r); return nil })
	if len(recs) != 1 || recs[0].Mode != "shadow" || recs[0].Measures.Bytes != int64(len(orig)) || !strings.Contains(strings.Join(recs[0].Codes, " "), "FACE_TOO_SMALL") {
		t.Errorf("shadow records %+v", recs)
	}
}
