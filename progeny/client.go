// Package progeny is a small client for the Progeny KYC API v3: token
// authentication with refresh ahead of expiry, one method per service,
// task polling, and typed errors.
//
// Every service call is two steps, and Submit does both: POST the images,
// which returns a task id, then poll the task until it ends. A POST that
// may have created a task is never sent twice (a duplicate registration is
// a data error); 429 and 503 answers, which create nothing, are retried,
// honouring Retry-After. Polls are GETs and are always retried.
//
// The client is safe for concurrent use: callers share one token, and at
// most one login or refresh is in flight.
package progeny

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultBaseURL is Progeny's production API.
const DefaultBaseURL = "https://be.progeny.tech/api/v3"

// Client talks to one Progeny API.
type Client struct {
	base     *url.URL
	hc       *http.Client
	user     string
	password string
	attempts int // POST attempts on 429/503
	poll     Backoff
	log      *slog.Logger
	now      func() time.Time

	mu      sync.Mutex
	access  string
	refresh string
	expires time.Time
	ttl     time.Duration // lifetime of the last access token
	flight  chan struct{} // closed when the login or refresh in flight ends
	flightE error
}

// Backoff is a polling schedule: waits start at Initial and grow by half
// up to Max.
type Backoff struct {
	Initial, Max time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (timeouts, transport, proxies).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithCredentials sets the account the client logs in with.
func WithCredentials(username, password string) Option {
	return func(c *Client) { c.user, c.password = username, password }
}

// WithPolling sets the task polling schedule (default 250 ms growing to 2 s).
func WithPolling(b Backoff) Option { return func(c *Client) { c.poll = b } }

// WithAttempts sets how many times a POST answered 429 or 503 is sent in
// all (default 4).
func WithAttempts(n int) Option { return func(c *Client) { c.attempts = n } }

// WithLogger sets the logger (default slog.Default()). Passwords and
// tokens are never logged.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// NewClient returns a client for the API at baseURL ("" = DefaultBaseURL).
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	u, err := url.Parse(strings.TrimRight(baseURL, "/") + "/")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("progeny: base URL %q: need http(s)://host/path", baseURL)
	}
	c := &Client{base: u, hc: http.DefaultClient, attempts: 4, poll: Backoff{250 * time.Millisecond, 2 * time.Second}, log: slog.Default(), now: time.Now}
	for _, o := range opts {
		o(c)
	}
	if c.attempts < 1 {
		c.attempts = 1
	}
	if c.poll.Initial <= 0 {
		c.poll.Initial = 250 * time.Millisecond
	}
	if c.poll.Max < c.poll.Initial {
		c.poll.Max = c.poll.Initial
	}
	return c, nil
}

func (c *Client) url(path string) string {
	return c.base.ResolveReference(&url.URL{Path: path}).String()
}

// token returns a valid access token, logging in or refreshing first when
// it is missing or about to expire. Concurrent callers wait for the one in
// flight.
func (c *Client) token(ctx context.Context) (string, error) {
	c.mu.Lock()
	for {
		if c.access != "" && c.now().Before(c.expires.Add(-c.margin())) {
			tok := c.access
			c.mu.Unlock()
			return tok, nil
		}
		if c.flight == nil {
			f := make(chan struct{})
			c.flight = f
			refresh := c.refresh
			c.mu.Unlock()
			access, newRefresh, err := c.renew(ctx, refresh)
			c.mu.Lock()
			c.flight, c.flightE = nil, err
			if err == nil {
				c.setTokens(access, newRefresh)
			}
			close(f)
			c.mu.Unlock()
			return access, err
		}
		f := c.flight
		c.mu.Unlock()
		select {
		case <-f:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		c.mu.Lock()
		if c.flightE != nil && (c.access == "" || !c.now().Before(c.expires)) {
			err := c.flightE
			c.mu.Unlock()
			return "", err
		}
	}
}

// margin is how long before expiry the token is renewed: a tenth of its
// lifetime, at most 30 s.
func (c *Client) margin() time.Duration {
	return min(30*time.Second, c.ttl/10)
}

func (c *Client) setTokens(access, refresh string) {
	c.access = access
	if refresh != "" {
		c.refresh = refresh
	}
	exp, err := tokenExpiry(access)
	if err != nil {
		exp = c.now().Add(4 * time.Minute) // the documented life is 5 minutes
	}
	c.expires, c.ttl = exp, exp.Sub(c.now())
}

// invalidate drops the access token after a 401 on it.
func (c *Client) invalidate(tok string) {
	c.mu.Lock()
	if c.access == tok {
		c.access = ""
	}
	c.mu.Unlock()
}

// renew refreshes with the refresh token, or logs in when there is none or
// the refresh is refused.
func (c *Client) renew(ctx context.Context, refresh string) (access, newRefresh string, err error) {
	if refresh != "" {
		access, newRefresh, err = c.tokenCall(ctx, "accounts/token/refresh/", url.Values{"refresh": {refresh}})
		if err == nil {
			c.log.Debug("progeny: token refreshed")
			return access, newRefresh, nil
		}
		var ae *AuthError
		if !errors.As(err, &ae) {
			return "", "", err
		}
		c.log.Debug("progeny: refresh refused, logging in again")
	}
	if c.user == "" || c.password == "" {
		return "", "", &AuthError{Detail: "no credentials (set PROGENY_USERNAME and PROGENY_PASSWORD)"}
	}
	access, newRefresh, err = c.tokenCall(ctx, "accounts/token/obtain/", url.Values{"username": {c.user}, "password": {c.password}})
	if err == nil {
		c.log.Debug("progeny: logged in", "user", c.user)
	}
	return access, newRefresh, err
}

func (c *Client) tokenCall(ctx context.Context, path string, form url.Values) (string, string, error) {
	body := []byte(form.Encode())
	resp, data, err := c.do(ctx, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(path), bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return req, err
	}, true)
	if err != nil {
		return "", "", err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		var t struct{ Access, Refresh string }
		if err := json.Unmarshal(data, &t); err != nil || t.Access == "" {
			return "", "", &ServerError{Status: resp.StatusCode, Body: "token answer without an access token"}
		}
		return t.Access, t.Refresh, nil
	case http.StatusUnauthorized, http.StatusForbidden:
		var d struct{ Detail string }
		json.Unmarshal(data, &d)
		return "", "", &AuthError{Status: resp.StatusCode, Detail: d.Detail}
	case http.StatusBadRequest:
		return "", "", &AuthError{Status: resp.StatusCode, Detail: validation(resp.StatusCode, data).Error()}
	}
	return "", "", statusError(resp, data)
}

// do sends the request that build makes. retryable says whether the
// request may be sent again after a 429 or 503 (nothing was created) or a
// connection that provably never reached the server.
func (c *Client) do(ctx context.Context, build func() (*http.Request, error), retryable bool) (*http.Response, []byte, error) {
	var last error
	for attempt := 1; ; attempt++ {
		req, err := build()
		if err != nil {
			return nil, nil, err
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			if !neverSent(err) || attempt >= c.attempts {
				return nil, nil, fmt.Errorf("progeny: %s %s: %w", req.Method, req.URL.Path, err)
			}
			last = err
			if err := sleep(ctx, backoff(attempt)); err != nil {
				return nil, nil, err
			}
			continue
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		resp.Body.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("progeny: read answer: %w", err)
		}
		if (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) && retryable && attempt < c.attempts {
			wait := retryAfter(resp, c.now())
			if wait <= 0 {
				wait = backoff(attempt)
			}
			c.log.Debug("progeny: retrying", "status", resp.StatusCode, "wait", wait, "attempt", attempt)
			if err := sleep(ctx, wait); err != nil {
				return nil, nil, err
			}
			continue
		}
		_ = last
		return resp, data, nil
	}
}

// neverSent reports whether a transport error happened before any byte of
// the request could reach the server: the connection was never made.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

func backoff(attempt int) time.Duration {
	return min(time.Duration(attempt)*500*time.Millisecond, 5*time.Second)
}

// retryAfter reads Retry-After as seconds or as an HTTP date.
func retryAfter(resp *http.Response, now time.Time) time.Duration {
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return min(time.Duration(s)*time.Second, time.Minute)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), time.Minute)
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func validation(status int, data []byte) *ValidationError {
	e := &ValidationError{Status: status, Fields: map[string][]string{}}
	var raw map[string]json.RawMessage
	if json.Unmarshal(data, &raw) != nil {
		e.Fields["detail"] = []string{snippet(data)}
		return e
	}
	for k, v := range raw {
		var list []string
		var one string
		switch {
		case json.Unmarshal(v, &list) == nil:
			e.Fields[k] = list
		case json.Unmarshal(v, &one) == nil:
			e.Fields[k] = []string{one}
		default:
			e.Fields[k] = []string{string(v)}
		}
	}
	return e
}

func statusError(resp *http.Response, data []byte) error {
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return &RateLimitError{RetryAfter: retryAfter(resp, time.Now())}
	case resp.StatusCode == http.StatusUnauthorized:
		var d struct{ Detail string }
		json.Unmarshal(data, &d)
		return &AuthError{Status: resp.StatusCode, Detail: d.Detail}
	case resp.StatusCode == http.StatusBadRequest:
		return validation(resp.StatusCode, data)
	}
	return &ServerError{Status: resp.StatusCode, Body: snippet(data)}
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
