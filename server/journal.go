package server

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/facegate/facegate/journal"
	"github.com/facegate/facegate/progeny"
)

// Bounds of the verdicts the proxy waits for: records of calls whose task
// no client has polled to a final state within pendingTTL are written
// with an error verdict (calibrate leaves them out), and at most
// maxPending calls are remembered.
const (
	pendingTTL = time.Hour
	maxPending = 10000
)

// pendingCall is a forwarded call's records, waiting for its verdict.
type pendingCall struct {
	records []journal.Record
	at      time.Time
}

// verdicts completes journal records from the task answers that pass
// through the proxy: the client's own polls, so the proxy makes no call of
// its own and slows nothing.
type verdicts struct {
	mu      sync.Mutex
	w       *journal.Writer
	pending map[string]pendingCall
	order   []string // task ids, oldest first
}

func newVerdicts(w *journal.Writer) *verdicts {
	return &verdicts{w: w, pending: map[string]pendingCall{}}
}

// sent remembers a call's records under the task id upstream answered.
func (v *verdicts) sent(taskID string, recs []journal.Record) {
	if taskID == "" || len(recs) == 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	now := time.Now()
	v.expire(now)
	for len(v.order) >= maxPending {
		v.drop(v.order[0], "the proxy remembered too many calls; no verdict kept")
	}
	v.pending[taskID] = pendingCall{records: recs, at: now}
	v.order = append(v.order, taskID)
}

// expire writes the records of calls older than pendingTTL with an error
// verdict. The lock is held.
func (v *verdicts) expire(now time.Time) {
	for len(v.order) > 0 {
		id := v.order[0]
		p, ok := v.pending[id]
		if ok && now.Sub(p.at) < pendingTTL {
			return
		}
		v.drop(id, "no final task status passed through the proxy within an hour")
	}
}

// drop writes a call's records with an error verdict and forgets it. The
// lock is held.
func (v *verdicts) drop(id, why string) {
	v.order = v.order[1:]
	p, ok := v.pending[id]
	if !ok {
		return
	}
	delete(v.pending, id)
	for _, r := range p.records {
		r.Verdict = &journal.Verdict{TaskID: id, Error: why}
		v.w.Write(r)
	}
}

// waiting reports whether a call's records wait for this task's verdict.
func (v *verdicts) waiting(taskID string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, ok := v.pending[taskID]
	return ok
}

// answered reads a task answer the client polled; a final one completes
// the call's records.
func (v *verdicts) answered(taskID string, body []byte) {
	t, final, err := progeny.ParseTask(body)
	if err != nil || !final {
		return
	}
	v.mu.Lock()
	p, ok := v.pending[taskID]
	delete(v.pending, taskID) // its place in order goes when it comes up
	v.mu.Unlock()
	if !ok {
		return
	}
	verdict := journal.VerdictOf(t, nil)
	verdict.TaskID = taskID
	for _, r := range p.records {
		r.Verdict = verdict
		v.w.Write(r)
	}
}

// taskID reads the id a service POST answered ({"id": "..."}).
func taskID(body []byte) string {
	var a struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(body, &a) != nil || len(a.ID) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(a.ID, &s) == nil {
		return s
	}
	return string(a.ID)
}

// maxAnswer bounds an upstream answer: Progeny's are JSON of a few kB;
// one over this is answered 502.
const maxAnswer = 1 << 20

// watchTask hands a task poll's answer to the journal when the task is one
// it waits for.
func (s *Server) watchTask(resp *http.Response, body []byte) {
	if s.verdicts == nil || resp.Request == nil || resp.StatusCode != http.StatusOK {
		return
	}
	if id := resp.Request.URL.Query().Get("id"); s.verdicts.waiting(id) {
		s.verdicts.answered(id, body)
	}
}
