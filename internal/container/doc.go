// Package container holds the tests that keep the repository's Dockerfile
// honest without a container engine: its install steps are the scripts
// make runs, its runtime package list covers what the binary links, and
// the image is set up as documented (non-root, cache volume, health check,
// facegate serve).
package container
