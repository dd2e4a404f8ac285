package prevalidate

import (
	"context"

	"github.com/facegate/facegate/exif"
)

// stepOrient turns the pixels upright, unless the decoder already did.
func stepOrient(_ context.Context, s *state) (bool, error) {
	if !s.dec.upright {
		s.img = exif.Apply(s.img, exif.Orientation(s.m.Orientation))
	}
	return false, nil
}
