package exif

import (
	"image"

	"github.com/disintegration/imaging"
)

// Apply returns img transformed so that an image stored with orientation o
// is seen upright. Normal and invalid orientations return img itself.
func Apply(img image.Image, o Orientation) image.Image {
	switch o {
	case FlipH:
		return imaging.FlipH(img)
	case Rotate180:
		return imaging.Rotate180(img)
	case FlipV:
		return imaging.FlipV(img)
	case Transpose:
		return imaging.Transpose(img)
	case Rotate90CW:
		return imaging.Rotate270(img) // imaging turns counter-clockwise
	case Transverse:
		return imaging.Transverse(img)
	case Rotate90CCW:
		return imaging.Rotate90(img)
	}
	return img
}
