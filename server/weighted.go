package server

import (
	"container/list"
	"context"
	"sync"
)

// weighted is a semaphore of size units that requests take by weight, in
// the order they ask (a heavy request is not overtaken forever by light
// ones).
type weighted struct {
	mu      sync.Mutex
	size    int64
	cur     int64
	waiters list.List // of *waiter
}

type waiter struct {
	n     int64
	ready chan struct{}
}

func newWeighted(size int64) *weighted { return &weighted{size: size} }

// acquire takes n units (at most size), waiting until they are free or
// ctx ends.
func (w *weighted) acquire(ctx context.Context, n int64) error {
	n = min(max(n, 1), w.size)
	w.mu.Lock()
	if w.size-w.cur >= n && w.waiters.Len() == 0 {
		w.cur += n
		w.mu.Unlock()
		return nil
	}
	wt := &waiter{n: n, ready: make(chan struct{})}
	elem := w.waiters.PushBack(wt)
	w.mu.Unlock()
	select {
	case <-wt.ready:
		return nil
	case <-ctx.Done():
		w.mu.Lock()
		select {
		case <-wt.ready: // granted meanwhile: give it back
			w.cur -= n
			w.notify()
		default:
			front := w.waiters.Front() == elem
			w.waiters.Remove(elem)
			if front {
				w.notify() // the next may fit now
			}
		}
		w.mu.Unlock()
		return ctx.Err()
	}
}

// release gives n units back (the n acquire took, clamped the same way).
func (w *weighted) release(n int64) {
	n = min(max(n, 1), w.size)
	w.mu.Lock()
	w.cur -= n
	if w.cur < 0 {
		w.mu.Unlock()
		panic("server: semaphore released more than held")
	}
	w.notify()
	w.mu.Unlock()
}

// notify wakes the waiters at the front that fit, in order.
func (w *weighted) notify() {
	for {
		e := w.waiters.Front()
		if e == nil {
			return
		}
		wt := e.Value.(*waiter)
		if w.size-w.cur < wt.n {
			return
		}
		w.cur += wt.n
		w.waiters.Remove(e)
		close(wt.ready)
	}
}

// held is the units taken now.
func (w *weighted) held() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur
}
