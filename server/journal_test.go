package server

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/journal"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/progeny"
	"github.com/facegate/facegate/progeny/progenytest"
)

// The proxy journals each forwarded image and completes its record from
// the client's own task polls; a refused image is not sent, so not
// journaled; no token or password lands in the journal.
func TestProxyJournal(t *testing.T) {
	testsupport.RequireNative(t)
	up := progenytest.NewServer(progenytest.Options{Pending: 300 * time.Millisecond})
	defer up.Close()
	c, records := journaled(t, up.URL, Options{})
	ctx := context.Background()
	if _, _, err := c.FaceLiveness(ctx, photo(t, "faces-fr/obama.jpg"), nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.FaceLiveness(ctx, photo(t, "faces-fr/obama-240p.jpg"), nil); err == nil {
		t.Fatal("a too-small face was accepted")
	}
	recs, data := records()
	if len(recs) != 1 {
		t.Fatalf("%d records:\n%s", len(recs), data)
	}
	r := recs[0]
	if r.Service != "face_liveness" || r.Field != "image" || r.Mode != "enforce" || len(r.Measures.Faces) != 1 || r.Measures.Height != 1080 ||
		r.Verdict == nil || r.Verdict.State != "SUCCESS" || r.Verdict.Result == nil || !*r.Verdict.Result || r.Verdict.TaskID == "" {
		t.Errorf("record %+v, verdict %+v", r, r.Verdict)
	}
	for _, secret := range []string{"secret", "Bearer", "eyJ"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("the journal holds %q", secret)
		}
	}
}

// Calls whose verdict never passes through are written with an error
// verdict once they expire or the memory bound is reached.
func TestPendingVerdictsBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	jw, _ := journal.Create(path)
	v := newVerdicts(jw)
	for i := range maxPending + 5 {
		v.sent(string(rune('a'+i%26))+time.Now().String()+string(rune(i)), []journal.Record{{Format: journal.Format, Codes: []string{}}})
	}
	if len(v.pending) > maxPending {
		t.Errorf("%d calls remembered, bound %d", len(v.pending), maxPending)
	}
	jw.Close()
	data, _ := os.ReadFile(path)
	n := 0
	journal.Read(bytes.NewReader(data), func(r journal.Record) error {
		if r.Verdict == nil || r.Verdict.Error == "" {
			t.Errorf("an evicted record without an error verdict: %+v", r)
		}
		n++
		return nil
	})
	if n != 5 {
		t.Errorf("%d evicted records written, want 5", n)
	}
}

// Shadow mode forwards every image as the client sent it, the ones the
// profile refuses too, and journals them with the input's measurements and
// codes and Progeny's verdict.
func TestProxyShadow(t *testing.T) {
	testsupport.RequireNative(t)
	up := progenytest.NewServer(progenytest.Options{})
	defer up.Close()
	c, records := journaled(t, up.URL, Options{Shadow: true})
	small := photo(t, "faces-fr/obama-240p.jpg")
	if _, _, err := c.FaceLiveness(context.Background(), small, nil); err != nil {
		t.Fatalf("shadow mode refused: %v", err)
	}
	ups := up.Stats().Uploads
	if len(ups) != 1 || !bytes.Equal(ups[0].Files["image"], small) {
		t.Errorf("upstream got %d uploads, not the client's bytes", len(ups))
	}
	recs, data := records()
	if len(recs) != 1 {
		t.Fatalf("%d records:\n%s", len(recs), data)
	}
	r := recs[0]
	if r.Mode != "shadow" || r.Measures.Width != 427 || r.Measures.Bytes != int64(len(small)) || !slices.Contains(r.Codes, "FACE_TOO_SMALL") || r.Verdict == nil || r.Verdict.State != "SUCCESS" {
		t.Errorf("shadow record %+v, verdict %+v", r, r.Verdict)
	}
}

// A provider with cut-offs of its own (here: faces under 250 px): its
// rejections land in the journal with its code, beside facegate's codes.
func TestJournalRecordsRejections(t *testing.T) {
	testsupport.RequireNative(t)
	hidden := prevalidate.Progeny()
	for i := range hidden.Rules {
		if hidden.Rules[i].Key == prevalidate.KeyFaceSize {
			hidden.Rules[i].Threshold = 250
		}
	}
	judge := func(_ string, image []byte) progenytest.Verdict {
		rep, err := prevalidate.CheckBytes(context.Background(), image, &prevalidate.Options{Profile: hidden})
		if err == nil && slices.ContainsFunc(rep.Issues, func(is prevalidate.Issue) bool { return is.Code == prevalidate.FaceTooSmall }) {
			return progenytest.Verdict{Code: "FACE_TOO_SMALL", Message: "Absolute face size is too small"}
		}
		return progenytest.Verdict{OK: true}
	}
	up := progenytest.NewServer(progenytest.Options{Judge: judge})
	defer up.Close()
	c, records := journaled(t, up.URL, Options{Shadow: true})
	// obama.jpg's face is 260 px in the input: live for both; obama-720p's
	// is about 170 px: facegate's 224 and the provider's 250 both refuse it.
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/obama-720p.jpg"} {
		c.FaceLiveness(context.Background(), photo(t, rel), nil)
	}
	recs, data := records()
	if len(recs) != 2 {
		t.Fatalf("%d records:\n%s", len(recs), data)
	}
	if v := recs[0].Verdict; v == nil || v.Result == nil || !*v.Result {
		t.Errorf("obama.jpg: verdict %+v", v)
	}
	if v := recs[1].Verdict; v == nil || v.Result == nil || *v.Result || v.Code != "FACE_TOO_SMALL" || !slices.Contains(recs[1].Codes, "FACE_TOO_SMALL") {
		t.Errorf("obama-720p.jpg: verdict %+v, codes %v", v, recs[1].Codes)
	}
}

// Explore sends near-threshold refusals (with a journal), marked as such;
// far-off ones are still refused.
func TestProxyExplore(t *testing.T) {
	testsupport.RequireNative(t)
	p := prevalidate.Progeny()
	for i := range p.Rules {
		switch p.Rules[i].Key {
		case prevalidate.KeyFaceSize:
			p.Rules[i].Threshold = 190 // johnsnow_test1.jpg's face is 181 px: near
		case prevalidate.KeyEyeDistance:
			p.Rules[i].Threshold = 75 // its eyes 70 px apart: near
		}
	}
	up := progenytest.NewServer(progenytest.Options{})
	defer up.Close()
	c, records := journaled(t, up.URL, Options{Explore: 1, Check: &prevalidate.Options{Profile: p}})
	if _, _, err := c.FaceLiveness(context.Background(), photo(t, "faces-fr-knn/test/johnsnow_test1.jpg"), nil); err != nil {
		t.Errorf("a near miss was not explored: %v", err)
	}
	if _, _, err := c.FaceLiveness(context.Background(), photo(t, "faces-fr/obama-240p.jpg"), nil); err == nil {
		t.Error("a far-off refusal was sent")
	}
	recs, _ := records()
	if len(recs) != 1 || recs[0].Mode != "explore" || !slices.Contains(recs[0].Codes, "FACE_TOO_SMALL") || recs[0].Verdict == nil {
		t.Errorf("records %+v", recs)
	}
	// Without Explore the same near miss is refused.
	_, plain := newServer(t, Options{Upstream: up.URL, Check: &prevalidate.Options{Profile: p}})
	c2, _ := progeny.NewClient(plain.URL+"/api/v3", progeny.WithCredentials("user", "secret"))
	if _, _, err := c2.FaceLiveness(context.Background(), photo(t, "faces-fr-knn/test/johnsnow_test1.jpg"), nil); err == nil {
		t.Error("refused image sent without Explore")
	}
}

// journaled starts a proxy to upstream that journals into a new file, with
// opts, and returns a client through it and a func that closes the journal
// and returns its records and bytes.
func journaled(t *testing.T, upstream string, opts Options) (*progeny.Client, func() ([]journal.Record, []byte)) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "verdicts.jsonl")
	jw, err := journal.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	opts.Upstream, opts.Journal = upstream, jw
	_, ts := newServer(t, opts)
	c, err := progeny.NewClient(ts.URL+"/api/v3", progeny.WithCredentials("user", "secret"),
		progeny.WithPolling(progeny.Backoff{Initial: 20 * time.Millisecond, Max: 50 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	return c, func() ([]journal.Record, []byte) {
		t.Helper()
		jw.Close()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var recs []journal.Record
		skipped, err := journal.Read(bytes.NewReader(data), func(r journal.Record) error { recs = append(recs, r); return nil })
		if err != nil || len(skipped) > 0 {
			t.Fatalf("journal: skipped %v, %v:\n%s", skipped, err, data)
		}
		return recs, data
	}
}
