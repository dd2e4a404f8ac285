// Package quality measures what makes a face photo fail for reasons other
// than geometry: blur, exposure, JPEG compression and closed eyes. Each
// measure is cheap (a few milliseconds at the output size) and returns a
// number, so that a data set can be summarised, not only passed or failed.
// The thresholds that turn the numbers into rules live in package
// prevalidate; docs/quality.md says how they were chosen.
package quality
