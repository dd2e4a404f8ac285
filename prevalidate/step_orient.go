package prevalidate

import (
	"context"

	"github.com/facegate/facegate/exif"
)

// stepOrient turns the pixels upright, unless the decoder already did.
func stepOrient(_ context.Context, s *state) (bool, error) {
	s.orient()
	return false, nil
}

// orient applies the EXIF orientation once to the decoded image. A new
// image is made, so the decode buffer is free again.
func (s *state) orient() {
	if s.oriented {
		return
	}
	s.oriented = true
	if s.dec.upright || s.m.Orientation == int(exif.Normal) {
		return
	}
	img := exif.Apply(s.img, exif.Orientation(s.m.Orientation))
	if img != s.img {
		putPix(s.pix)
		s.pix = nil
	}
	s.img = img
}
