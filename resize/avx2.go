//go:build facegate_avx2

package resize

// Built with -tags facegate_avx2 (make does this when the CPU has AVX2),
// the plane kernel is compiled for AVX2: eight floats per instruction.
// A binary built so must not run on a CPU without it.

// #cgo CFLAGS: -mavx2
import "C"
