package main

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"
)

// progress reports a long run on stderr: a line redrawn in place on a
// terminal, a plain line every 10 seconds otherwise. stdout carries only
// records.
type progress struct {
	w       io.Writer
	tty     bool
	found   *atomic.Int64 // images discovered so far
	walking *atomic.Bool  // still discovering
	start   time.Time
	last    time.Time
	n, bad  int
}

func newProgress(w io.Writer, found *atomic.Int64, walking *atomic.Bool) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	now := time.Now()
	return &progress{w: w, tty: tty, found: found, walking: walking, start: now, last: now}
}

// add counts one record; it is called from one goroutine.
func (p *progress) add(ok bool) {
	p.n++
	if !ok {
		p.bad++
	}
	every := 10 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	if now := time.Now(); now.Sub(p.last) >= every {
		p.last = now
		p.print(false)
	}
}

func (p *progress) print(final bool) {
	el := time.Since(p.start).Seconds()
	rate := float64(p.n) / max(el, 1e-9)
	total := p.found.Load()
	of := fmt.Sprintf("%d", p.n)
	eta := ""
	if !p.walking.Load() && total > 0 {
		of = fmt.Sprintf("%d/%d", p.n, total)
		if left := total - int64(p.n); left > 0 && rate > 0 {
			eta = fmt.Sprintf(", ETA %s", (time.Duration(float64(left)/rate) * time.Second).Round(time.Second))
		}
	}
	line := fmt.Sprintf("facegate: %s images, %.1f/s, %d not ok%s", of, rate, p.bad, eta)
	switch {
	case p.tty && final:
		fmt.Fprintf(p.w, "\r\033[K%s\n", line)
	case p.tty:
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	default:
		fmt.Fprintln(p.w, line)
	}
}

// done prints the last line of a run that showed progress.
func (p *progress) done() {
	if p.tty || time.Since(p.start) >= 10*time.Second {
		p.print(true)
	}
}
