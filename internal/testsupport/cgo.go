//go:build cgo

package testsupport

// Native is true in a build with cgo, which links the native libraries.
const Native = true
