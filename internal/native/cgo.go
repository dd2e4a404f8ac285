//go:build cgo

package native

// Available is true in a build with cgo, which links the native libraries.
const Available = true
