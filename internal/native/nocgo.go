//go:build !cgo

package native

// Available is false in a build without cgo: no native library is linked.
const Available = false
