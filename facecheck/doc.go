// Package facecheck finds faces and their landmarks with dlib, through a C
// ABI of a few functions (dlib.h): a detector handle, detect, a landmark
// predictor handle, landmarks, and free. No C++ exception crosses it; each
// becomes an error wrapping ErrDlib.
//
// The landmark model is large and read-only: load one Predictor per process
// and share it. Detectors hold scratch state: use one per goroutine.
package facecheck
