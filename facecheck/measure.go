package facecheck

import (
	"fmt"
	"image"
	"math"
)

// Eyes are the centres of the two eyes, in image coordinates. Right is the
// subject's right eye, which is on the image's left in a frontal photo.
type Eyes struct {
	Right, Left [2]float64
}

// EyeCentres returns the centre of each eye: the mean of its six points
// with the 68-point model (36-41 and 42-47), the midpoint of its two
// corners with the 5-point model (2-3 and 0-1).
func EyeCentres(pts []image.Point) (Eyes, error) {
	mean := func(idx ...int) [2]float64 {
		var x, y float64
		for _, i := range idx {
			x += float64(pts[i].X)
			y += float64(pts[i].Y)
		}
		n := float64(len(idx))
		return [2]float64{x / n, y / n}
	}
	switch len(pts) {
	case 68:
		return Eyes{Right: mean(36, 37, 38, 39, 40, 41), Left: mean(42, 43, 44, 45, 46, 47)}, nil
	case 5:
		return Eyes{Right: mean(2, 3), Left: mean(0, 1)}, nil
	}
	return Eyes{}, fmt.Errorf("%w: eye centres need 68 or 5 points, got %d", ErrLandmarks, len(pts))
}

// IPD is the distance between the eye centres, in pixels.
func (e Eyes) IPD() float64 {
	return math.Hypot(e.Left[0]-e.Right[0], e.Left[1]-e.Right[1])
}

// Roll is the angle of the eye line in degrees, from the subject's right eye
// to the left eye. 0 is level. Positive means the line runs downwards in the
// image (y grows downwards): the head is tilted clockwise as seen in the photo.
func (e Eyes) Roll() float64 {
	return math.Atan2(e.Left[1]-e.Right[1], e.Left[0]-e.Right[0]) * 180 / math.Pi
}
