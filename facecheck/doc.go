// Package facecheck finds and measures faces with dlib.
//
// The cgo part is a C ABI of a few functions (dlib.h): a detector handle,
// detect, a landmark predictor handle, landmarks, and free. No C++
// exception crosses it; each becomes an error wrapping ErrDlib.
//
// Analyzer is the entry point: it detects on a grey copy shrunk so that a
// face of FindOptions.MinFace is still above dlib's 80 px window, retries
// at larger scales when nothing is found, then fits the landmarks at full
// resolution and measures each face (Measure): eye centres, IPD, a size
// that does not jump with dlib's pyramid, and the pose (EstimatePose).
//
// The landmark model is large and read-only: load one Predictor per process
// and share it. Detectors hold scratch state; an Analyzer keeps a pool of
// them, so one Analyzer serves any number of goroutines.
//
// Nothing here knows about Progeny's rules; package prevalidate judges the
// measurements.
package facecheck
