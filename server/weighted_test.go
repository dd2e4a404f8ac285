package server

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Slots are taken by weight, in the order asked: a heavy request is not
// overtaken by light ones that arrive after it; a waiter that gives up
// lets the next one in.
func TestWeightedSemaphore(t *testing.T) {
	w := newWeighted(4)
	ctx := context.Background()
	if err := w.acquire(ctx, 3); err != nil || w.held() != 3 {
		t.Fatalf("acquire 3: %v, held %d", err, w.held())
	}
	var order []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	got := func(name string, n int64) {
		defer wg.Done()
		if err := w.acquire(ctx, n); err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		order = append(order, name)
		mu.Unlock()
	}
	wg.Add(1)
	go got("heavy", 4)
	time.Sleep(20 * time.Millisecond)
	wg.Add(1)
	go got("light", 1) // one unit is free, but the heavy one asked first
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	if len(order) != 0 {
		t.Fatalf("admitted %v while 3 of 4 units are held and the heavy one waits", order)
	}
	mu.Unlock()
	w.release(3) // the heavy one gets all four
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	if len(order) != 1 || order[0] != "heavy" || w.held() != 4 {
		t.Fatalf("after release: %v, held %d", order, w.held())
	}
	mu.Unlock()
	w.release(4)
	wg.Wait()
	if order[1] != "light" || w.held() != 1 {
		t.Fatalf("order %v, held %d", order, w.held())
	}
	// A waiter that gives up: the one behind it is admitted.
	if err := w.acquire(ctx, 3); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := w.acquire(cctx, 4); err == nil {
		t.Fatal("acquire 4 of 4 with all held: no error after the deadline")
	}
	if w.held() != 4 {
		t.Fatalf("held %d after a cancelled waiter", w.held())
	}
	w.release(3)
	w.release(1)
	if w.held() != 0 {
		t.Fatalf("held %d at the end", w.held())
	}
	// More than the size is clamped to the size: it waits for all, never for ever.
	if err := w.acquire(ctx, 100); err != nil || w.held() != 4 {
		t.Fatalf("acquire 100 of 4: %v, held %d", err, w.held())
	}
	w.release(100)
}

func TestSlotsForPixels(t *testing.T) {
	s := &Server{opts: withDefaults(Options{MaxInFlight: 4})}
	for _, c := range []struct {
		px   int64
		want int64
	}{{0, 1}, {2_000_000, 1}, {12_000_000, 1}, {12_000_001, 2}, {48_000_000, 4}, {100_000_000, 4}} {
		if got := s.slotsFor(c.px); got != c.want {
			t.Errorf("%d px: %d slots, want %d", c.px, got, c.want)
		}
	}
	if b := MemoryBudget(Options{MaxInFlight: 2, MaxQueue: 8, MaxBody: 20 << 20}); b != 592<<20 {
		t.Errorf("budget %d MB, want 592 (serve --help says so)", b>>20)
	}
}
