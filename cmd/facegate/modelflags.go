package main

import (
	"os"

	"github.com/facegate/facegate/models"
	"github.com/facegate/facegate/prevalidate"
	"github.com/spf13/pflag"
)

// modelFlags choose the face detector and where its files are, for every
// command that finds faces.
type modelFlags struct {
	detector  string
	landmarks string
	noVerify  bool
	blazeFace string
	runtime   string
	surface   string
	recapture string
	// secondLook: with BlazeFace, search again with dlib's HOG detector
	// when BlazeFace finds no face.
	secondLook bool
}

func (m *modelFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&m.detector, "detector", prevalidate.DetectorBlazeFace, "face detector: blazeface (BlazeFace keypoints on ONNX Runtime, then dlib's landmarks) or hog (dlib only)")
	fs.StringVar(&m.landmarks, "landmark-model", "", "landmark model file (68- or 5-point); default: $FACEGATE_MODELS, ./models, /usr/share/dlib")
	fs.BoolVar(&m.noVerify, "skip-model-check", false, "do not check the model files' SHA-256 (needed for a 5-point landmark model)")
	fs.StringVar(&m.blazeFace, "detector-model", "", "BlazeFace ONNX model; default: "+models.BlazeFace256.File+" in $FACEGATE_MODELS, ./models or third_party/models")
	fs.StringVar(&m.surface, "surface-model", "", "face-surface model (what covers a face, whether it is a person's); default: $FACEGATE_SURFACE, else the one built into facegate")
	fs.StringVar(&m.recapture, "recapture-model", "", "re-capture model (a photo of a print or a screen?); default: $FACEGATE_RECAPTURE, else the one built into facegate")
	fs.BoolVar(&m.secondLook, "second-look", true, "with --detector blazeface, search an image in which BlazeFace finds no face again with dlib's HOG detector (it finds some faces near the minimum size that BlazeFace misses; about a quarter of a run's time on faceless photos); --second-look=false skips it")
	fs.StringVar(&m.runtime, "onnxruntime", "", "ONNX Runtime 1.24 library; default: $FACEGATE_ONNXRUNTIME, then "+models.ONNXRuntime.File+" in $FACEGATE_MODELS, ./models or third_party/lib")
}

// options are the analyzer's options from the flags and the environment:
// FACEGATE_MODELS (a folder of models), FACEGATE_ONNXRUNTIME (the runtime
// library, when --onnxruntime is not given), FACEGATE_SURFACE (the
// face-surface model, when --surface-model is not given), FACEGATE_RECAPTURE
// (the re-capture model, when --recapture-model is not given) and FACEGATE_CACHE (where
// parsed models and verified digests are kept; "off" for nowhere).
func (m *modelFlags) options() *prevalidate.AnalyzerOptions {
	dir := os.Getenv(models.EnvVar)
	runtime := m.runtime
	if runtime == "" {
		runtime = os.Getenv(models.ONNXRuntime.Env)
	}
	surface := m.surface
	if surface == "" {
		surface = os.Getenv(models.FaceSurface.Env)
	}
	recapture := m.recapture
	if recapture == "" {
		recapture = os.Getenv(models.Recapture.Env)
	}
	return &prevalidate.AnalyzerOptions{
		Surface:   models.Options{Path: surface, SkipVerify: m.noVerify},
		Recapture: models.Options{Path: recapture, SkipVerify: m.noVerify},
		Detector:  m.detector,
		Landmarks: models.Options{Path: m.landmarks, Dir: dir, SkipVerify: m.noVerify},
		BlazeFace: models.Options{Path: m.blazeFace, Dir: dir, SkipVerify: m.noVerify},
		Runtime:   models.Options{Path: runtime, Dir: dir, SkipVerify: m.noVerify},
		Cache:     os.Getenv("FACEGATE_CACHE"),

		NoSecondLook: !m.secondLook,
	}
}
