package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/progeny/progenytest"
)

// submit runs the binary against srv with the given password.
func submit(t *testing.T, srv *progenytest.Server, password string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return facegateEnv(t, []string{"PROGENY_BASE_URL=" + srv.URL, "PROGENY_USERNAME=user", "PROGENY_PASSWORD=" + password}, append([]string{"submit"}, args...)...)
}

func submitRecords(t *testing.T, stdout string) []submitRecord {
	t.Helper()
	var out []submitRecord
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r submitRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		out = append(out, r)
	}
	return out
}

// The uploaded bytes are the fixed JPEG: upright, at most 2 MB, no EXIF,
// exactly what prevalidate.Fix makes of the input.
func TestSubmitSendsTheFixedJPEG(t *testing.T) {
	testsupport.RequireNative(t)
	srv := progenytest.NewServer(progenytest.Options{AccessTTL: 2 * time.Second, Fail503: 1, Fail429: 1, Pending: 3 * time.Second})
	defer srv.Close()
	photo := testsupport.CorpusPath(t, "faces-fr/obama.jpg") // 910x1137 with EXIF: fixed to 864x1080
	stdout, stderr, code := submit(t, srv, "secret", "--service", "register_face", photo)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	rec := submitRecords(t, stdout)[0]
	var d struct{ UUID string }
	if !rec.OK || rec.State != "SUCCESS" || json.Unmarshal(rec.Data, &d) != nil || d.UUID == "" {
		t.Fatalf("record %+v", rec)
	}
	st := srv.Stats()
	if st.Logins != 1 || st.Posts != 3 || len(st.Uploads) != 1 {
		t.Errorf("stats %+v", st)
	}
	sent := st.Uploads[0].Files["image"]
	f, _ := os.Open(photo)
	_, want, err := prevalidate.Fix(context.Background(), f, nil)
	f.Close()
	if err != nil || !bytes.Equal(sent, want) {
		t.Fatalf("sent %d bytes, fix makes %d (%v)", len(sent), len(want), err)
	}
	if info, _ := exif.FromJPEG(sent); info.Present || len(sent) > 2_000_000 || prevalidate.Sniff(sent) != prevalidate.FormatJPEG {
		t.Errorf("sent bytes are not a clean JPEG")
	}

	// authenticate_face sends the uuid; face_liveness succeeds too.
	stdout, _, code = submit(t, srv, "secret", "--service", "authenticate_face", "--uuid", d.UUID, photo)
	if code != 0 || !submitRecords(t, stdout)[0].OK {
		t.Fatalf("authenticate: exit %d %s", code, stdout)
	}
	if got := srv.Stats().Uploads[1].Fields["uuid"]; got != d.UUID {
		t.Errorf("uuid sent %q", got)
	}
	if _, _, code = submit(t, srv, "secret", "--service", "face_liveness", photo); code != 0 {
		t.Errorf("liveness: exit %d", code)
	}
}

// A too-small face is refused locally: exit 1, nothing sent, no login.
func TestSubmitRefusesLocally(t *testing.T) {
	testsupport.RequireNative(t)
	srv := progenytest.NewServer(progenytest.Options{})
	defer srv.Close()
	stdout, _, code := submit(t, srv, "secret", "--service", "face_liveness", testsupport.CorpusPath(t, "faces-fr/obama-240p.jpg"))
	rec := submitRecords(t, stdout)[0]
	if code != 1 || !rec.Refused || rec.Code != "IMAGE_TOO_SMALL" && rec.Code != "FACE_TOO_SMALL" || len(rec.Reports) != 1 {
		t.Fatalf("exit %d, %+v", code, rec)
	}
	if st := srv.Stats(); st.Logins != 0 || st.Posts != 0 {
		t.Errorf("something was sent: %+v", st)
	}
	// --force sends it anyway, with a warning.
	_, stderr, code := submit(t, srv, "secret", "--force", "--service", "face_liveness", testsupport.CorpusPath(t, "faces-fr/obama-240p.jpg"))
	if code != 0 || !strings.Contains(stderr, "warning") || len(srv.Stats().Uploads) != 1 {
		t.Errorf("--force: exit %d, %q", code, stderr)
	}
}

// The provider's rejection is exit 1 with its code; a wrong password is
// exit 2 with a clear message that does not echo the password.
func TestSubmitRejectionAndWrongPassword(t *testing.T) {
	testsupport.RequireNative(t)
	srv := progenytest.NewServer(progenytest.Options{Judge: func(string, []byte) progenytest.Verdict {
		return progenytest.Verdict{Code: "FACE_ANGLE_TOO_LARGE", Message: "Face angle is too large", InData: true}
	}})
	defer srv.Close()
	photo := testsupport.CorpusPath(t, "faces-fr/obama.jpg")
	stdout, _, code := submit(t, srv, "secret", "--service", "face_liveness", photo)
	if rec := submitRecords(t, stdout)[0]; code != 1 || rec.OK || rec.Code != "FACE_ANGLE_TOO_LARGE" {
		t.Errorf("rejection: exit %d %+v", code, rec)
	}
	_, stderr, code := submit(t, srv, "hunter2-wrong", "--service", "face_liveness", photo)
	if code != 2 || !strings.Contains(stderr, "authentication failed") || strings.Contains(stderr, "hunter2-wrong") {
		t.Errorf("wrong password: exit %d %q", code, stderr)
	}
	for _, args := range [][]string{{"--service", "nope", photo}, {"--service", "authenticate_face", photo}, {"--service", "kyc_card", photo}} {
		if _, stderr, code := submit(t, srv, "secret", args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}
