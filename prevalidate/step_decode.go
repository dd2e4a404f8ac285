package prevalidate

import (
	"context"
	"fmt"
	"image"
)

// stepDecode decodes the pixels once. A decoder error or panic makes the
// image unreadable, never the caller's error.
func stepDecode(_ context.Context, s *state) (bool, error) {
	img, err := safeDecode(s.dec, s.data)
	if err != nil {
		s.m.ReadError = fmt.Sprintf("cannot decode the %s data: %v", s.m.Format, err)
		return true, nil
	}
	b := img.Bounds()
	if b.Dx() != s.hdr.Width || b.Dy() != s.hdr.Height {
		s.m.ReadError = fmt.Sprintf("decoded %dx%d, but the header says %dx%d", b.Dx(), b.Dy(), s.hdr.Width, s.hdr.Height)
		return true, nil
	}
	s.img = img
	s.m.Decoded = true
	return false, nil
}

func safeDecode(dec decoder, data []byte) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("decoder panicked: %v", r)
		}
	}()
	return dec.decode(data)
}
