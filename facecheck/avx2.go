//go:build facegate_avx2

package facecheck

// Built with -tags facegate_avx2 (make does this when the CPU has AVX2 and
// FMA), dlib's header-only HOG code is compiled for those instructions.
// A binary built so must not run on a CPU without them.

// #cgo CXXFLAGS: -mavx2
import "C"
