package facecheck

import (
	"errors"
	"fmt"
	"image"
)

// ErrUnavailable is wrapped by every error of a build without cgo, which
// has neither dlib nor ONNX Runtime: faces cannot be found or measured.
var ErrUnavailable = errors.New("face finding unavailable: facegate was built without cgo (no dlib, no ONNX Runtime)")

// ErrDlib is wrapped by every error that dlib reports.
var ErrDlib = errors.New("dlib")

// Detection is one face found by a detector: the box dlib's landmark
// predictor is fitted in.
type Detection struct {
	Box   image.Rectangle
	Score float64
	// Roll is the face's angle in the image, in degrees (Pose's sign),
	// when the detector knows it: the box is fitted turned upright. The
	// HOG detector leaves it 0.
	Roll float64
	// Keys is the keypoint detector's reading of the face, nil from HOG.
	Keys *KeyFace
}

// maxFaces bounds how many detections are copied out.
const maxFaces = 256

func checkGray(img *image.Gray) error {
	if img == nil || img.Bounds().Dx() < 2 || img.Bounds().Dy() < 2 || len(img.Pix) == 0 {
		return fmt.Errorf("%w: invalid image: need at least 2x2 pixels", ErrDlib)
	}
	return nil
}
