package batch

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
)

// Shard is the K-th (1-based) of N deterministic slices of the input. The
// zero value takes everything.
type Shard struct{ K, N int }

// ParseShard reads "K/N" (K counted from 1, as a Slurm array's
// $((SLURM_ARRAY_TASK_ID+1))/N), or "index:I/N" (I counted from 0, as a
// Kubernetes Indexed Job's $(JOB_COMPLETION_INDEX)/N, which cannot add
// one): index:0/4 is 1/4.
func ParseShard(s string) (Shard, error) {
	spec, base := s, 1
	if rest, ok := strings.CutPrefix(s, "index:"); ok {
		spec, base = rest, 0
	}
	k, n, ok := strings.Cut(spec, "/")
	ki, err1 := strconv.Atoi(k)
	ni, err2 := strconv.Atoi(n)
	ki += 1 - base
	if !ok || err1 != nil || err2 != nil || ni < 1 || ki < 1 || ki > ni {
		return Shard{}, fmt.Errorf("shard %q: want K/N with 1 <= K <= N, or index:I/N with 0 <= I < N", s)
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

// Selection is the part of the input a run takes.
type Selection struct {
	Shard Shard           // only this slice of the input
	Skip  map[string]bool // paths already done (resumed run)
}

// Has reports whether the item named path is selected.
func (s Selection) Has(path string) bool { return s.Shard.Has(path) && !s.Skip[path] }

// Select passes on the items of in that sel has, and closes the channel it
// returns when in is closed. It stops passing (but keeps draining in, so
// the walker finishes) when ctx ends.
func Select(ctx context.Context, in <-chan Item, sel Selection) <-chan Item {
	out := make(chan Item)
	go func() {
		defer close(out)
		for it := range in {
			if !sel.Has(it.Path) || ctx.Err() != nil {
				continue
			}
			select {
			case out <- it:
			case <-ctx.Done():
			}
		}
	}()
	return out
}

// Options configure Run.
type Options struct {
	Jobs int // workers; 0 = 1
}

// Run feeds every item to Jobs workers running process and calls emit
// with each record, from one goroutine, in input order whatever the number
// of jobs: a record that finishes early waits for the ones before it.
// process returns nil when ctx ended before the item was done (it is
// abandoned, not emitted). At most 2×Jobs items are in flight (dispatched
// and not yet emitted), so memory stays bounded. Run returns when the
// input is exhausted or ctx ends (records of items finished in order by
// then are emitted; the rest are abandoned). An error of emit (a record
// that could not be written) stops the run the same way, and Run returns
// it: nothing is processed that could not be recorded.
func Run[R any](ctx context.Context, items <-chan Item, opts Options, process func(context.Context, Item) *R, emit func(*R) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := max(1, opts.Jobs)
	type job struct {
		seq int
		it  Item
	}
	type result struct {
		seq int
		rep *R
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
	pending := map[int]*R{}
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
				if emitErr = emit(rep); emitErr != nil {
					cancel() // a record that cannot be written stops the run
				}
			}
			<-slots // only now is the item no longer in flight
		}
	}
	if emitErr != nil {
		return emitErr
	}
	return ctx.Err()
}
