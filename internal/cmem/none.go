//go:build !cgo || !linux

package cmem

// LimitArenas does nothing without cgo on Linux.
func LimitArenas(n int) bool { return false }

// MmapLarge does nothing without cgo on Linux.
func MmapLarge(n int) bool { return false }

// Trim does nothing without cgo on Linux.
func Trim() bool { return false }

// Stats is the C heap as glibc counts it; zero without cgo on Linux.
type Stats struct {
	Heap, Mmapped, InUse, Free uint64
}

// ReadStats returns zeros without cgo on Linux.
func ReadStats() Stats { return Stats{} }
