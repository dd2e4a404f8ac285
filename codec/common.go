package codec

import (
	"errors"
	"image"
	"math"
)

var (
	// ErrUnsupported is returned for images libjpeg-turbo cannot decode to
	// YCbCr planes (CMYK, YCCK, unusual subsampling); decode them another way.
	ErrUnsupported = errors.New("codec: not supported by this decoder")
	// ErrCodec is wrapped by every error a C library reports.
	ErrCodec = errors.New("codec")
)

// Warning is libjpeg's complaint about an image it still decoded, such as
// a premature end of data. The pixels are there but may be corrupt.
type Warning struct{ Msg string }

func (w *Warning) Error() string { return "codec: libjpeg warning: " + w.Msg }

// TurboJPEG's subsampling and colourspace codes.
const (
	samp444, samp422, samp420, sampGray, samp440, samp411 = 0, 1, 2, 3, 4, 5
	csRGB, csYCbCr, csGray                                = 0, 1, 2
)

// JPEGInfo is what a JPEG's header says.
type JPEGInfo struct {
	Width, Height int
	// Planar is true when DecodeJPEG can decode the image (YCbCr or grey
	// with a subsampling image.YCbCr can hold).
	Planar bool
	samp   int
}

var ratios = map[int]image.YCbCrSubsampleRatio{
	samp444: image.YCbCrSubsampleRatio444, samp422: image.YCbCrSubsampleRatio422,
	samp420: image.YCbCrSubsampleRatio420, samp440: image.YCbCrSubsampleRatio440,
	samp411: image.YCbCrSubsampleRatio411,
}

// Scaled is the size of a w x h JPEG decoded at num/8 (rounded up, as
// libjpeg does).
func Scaled(w, h, num int) (int, int) {
	return (w*num + 7) / 8, (h*num + 7) / 8
}

// ScaleFor returns the smallest num (1..8) for which a w x h JPEG decoded
// at num/8 is at least minW x minH: decoding at that scale does the first
// part of a downscale in the DCT domain, for a fraction of the work.
//
// 7/8 is never chosen: its output drifted by up to half a pixel from a
// resampled full decode (5.7 % of pixels off by more than 8 levels after
// the final Lanczos, on a 2100x1400 photo), while the other scales stay
// within 0.1 level of it; 8/8 is used instead.
func ScaleFor(w, h, minW, minH int) int {
	for num := 1; num < 7; num++ {
		sw, sh := Scaled(w, h, num)
		if sw >= minW && sh >= minH {
			return num
		}
	}
	return 8
}

// NumAtLeast returns the smallest scale num (in eighths) that ScaleFor may
// choose with num/8 >= f: 1..6 or 8, never 7 (see ScaleFor).
func NumAtLeast(f float64) int {
	num := max(1, int(math.Ceil(f*8-1e-9)))
	if num >= 7 {
		return 8
	}
	return num
}

// DecodedSize is the number of bytes DecodeJPEG needs in buf for a w x h
// image (the largest layout, 4:4:4).
func DecodedSize(w, h int) int { return 3 * w * h }
