package progeny

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// ValidationError is a 400 answer with field-keyed messages, as Django REST
// framework writes them: {"image": ["No file was submitted."]}.
type ValidationError struct {
	Status int
	Fields map[string][]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+strings.Join(e.Fields[k], " "))
	}
	return fmt.Sprintf("progeny: request rejected (HTTP %d): %s", e.Status, strings.Join(parts, "; "))
}

// AuthError is a failed login or refresh: wrong credentials, or an
// account that cannot log in.
type AuthError struct {
	Status int
	Detail string
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("progeny: authentication failed (HTTP %d): %s", e.Status, e.Detail)
}

// RateLimitError is a 429 that outlasted the retries.
type RateLimitError struct {
	RetryAfter time.Duration // what the server asked for; 0 when it did not say
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("progeny: rate limited (HTTP 429), retry after %v", e.RetryAfter)
}

// ServerError is a 5xx (or an unexpected status) that outlasted the
// retries, or one that could not be retried safely.
type ServerError struct {
	Status int
	Body   string // the first bytes of the answer
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("progeny: server error (HTTP %d): %s", e.Status, e.Body)
}

// TaskError is a task that ended without a result: Celery's FAILURE or
// REVOKED state, or a result with a status other than 200 and no liveness
// verdict.
type TaskError struct {
	ID     string
	State  string
	Status int // result.status, 0 when absent
	Issues map[string]string
}

func (e *TaskError) Error() string {
	return fmt.Sprintf("progeny: task %s ended %s (result status %d) %v", e.ID, e.State, e.Status, e.Issues)
}

// RejectedError is the provider's verdict that the image failed, with its
// code (FACE_TOO_SMALL, FACE_NOT_FOUND...). It is what facegate exists to
// prevent.
type RejectedError struct {
	TaskID  string
	Code    string
	Message string
	Issues  map[string]string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("progeny: image rejected: %s: %s", e.Code, e.Message)
}
