// Package cmem bounds the C heap of the native libraries (libjpeg-turbo,
// libheif, dlib, ONNX Runtime) under glibc: how many malloc arenas it may
// make, and giving freed memory back to the kernel. glibc gives each
// thread that meets contention an arena of its own (up to 8 per core) and
// keeps their freed pages: after bursts of large images a service's
// resident set stays at its peak. Elsewhere (no cgo, not Linux) the calls
// do nothing.
package cmem
