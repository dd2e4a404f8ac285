package prevalidate

import (
	"image"

	"github.com/facegate/facegate/exif"
)

// orient applies the EXIF orientation to a new decode, then the quarter
// turns of s.turn. A new image is made, so the decode buffer is free
// again.
func (s *state) orient() {
	img := s.img
	if !s.dec.upright && s.m.Orientation != int(exif.Normal) {
		img = exif.Apply(img, exif.Orientation(s.m.Orientation))
	}
	s.replaceImage(exif.Apply(img, quarterTurns(s.turn)))
}

// replaceImage makes img the working image; the decode buffer is handed
// back when img is a new one.
func (s *state) replaceImage(img image.Image) {
	if img != s.img {
		putPix(s.pix)
		s.pix = nil
	}
	s.img = img
}

// turnBy turns the oriented image by q more quarter turns clockwise, and
// every later decode with it; the measurements of the input follow (size
// and faces), so Fix plans on the picture it will write.
func (s *state) turnBy(q int) {
	q &= 3
	if q == 0 {
		return
	}
	s.replaceImage(exif.Apply(s.img, quarterTurns(q)))
	s.turn = (s.turn + q) & 3
	W, H := s.m.Width, s.m.Height
	for i := range s.m.Faces {
		s.m.Faces[i] = s.m.Faces[i].Turned(q, W, H)
	}
	if q&1 == 1 {
		s.m.Width, s.m.Height = H, W
	}
	s.m.Turn = (s.m.Turn + q) & 3
}

// quarterTurns is the EXIF orientation whose correction turns an image
// by q quarter turns clockwise.
func quarterTurns(q int) exif.Orientation {
	switch q & 3 {
	case 1:
		return exif.Rotate90CW
	case 2:
		return exif.Rotate180
	case 3:
		return exif.Rotate90CCW
	}
	return exif.Normal
}
