package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// AnswerError is an upstream answer the proxy does not pass on: cut short
// (fewer bytes than its Content-Length, the connection closed early),
// declared JSON but not JSON, or too large to check. The proxy answers 502
// instead.
type AnswerError struct{ Reason string }

func (e *AnswerError) Error() string { return "upstream answer " + e.Reason }

// readAnswer reads an upstream answer whole, at most maxAnswer bytes, and
// checks it: all of it arrived, and a JSON answer parses.
func readAnswer(resp *http.Response) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return nil, err
	case err != nil:
		return nil, &AnswerError{"cut short: " + cause(err)}
	case len(body) > maxAnswer:
		return nil, &AnswerError{fmt.Sprintf("over %d bytes", maxAnswer)}
	case resp.ContentLength >= 0 && int64(len(body)) != resp.ContentLength:
		return nil, &AnswerError{fmt.Sprintf("cut short: %d of %d bytes", len(body), resp.ContentLength)}
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); (mt == "application/json" || strings.HasSuffix(mt, "+json")) && !json.Valid(body) {
		return nil, &AnswerError{"cut short or damaged: not JSON"}
	}
	return body, nil
}

// cause is an error's text without the URLs and addresses a transport
// error carries.
func cause(err error) string {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the connection closed early"
	}
	return "the connection failed"
}

// passAnswer is the pass-through routes' ModifyResponse: the answer is
// read and checked before anything reaches the client (an error here
// becomes a 502 or a 504 in upstreamFailed), then a task poll's verdict
// goes to the journal.
func (s *Server) passAnswer(resp *http.Response) error {
	body, err := readAnswer(resp)
	resp.Body.Close()
	if err != nil {
		return err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	s.watchTask(resp, body)
	return nil
}

// upstreamFailed answers a failed upstream call: 504 past the upstream
// deadline, 502 otherwise, with a reason that names no upstream address
// (the full error goes to the log). sent says a service call reached the
// upstream, which may then have created a task.
func (s *Server) upstreamFailed(w http.ResponseWriter, route string, err error, sent bool) {
	s.opts.Logger.Warn("upstream call failed", "route", route, "err", err.Error())
	maybe := ""
	if sent {
		maybe = "; it may have created a task: check before sending again"
	}
	var ae *AnswerError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		s.m.requests.WithLabelValues(route, "upstream_timeout").Inc()
		writeJSON(w, http.StatusGatewayTimeout, map[string]string{"detail": fmt.Sprintf("upstream did not answer within %v%s", s.opts.UpstreamTimeout, maybe)})
	case errors.Is(err, context.Canceled):
		s.m.requests.WithLabelValues(route, "client_gone").Inc()
		w.WriteHeader(499) // the client left: nobody reads this
	case errors.As(err, &ae):
		s.m.requests.WithLabelValues(route, "upstream_error").Inc()
		writeJSON(w, http.StatusBadGateway, map[string]string{"detail": ae.Error() + maybe})
	default:
		s.m.requests.WithLabelValues(route, "upstream_error").Inc()
		writeJSON(w, http.StatusBadGateway, map[string]string{"detail": "upstream unreachable: " + cause(err) + maybe})
	}
}

// DrainTime is how long a graceful shutdown may take to answer every
// request in flight: the delay while /readyz says 503 (DrainDelay), the
// processing deadline, then, with an upstream, its
// deadline (an upload that reached Progeny gets its answer), and 5 s to
// write. A Kubernetes terminationGracePeriodSeconds must be longer.
func DrainTime(opts Options) time.Duration {
	opts = withDefaults(opts)
	d := opts.DrainDelay + opts.Timeout + 5*time.Second
	if opts.Upstream != "" {
		d += opts.UpstreamTimeout
	}
	return d
}
