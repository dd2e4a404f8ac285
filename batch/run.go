package batch

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/facegate/facegate/prevalidate"
)

// Shard is the K-th (1-based) of N deterministic slices of the input. The
// zero value takes everything.
type Shard struct{ K, N int }

// ParseShard reads "K/N".
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(s, "/")
	ki, err1 := strconv.Atoi(k)
	ni, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || ni < 1 || ki < 1 || ki > ni {
		return Shard{}, fmt.Errorf("shard %q: want K/N with 1 <= K <= N", s)
	}
	return Shard{ki, ni}, nil
}

// Has reports whether the item named path belongs to this shard: the
// FNV-1a hash of its name, modulo N. Every path belongs to exactly one
// shard, whatever machine computes it.
func (s Shard) Has(path string) bool {
	if s.N <= 1 {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(path))
	return int(h.Sum32()%uint32(s.N)) == s.K-1
}

// Done reads the paths already recorded in JSONL journals (a previous
// run's --json output). A last line cut short by a crash is ignored.
func Done(r io.Reader) (map[string]bool, error) {
	done := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var rec struct {
			Path string `json:"path"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Path != "" {
			done[rec.Path] = true
		}
	}
	return done, sc.Err()
}

// DoneFile is Done over a file; a missing file is an empty journal.
func DoneFile(name string) (map[string]bool, error) {
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Done(f)
}

// Options configure Run.
type Options struct {
	Jobs  int             // workers; 0 = 1
	Shard Shard           // only this slice of the input
	Skip  map[string]bool // paths already done (resumed run)
}

// Process handles one item and returns its record, or nil when ctx ended
// before it was done (the item is abandoned, not recorded).
type Process func(ctx context.Context, it Item) *prevalidate.Report

// Run feeds items to Jobs workers and calls emit with each record, from one
// goroutine, in input order whatever the number of jobs: a record that
// finishes early waits for the ones before it. At most 2×Jobs items are in
// flight (dispatched and not yet emitted), so memory stays bounded. Run
// returns when the input is exhausted or ctx ends (records of items
// finished in order by then are emitted; the rest are abandoned).
func Run(ctx context.Context, items <-chan Item, opts Options, process Process, emit func(*prevalidate.Report) error) error {
	jobs := max(1, opts.Jobs)
	type job struct {
		seq int
		it  Item
	}
	type result struct {
		seq int
		rep *prevalidate.Report
	}
	work := make(chan job)
	results := make(chan result, 2*jobs)
	slots := make(chan struct{}, 2*jobs) // in flight: dispatched, not yet emitted
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				if ctx.Err() != nil {
					results <- result{j.seq, nil} // abandoned
					continue
				}
				results <- result{j.seq, process(ctx, j.it)}
			}
		}()
	}
	go func() {
		defer close(work)
		seq := 0
		for it := range items {
			if !opts.Shard.Has(it.Path) || opts.Skip[it.Path] {
				continue
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				for range items { // let the walker finish
				}
				return
			}
			work <- job{seq, it}
			seq++
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	pending := map[int]*prevalidate.Report{}
	next := 0
	var emitErr error
	for r := range results {
		pending[r.seq] = r.rep
		for {
			rep, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if rep != nil && emitErr == nil {
				emitErr = emit(rep)
			}
			<-slots // only now is the item no longer in flight
		}
	}
	if emitErr != nil {
		return emitErr
	}
	return ctx.Err()
}
