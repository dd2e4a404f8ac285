package prevalidate

import (
	"context"
	"fmt"
	"image"
	"sync"

	"github.com/facegate/facegate/codec"
	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/resize"
)

// workFaceFloor is the smallest size, in pixels of the decoded image, that
// a face of the profile's minimum size may have: enough for the detector
// (its window is 80 px) and for landmarks.
const workFaceFloor = 84

// stepDecode decodes the pixels once, at the scale stepPlan chose. A
// decoder error or panic makes the image unreadable, never the caller's
// error.
func stepDecode(_ context.Context, s *state) (bool, error) {
	if err := s.decodeAt(s.planNum); err != nil {
		s.m.ReadError = err.Error()
		return true, nil
	}
	s.m.Decoded = true
	return false, nil
}

// decodeAt decodes at num/8 (or full size, when the format cannot scale)
// into s.img and s.num, replacing what was there, and turns the pixels
// upright: the EXIF orientation (unless the decoder applied it), then
// s.turn. It is the one decode of the pipeline, which decode, refine and
// (for keep's full size) fix call.
func (s *state) decodeAt(num int) error {
	if !s.dec.scalable {
		num = 8
	}
	var buf []byte
	if s.dec.scalable {
		buf = getPix(codec.DecodedSize(codec.Scaled(s.hdr.Width, s.hdr.Height, num)))
	}
	img, got, err := safeDecode(s.dec, s.data, num, buf)
	if err != nil {
		putPix(buf)
		return fmt.Errorf("cannot decode the %s data: %v", s.m.Format, err)
	}
	if got != num {
		putPix(buf) // another decoder's pixels; buf was not used
		buf = nil
	}
	ww, wh := codec.Scaled(s.hdr.Width, s.hdr.Height, got)
	if b := img.Bounds(); b.Dx() != ww || b.Dy() != wh {
		putPix(buf)
		return fmt.Errorf("decoded %dx%d, but the header says %dx%d", b.Dx(), b.Dy(), ww, wh)
	}
	s.releasePix()
	s.pix, s.img, s.num = buf, img, got
	s.orient()
	return nil
}

// workNum is the JPEG scale, in eighths, to decode at: the smallest whose
// pixels still cover the output Fix would make, and on which a face of
// the minimum size keeps workFaceFloor pixels. The face rules judge the
// input's pixels, so faces are measured there and scaled back.
func (s *state) workNum() int {
	if !s.dec.scalable || s.opts.FullDecode {
		return 8
	}
	W, H := s.m.Width, s.m.Height // upright
	w, h := resize.Plan(W, H, s.lim.size)
	if exif.Orientation(s.m.Orientation).SwapsAxes() {
		w, h = h, w
	}
	num := codec.ScaleFor(s.hdr.Width, s.hdr.Height, w, h)
	if s.lim.hasFaces {
		minFace := s.lim.faceSize.v
		if !s.lim.faceSize.ok || minFace <= 0 {
			return 8
		}
		num = max(num, codec.NumAtLeast(workFaceFloor/minFace))
	}
	return num
}

func safeDecode(dec decoder, data []byte, num int, buf []byte) (img image.Image, got int, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("decoder panicked: %v", r)
		}
	}()
	return dec.decode(data, num, buf)
}

// pixPool keeps decode buffers for the next image, so a worker does not
// allocate (and the collector does not sweep) megabytes per photo.
var pixPool sync.Pool

func getPix(n int) []byte {
	if p, ok := pixPool.Get().(*[]byte); ok {
		if cap(*p) >= n {
			return (*p)[:n]
		}
		pixPool.Put(p)
	}
	return make([]byte, n)
}

func putPix(b []byte) {
	if cap(b) > 0 {
		pixPool.Put(&b)
	}
}

// releasePix hands the decode buffer back once nothing reads it.
func (s *state) releasePix() {
	putPix(s.pix)
	s.pix, s.img = nil, nil
}

// DecodeUpright decodes an image's bytes upright, reduced towards height
// h where the format allows it (a JPEG in the DCT domain), through the
// pipeline's own decoders and header checks: the pixel limit (maxPixels;
// 0 = the default) is checked from the header first, and a decoder's
// panic is an error. For pictures of an image, such as a report's
// thumbnails; it judges nothing.
func DecodeUpright(data []byte, h int, maxPixels int64) (image.Image, error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	var m Measurements
	dec, hdr, ok := measureHeader(data, &m, maxPixels)
	if !ok {
		if m.OverLimit != "" {
			return nil, fmt.Errorf("%s", m.OverLimit)
		}
		return nil, fmt.Errorf("%s", m.ReadError)
	}
	num := 8
	if dec.scalable && h > 0 {
		num = codec.ScaleFor(hdr.Width, hdr.Height, h, h)
	}
	img, _, err := safeDecode(dec, data, num, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot decode the %s data: %v", m.Format, err)
	}
	if !dec.upright && m.Orientation != int(exif.Normal) {
		img = exif.Apply(img, exif.Orientation(m.Orientation))
	}
	return img, nil
}
