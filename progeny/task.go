package progeny

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strings"
)

// File is one image field of a service call.
type File struct {
	Field string // form field: image, selfie_image, front_id, back_id, passport_image
	Name  string // file name sent; "" = Field + ".jpg"
	Data  []byte
}

// Task is what a finished task returned.
type Task struct {
	ID     string          // the id the POST returned
	State  string          // Celery state: SUCCESS
	Status int             // result.status: 200 or 400
	Data   json.RawMessage // result.data, per service
	Issues map[string]string
	// Liveness is the liveness verdict when the service gives one.
	Liveness *Liveness
	// Likeness is the authentication (likeness) result of authenticate_face
	// and the KYC services: whether the face is the registered person's;
	// nil when the service gives none.
	Likeness *bool
}

// Positive reports whether a finished task accepts the image: every
// result it gives, liveness and likeness, is true.
func (t *Task) Positive() bool {
	if t == nil {
		return false
	}
	if t.Liveness != nil && !t.Liveness.Result {
		return false
	}
	return t.Likeness == nil || *t.Likeness
}

// Liveness is the provider's verdict on the face image.
type Liveness struct {
	Result      bool
	Score       float64
	Quality     float64
	Probability float64
	Code        string // error_code when Result is false
	Message     string
}

// Start sends the images and fields to /services/<service>/ and returns
// the task id. A 429 or 503 is retried (nothing was created); any other
// failure is returned without resending.
func (c *Client) Start(ctx context.Context, service string, files []File, fields map[string]string) (string, error) {
	if service == "" || strings.ContainsAny(service, "/?#") {
		return "", fmt.Errorf("progeny: bad service name %q", service)
	}
	body, ctype, err := multipartBody(files, fields)
	if err != nil {
		return "", err
	}
	for authTry := 0; ; authTry++ {
		tok, err := c.token(ctx)
		if err != nil {
			return "", err
		}
		resp, data, err := c.do(ctx, func() (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url("services/"+service+"/"), bytes.NewReader(body))
			if err == nil {
				req.Header.Set("Content-Type", ctype)
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Accept", "application/json")
			}
			return req, err
		}, true)
		if err != nil {
			return "", err
		}
		// A 401 created nothing: renew the token once and send again.
		if resp.StatusCode == http.StatusUnauthorized && authTry == 0 {
			c.invalidate(tok)
			continue
		}
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusAccepted {
			return "", statusError(resp, data)
		}
		var t struct {
			ID json.RawMessage `json:"id"`
		}
		if err := json.Unmarshal(data, &t); err != nil || len(t.ID) == 0 {
			return "", &ServerError{Status: resp.StatusCode, Body: "answer without a task id: " + snippet(data)}
		}
		return idString(t.ID), nil
	}
}

// Wait polls the task until it ends, waiting longer between polls up to
// the Backoff's Max, and stops when ctx ends. A task that succeeded with a
// liveness verdict of false returns the Task and a *RejectedError.
func (c *Client) Wait(ctx context.Context, id string) (*Task, error) {
	wait := c.poll.Initial
	for {
		t, done, err := c.poll1(ctx, id)
		if err != nil {
			return nil, err
		}
		if done {
			return t, t.verdict()
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("progeny: task %s still %s: %w", id, t.State, err)
		}
		wait = min(wait*3/2, c.poll.Max)
	}
}

// Submit is Start then Wait.
func (c *Client) Submit(ctx context.Context, service string, files []File, fields map[string]string) (*Task, error) {
	id, err := c.Start(ctx, service, files, fields)
	if err != nil {
		return nil, err
	}
	return c.Wait(ctx, id)
}

// poll1 GETs the task once. Transport errors, 5xx and 429 are retried:
// a GET changes nothing.
func (c *Client) poll1(ctx context.Context, id string) (*Task, bool, error) {
	for attempt := 1; ; attempt++ {
		tok, err := c.token(ctx)
		if err != nil {
			return nil, false, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url("services/task/")+"?id="+url.QueryEscape(id), nil)
		if err != nil {
			return nil, false, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		resp, err := c.hc.Do(req)
		var data []byte
		if err == nil {
			data, err = readAll(resp)
		}
		switch {
		case ctx.Err() != nil:
			return nil, false, ctx.Err()
		case err != nil || resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			if attempt >= 2*c.attempts {
				if err != nil {
					return nil, false, fmt.Errorf("progeny: poll task %s: %w", id, err)
				}
				return nil, false, statusError(resp, data)
			}
			wait := backoff(attempt)
			if err == nil {
				if ra := retryAfter(resp, c.now()); ra > 0 {
					wait = ra
				}
			}
			if err := sleep(ctx, wait); err != nil {
				return nil, false, err
			}
			continue
		case resp.StatusCode == http.StatusUnauthorized && attempt == 1:
			c.invalidate(tok)
			continue
		case resp.StatusCode != http.StatusOK:
			return nil, false, statusError(resp, data)
		}
		t, done, err := ParseTask(data)
		if t != nil && t.ID == "" {
			t.ID = id
		}
		return t, done, err
	}
}

// ParseTask reads a task answer. done is true when the task reached a
// final state (SUCCESS, FAILURE, REVOKED).
func ParseTask(data []byte) (*Task, bool, error) {
	var raw struct {
		ID     json.RawMessage `json:"id"`
		Status string          `json:"status"`
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, false, fmt.Errorf("progeny: task answer is not JSON: %w", err)
	}
	if raw.Status == "" {
		return nil, false, errors.New("progeny: task answer has no status")
	}
	t := &Task{ID: idString(raw.ID), State: strings.ToUpper(raw.Status)}
	switch t.State {
	case "SUCCESS", "FAILURE", "REVOKED":
	default:
		return t, false, nil
	}
	var res struct {
		Status int             `json:"status"`
		Data   json.RawMessage `json:"data"`
		Issues json.RawMessage `json:"issues"`
	}
	if len(raw.Result) > 0 && raw.Result[0] == '{' {
		if err := json.Unmarshal(raw.Result, &res); err != nil {
			return nil, false, fmt.Errorf("progeny: task result: %w", err)
		}
	}
	t.Status, t.Data = res.Status, res.Data
	t.Issues = flatIssues(res.Issues)
	t.Likeness = parseLikeness(res.Data)
	if t.Liveness = parseLiveness(res.Data); t.Liveness != nil {
		// The second shape keeps the issues inside data: {"issues": {"liveness": {...}}}.
		var inner struct {
			Issues json.RawMessage `json:"issues"`
		}
		if json.Unmarshal(res.Data, &inner) == nil {
			for k, v := range flatIssues(inner.Issues) {
				if t.Issues == nil {
					t.Issues = map[string]string{}
				}
				t.Issues[k] = v
			}
		}
	}
	return t, true, nil
}

// verdict turns a finished task into the error it means, if any.
func (t *Task) verdict() error {
	if t.State != "SUCCESS" {
		return &TaskError{ID: t.ID, State: t.State, Status: t.Status, Issues: t.Issues}
	}
	if l := t.Liveness; l != nil && !l.Result {
		code, msg := l.Code, l.Message
		if code == "" {
			code, msg = firstIssue(t.Issues)
		}
		return &RejectedError{TaskID: t.ID, Code: code, Message: msg, Issues: t.Issues}
	}
	if t.Status != 0 && t.Status != http.StatusOK {
		if len(t.Issues) > 0 {
			code, msg := firstIssue(t.Issues)
			return &RejectedError{TaskID: t.ID, Code: code, Message: msg, Issues: t.Issues}
		}
		return &TaskError{ID: t.ID, State: t.State, Status: t.Status}
	}
	return nil
}

// parseLiveness reads data.liveness in either documented shape: the code
// at the top level ({"result": false, "error": ..., "error_code": ...}) or
// inside data ({"result": false, "data": {"error": ..., "error_code": ...}}).
func parseLiveness(data json.RawMessage) *Liveness {
	var d struct {
		Liveness *struct {
			Result    bool   `json:"result"`
			Error     string `json:"error"`
			ErrorCode string `json:"error_code"`
			Data      *struct {
				Score       float64 `json:"score"`
				Quality     float64 `json:"quality"`
				Probability float64 `json:"probability"`
				Error       string  `json:"error"`
				ErrorCode   string  `json:"error_code"`
			} `json:"data"`
		} `json:"liveness"`
	}
	if len(data) == 0 || json.Unmarshal(data, &d) != nil || d.Liveness == nil {
		return nil
	}
	l := &Liveness{Result: d.Liveness.Result, Code: d.Liveness.ErrorCode, Message: d.Liveness.Error}
	if x := d.Liveness.Data; x != nil {
		l.Score, l.Quality, l.Probability = x.Score, x.Quality, x.Probability
		if l.Code == "" {
			l.Code, l.Message = x.ErrorCode, x.Error
		}
	}
	return l
}

// parseLikeness reads data.authentication.result.
func parseLikeness(data json.RawMessage) *bool {
	var d struct {
		Authentication *struct {
			Result *bool `json:"result"`
		} `json:"authentication"`
	}
	if len(data) == 0 || json.Unmarshal(data, &d) != nil || d.Authentication == nil {
		return nil
	}
	return d.Authentication.Result
}

// flatIssues reads {"CODE": "message"} or {"liveness": {"CODE": "message"}}.
func flatIssues(raw json.RawMessage) map[string]string {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, v := range m {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
			continue
		}
		for k2, v2 := range flatIssues(v) {
			out[k2] = v2
		}
	}
	return out
}

func firstIssue(m map[string]string) (string, string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return "", ""
	}
	return keys[0], m[keys[0]]
}

func idString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

func readAll(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(nil, resp.Body, 4<<20))
	return buf.Bytes(), err
}

func multipartBody(files []File, fields map[string]string) ([]byte, string, error) {
	multi := make(map[string][]string, len(fields))
	for k, v := range fields {
		multi[k] = []string{v}
	}
	return Form(files, multi)
}

// Form builds the multipart body of a service call as Progeny takes it:
// the fields (in name order, each value in its order), then the files,
// each with its file name and its sniffed content type. It returns the
// body and its Content-Type. A file with no field name or no data is an
// error. The client and the proxy both send what it builds.
func Form(files []File, fields map[string][]string) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range fields[k] {
			if err := w.WriteField(k, v); err != nil {
				return nil, "", err
			}
		}
	}
	for _, f := range files {
		if f.Field == "" || len(f.Data) == 0 {
			return nil, "", fmt.Errorf("progeny: file field %q is empty", f.Field)
		}
		name := f.Name
		if name == "" {
			name = f.Field + ".jpg"
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.Field, name))
		h.Set("Content-Type", http.DetectContentType(f.Data))
		p, err := w.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		if _, err := p.Write(f.Data); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}
