//go:build !cgo

package testsupport

// Native is false in a build without cgo: no native library is linked.
const Native = false
