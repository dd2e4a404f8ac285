// Package facecheck finds and measures faces: MediaPipe's BlazeFace (an
// ONNX model run by ONNX Runtime) finds each face and its eye keypoints,
// and dlib's 68-point landmark model is fitted on the face turned upright;
// dlib's HOG detector is the other way to find faces.
//
// The cgo part is a C ABI of a few functions (dlib.h): a detector handle,
// detect, a landmark predictor handle, landmarks, and free. No C++
// exception crosses it; each becomes an error wrapping ErrDlib. ONNX
// Runtime is loaded at run time (LoadRuntime) through onnxruntime_go; its
// errors wrap ErrRuntime.
//
// Analyzer is the entry point. NewKeypointAnalyzer's searches the whole
// image letterboxed into BlazeFace's 256 px input (then the turned copies
// and tiles when that finds nothing, see Find), reads each face again on
// the view that shows it upright when its reading may be wrong, places the
// box dlib's predictor expects from the keypoints, fits the landmarks on
// the face turned upright and turns them back. NewAnalyzer's detects with
// HOG on a grey copy shrunk so that a face of FindOptions.MinFace is still
// above dlib's 80 px window, retrying at larger scales when nothing is
// found. Both measure each face the same way (Measure): eye centres, IPD,
// a size that does not jump with a detector's box, and the pose
// (EstimatePose).
//
// The landmark model is large and read-only: load one Predictor per process
// and share it. Detectors and ONNX Runtime sessions hold scratch state; an
// Analyzer keeps a pool of them, so one Analyzer serves any number of
// goroutines.
//
// SurfaceModel reads what covers a face and whether it is a person's: on
// the face's aligned crop (CropOf), facegate's face-surface model gives an
// occlusion map and a human-face score, and Cover holds the covered share
// of each Region (eyes, nose, mouth, lower face, forehead) measured on it.
// An Analyzer given one (SetSurface) reads it with MeasureSurface; with
// SetSecondLook, it searches with dlib's HOG detector when BlazeFace finds
// no face.
//
// RecaptureModel reads whether a face is live or a print or a screen
// photographed: two MiniFASNet networks on crops of the face and its
// surroundings (RecaptureBox, grown 2.7 and 4 times), advisory. An
// Analyzer given one (SetRecapture) reads it with MeasureRecapture.
//
// Nothing here knows about Progeny's rules; package prevalidate judges the
// measurements.
package facecheck
