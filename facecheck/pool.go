package facecheck

import "sync"

// pool keeps idle items (dlib detectors, ONNX Runtime sessions) for the
// next caller: as many as were ever in use at once. Its lock is held only
// to take or give back an item, never while one works.
type pool[T any] struct {
	mu     sync.Mutex
	free   []T
	closed bool
}

// get returns an idle item or a new one; ok is false once the pool is
// closed.
func (p *pool[T]) get(make func() (T, error)) (x T, ok bool, err error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return x, false, nil
	}
	if n := len(p.free); n > 0 {
		x = p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return x, true, nil
	}
	p.mu.Unlock()
	x, err = make()
	return x, true, err
}

// put gives an item back, or destroys it when the pool is closed.
func (p *pool[T]) put(x T, destroy func(T)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		destroy(x)
		return
	}
	p.free = append(p.free, x)
}

// close destroys the idle items; those in use are destroyed when given
// back.
func (p *pool[T]) close(destroy func(T)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, x := range p.free {
		destroy(x)
	}
	p.free = nil
}

// idle is how many items wait in the pool.
func (p *pool[T]) idle() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free)
}
