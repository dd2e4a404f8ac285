// Package testsupport holds what facegate's tests share and nothing ships:
// the shared photo corpus (CorpusDir, CorpusPath, Manifest), whether this
// build links the native libraries (Native, RequireNative), and the tests
// that keep the repository's Dockerfile and Kubernetes manifests honest
// without a container engine (its install steps are the scripts make
// runs, its runtime package list covers what the binary links, the image
// is set up as documented, the manifests decode into the Kubernetes API
// types).
package testsupport
