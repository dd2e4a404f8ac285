package server

import (
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/facegate/facegate/internal/cmem"
)

// idler runs release once the service has been idle (no request holding
// or waiting for a slot) for after.
type idler struct {
	mu      sync.Mutex
	busy    int
	timer   *time.Timer
	after   time.Duration
	release func()
}

func (i *idler) enter() {
	i.mu.Lock()
	i.busy++
	if i.timer != nil {
		i.timer.Stop()
		i.timer = nil
	}
	i.mu.Unlock()
}

func (i *idler) leave() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.busy--
	if i.busy > 0 || i.after < 0 {
		return
	}
	i.timer = time.AfterFunc(i.after, func() {
		i.mu.Lock()
		still := i.busy == 0
		i.mu.Unlock()
		if still {
			i.release()
		}
	})
}

// releaseMemory hands memory back when idle: two collections empty the
// pools of decode and scaling buffers (sync.Pool keeps them one more),
// FreeOSMemory returns the Go heap's free pages, and malloc_trim the C
// libraries' (every glibc arena).
func (s *Server) releaseMemory() {
	runtime.GC()
	runtime.GC()
	debug.FreeOSMemory()
	cmem.Trim()
	s.m.released.Inc()
}

// Memory budget of a service, from measurements on 2 cores (see
// benchmarks/README.md): the resident set stays under
// BaseMemory + MaxInFlight × SlotMemory + (MaxInFlight + MaxQueue) × MaxBody
// (every admitted body is held whole). Size a container's memory limit
// from it.
const (
	// BaseMemory is the process without images: the runtime, the landmark
	// model and ONNX Runtime with its sessions (about 140 MB resident after
	// the first request), with room for the C side's caches.
	BaseMemory = 200 << 20
	// SlotMemory is one processing slot (an image of up to SlotPixels, 12
	// MP by default) being checked or fixed: decode buffers, the scaled
	// copies, the encoder's output, and the Go collector's headroom.
	SlotMemory = 96 << 20
	// SlotCMemory is the part of SlotMemory the C side takes (the decoders'
	// and dlib's working buffers, ONNX Runtime's scratch), outside the Go
	// heap.
	SlotCMemory = 32 << 20
)

// GCPercent is the Go collector's target `facegate serve` sets when GOGC
// is not set (runtime/debug.SetGCPercent): a collection when the heap has
// grown by half its live size since the last.
const GCPercent = 50

// MemoryBudget is the resident memory a Server with these options stays
// under (the zero values as New fills them).
func MemoryBudget(opts Options) int64 {
	o := withDefaults(opts)
	return BaseMemory + int64(o.MaxInFlight)*SlotMemory + int64(o.MaxInFlight+o.MaxQueue)*o.MaxBody
}

// GoMemoryLimit is the soft limit for the Go heap (runtime/debug's
// SetMemoryLimit) that keeps a Server within MemoryBudget: the budget less
// BaseMemory and each slot's SlotCMemory, which are outside the Go heap.
func GoMemoryLimit(opts Options) int64 {
	return MemoryBudget(opts) - BaseMemory - int64(withDefaults(opts).MaxInFlight)*SlotCMemory
}

// BatchMemoryBudget is the resident memory `facegate check` and `fix` stay
// under with jobs workers: the base and one slot per job, plus the input
// each job holds (at most maxBytes).
func BatchMemoryBudget(jobs int, maxBytes int64) int64 {
	return BaseMemory + int64(max(jobs, 1))*(SlotMemory+maxBytes)
}

// BatchGoMemoryLimit is the Go heap's soft limit that keeps a batch run
// within BatchMemoryBudget: less the base and each job's SlotCMemory.
func BatchGoMemoryLimit(jobs int, maxBytes int64) int64 {
	return BatchMemoryBudget(jobs, maxBytes) - BaseMemory - int64(max(jobs, 1))*SlotCMemory
}
