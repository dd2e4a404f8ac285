package progeny_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facegate/facegate/progeny"
	"github.com/facegate/facegate/progeny/progenytest"
)

var jpegBytes = []byte("\xff\xd8\xff\xe0 a stand-in image; the fake does not decode it")

func client(t *testing.T, srv *progenytest.Server, pass string) *progeny.Client {
	t.Helper()
	c, err := progeny.NewClient(srv.URL, progeny.WithCredentials("user", pass),
		progeny.WithPolling(progeny.Backoff{Initial: 50 * time.Millisecond, Max: 400 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The issue's scenario: 2-second access tokens, the first POSTs answered
// 503 then 429, tasks pending for 3 seconds. Register, authenticate and
// liveness all succeed; the token is refreshed, never obtained again.
func TestRegisterAuthenticateLivenessThroughFailures(t *testing.T) {
	srv := progenytest.NewServer(progenytest.Options{AccessTTL: 2 * time.Second, Fail503: 1, Fail429: 1, RetryAfter: 1, Pending: 3 * time.Second})
	defer srv.Close()
	c := client(t, srv, "secret")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	reg, err := c.RegisterFace(ctx, jpegBytes, &progeny.CallOptions{ExtendData: true})
	if err != nil {
		t.Fatal(err)
	}
	if reg.UUID == "" {
		t.Fatal("no uuid")
	}
	auth, err := c.AuthenticateFace(ctx, reg.UUID, jpegBytes, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !auth.Match || auth.MatchScore != 20 || auth.ScorePercent != 100 || auth.Liveness == nil || !auth.Liveness.Result {
		t.Errorf("authentication %+v", auth)
	}
	live, _, err := c.FaceLiveness(ctx, jpegBytes, nil)
	if err != nil || !live.Result || live.Score != 2.59 || live.Probability != 0.93 {
		t.Fatalf("liveness %+v, %v", live, err)
	}
	if srv.Stats().Logins != 1 || srv.Stats().Refreshes < 1 {
		t.Errorf("%d logins, %d refreshes: want 1 login and refreshes", srv.Stats().Logins, srv.Stats().Refreshes)
	}
	if srv.Stats().Posts != 5 || len(srv.Stats().Uploads) != 3 {
		t.Errorf("%d POSTs, %d accepted; want 5 (503 and 429 retried) and 3", srv.Stats().Posts, len(srv.Stats().Uploads))
	}
	if got := srv.Stats().Uploads[1]; got.Service != "authenticate_face" || got.Fields["uuid"] != reg.UUID || !bytes.Equal(got.Files["image"], jpegBytes) {
		t.Errorf("authenticate upload %+v", got.Fields)
	}
	if srv.Stats().Uploads[0].Fields["extend_data"] != "true" {
		t.Errorf("extend_data not sent: %v", srv.Stats().Uploads[0].Fields)
	}
}

func TestWrongPasswordIsAnAuthError(t *testing.T) {
	srv := progenytest.NewServer(progenytest.Options{})
	defer srv.Close()
	_, _, err := client(t, srv, "wrong").FaceLiveness(context.Background(), jpegBytes, nil)
	var ae *progeny.AuthError
	if !errors.As(err, &ae) || ae.Status != 401 || ae.Detail != "No active account found with the given credentials" {
		t.Fatalf("%v", err)
	}
	if srv.Stats().Posts != 0 {
		t.Errorf("%d service POSTs without a login", srv.Stats().Posts)
	}
}

func TestDeadlineStopsPolling(t *testing.T) {
	srv := progenytest.NewServer(progenytest.Options{Pending: time.Minute})
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := client(t, srv, "secret").FaceLiveness(ctx, jpegBytes, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%v", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("returned after %v", el)
	}
	if srv.Stats().Polls < 2 {
		t.Errorf("%d polls", srv.Stats().Polls)
	}
}

// Both documented failure shapes become a RejectedError with the code.
func TestLivenessRejections(t *testing.T) {
	for _, inData := range []bool{false, true} {
		srv := progenytest.NewServer(progenytest.Options{Judge: func(string, []byte) progenytest.Verdict {
			return progenytest.Verdict{Code: "FACE_TOO_SMALL", Message: "Interpupillary distance is too small", InData: inData}
		}})
		_, task, err := client(t, srv, "secret").FaceLiveness(context.Background(), jpegBytes, nil)
		srv.Close()
		var re *progeny.RejectedError
		if !errors.As(err, &re) || re.Code != "FACE_TOO_SMALL" || re.Message != "Interpupillary distance is too small" || re.Issues["FACE_TOO_SMALL"] == "" {
			t.Errorf("in data %v: %v (%+v)", inData, err, re)
		}
		if task == nil || task.Liveness == nil || task.Liveness.Result {
			t.Errorf("in data %v: task %+v", inData, task)
		}
	}
}

func TestValidationError(t *testing.T) {
	srv := progenytest.NewServer(progenytest.Options{})
	defer srv.Close()
	_, err := client(t, srv, "secret").Submit(context.Background(), "register_face", []progeny.File{{Field: "photo", Data: jpegBytes}}, nil)
	var ve *progeny.ValidationError
	if !errors.As(err, &ve) || ve.Fields["image"][0] != "No file was submitted." {
		t.Fatalf("%v", err)
	}
}

// A 500 may have created a task: the POST is not sent again.
func TestNoResendAfterAnAmbiguousFailure(t *testing.T) {
	srv := progenytest.NewServer(progenytest.Options{Fail500: 1})
	defer srv.Close()
	_, err := client(t, srv, "secret").RegisterFace(context.Background(), jpegBytes, nil)
	var se *progeny.ServerError
	if !errors.As(err, &se) || se.Status != 500 || srv.Stats().Posts != 1 {
		t.Fatalf("%v after %d POSTs", err, srv.Stats().Posts)
	}
}

// Rate limits that outlast the attempts come back typed.
func TestRateLimitError(t *testing.T) {
	srv := progenytest.NewServer(progenytest.Options{Fail429: 10, RetryAfter: 0})
	defer srv.Close()
	c, _ := progeny.NewClient(srv.URL, progeny.WithCredentials("user", "secret"), progeny.WithAttempts(2))
	_, err := c.Submit(context.Background(), "face_liveness", []progeny.File{{Field: "image", Data: jpegBytes}}, nil)
	var rl *progeny.RateLimitError
	if !errors.As(err, &rl) || srv.Stats().Posts != 2 {
		t.Fatalf("%v after %d POSTs", err, srv.Stats().Posts)
	}
}

// Concurrent callers share one login (run with -race).
func TestConcurrentCallersShareOneLogin(t *testing.T) {
	srv := progenytest.NewServer(progenytest.Options{})
	defer srv.Close()
	c := client(t, srv, "secret")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := c.FaceLiveness(context.Background(), jpegBytes, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if srv.Stats().Logins != 1 || len(srv.Stats().Uploads) != 8 {
		t.Errorf("%d logins, %d uploads", srv.Stats().Logins, len(srv.Stats().Uploads))
	}
}

func TestNewClientRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"ftp://x", "not a url", "http://"} {
		if _, err := progeny.NewClient(u); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

// When the refresh is refused, the client logs in again, once per expiry.
func TestRefreshRefusedFallsBackToLogin(t *testing.T) {
	srv := progenytest.NewServer(progenytest.Options{AccessTTL: time.Second, RejectRefresh: true, Pending: 2 * time.Second})
	defer srv.Close()
	if _, _, err := client(t, srv, "secret").FaceLiveness(context.Background(), jpegBytes, nil); err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.Logins < 2 || st.Refreshes != 0 {
		t.Errorf("%d logins, %d refreshes", st.Logins, st.Refreshes)
	}
}

// A server that cannot be reached: the login is retried (nothing reached
// it) and the error says what failed.
func TestUnreachableServer(t *testing.T) {
	srv := progenytest.NewServer(progenytest.Options{})
	url := srv.URL
	srv.Close()
	c, _ := progeny.NewClient(url, progeny.WithCredentials("user", "secret"), progeny.WithAttempts(2))
	_, _, err := c.FaceLiveness(context.Background(), jpegBytes, nil)
	var ae *progeny.AuthError
	if err == nil || errors.As(err, &ae) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("%v", err)
	}
}
