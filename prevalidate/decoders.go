package prevalidate

import (
	"bytes"
	"errors"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/facegate/facegate/codec"
	"github.com/facegate/facegate/exif"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// header is what a format's header says, read without decoding pixels.
type header struct {
	Width, Height int // as the decoder will return them
	Meta          exif.Info
	MetaErr       error
}

// decoder reads one format. decode returns the pixels at num/8 of the
// header's size when the format can (scalable), with the num it used, and
// may put them in buf. Upright is true when its pixels come out already
// upright (the container's rotation applied), so the EXIF orientation must
// not be applied again.
type decoder struct {
	header   func(b []byte) (header, error)
	decode   func(b []byte, num int, buf []byte) (image.Image, int, error)
	scalable bool
	upright  bool
}

func stdHeader(config func(io.Reader) (image.Config, error), meta func([]byte) (exif.Info, error)) func([]byte) (header, error) {
	return func(b []byte) (header, error) {
		cfg, err := config(bytes.NewReader(b))
		if err != nil {
			return header{}, err
		}
		h := header{Width: cfg.Width, Height: cfg.Height, Meta: exif.Info{Orientation: exif.Normal}}
		if meta != nil {
			h.Meta, h.MetaErr = meta(b)
		}
		return h, nil
	}
}

func decOf(fn func(io.Reader) (image.Image, error)) func([]byte, int, []byte) (image.Image, int, error) {
	return func(b []byte, _ int, _ []byte) (image.Image, int, error) {
		img, err := fn(bytes.NewReader(b))
		return img, 8, err
	}
}

var decoders = map[Format]decoder{
	FormatJPEG: {header: jpegHeader, decode: jpegDecode, scalable: true},
	FormatPNG:  {header: stdHeader(png.DecodeConfig, exif.FromPNG), decode: decOf(png.Decode)},
	FormatGIF:  {header: stdHeader(gif.DecodeConfig, nil), decode: decOf(gif.Decode)},
	FormatWebP: {header: stdHeader(webp.DecodeConfig, exif.FromWebP), decode: decOf(webp.Decode)},
	FormatBMP:  {header: stdHeader(bmp.DecodeConfig, nil), decode: decOf(bmp.Decode)},
	FormatTIFF: {header: stdHeader(tiff.DecodeConfig, exif.ParseTIFF), decode: decOf(tiff.Decode)},
	FormatHEIF: {header: heifHeader, decode: heifDecode, upright: true},
}

// heifHeader reads the size from the container's boxes; the decoder
// applies irot, so the upright size is what it will return.
func heifHeader(b []byte) (header, error) {
	h, err := exif.ParseHEIF(b)
	if err != nil {
		return header{}, err
	}
	w, ht := h.UprightSize()
	return header{Width: w, Height: ht, Meta: h.Exif, MetaErr: h.ExifErr}, nil
}

// jpegHeader reads the size with libjpeg-turbo, which also reads what
// image/jpeg does not (arithmetic coding); image/jpeg is asked when it
// cannot.
func jpegHeader(b []byte) (header, error) {
	info, err := codec.JPEGHeader(b)
	if err != nil {
		cfg, goErr := jpeg.DecodeConfig(bytes.NewReader(b))
		if goErr != nil {
			return header{}, err
		}
		info.Width, info.Height = cfg.Width, cfg.Height
	}
	h := header{Width: info.Width, Height: info.Height}
	h.Meta, h.MetaErr = exif.FromJPEG(b)
	return h, nil
}

// jpegDecode decodes with libjpeg-turbo at num/8, straight to YCbCr. CMYK
// and other layouts it cannot give as planes go to image/jpeg at full
// size, and so do files libjpeg decoded with a warning (such as missing
// data at the end): image/jpeg's stricter reading decides those.
func jpegDecode(b []byte, num int, buf []byte) (image.Image, int, error) {
	img, err := codec.DecodeJPEG(b, num, buf)
	var warn *codec.Warning
	if errors.Is(err, codec.ErrUnsupported) || errors.As(err, &warn) {
		img, err := jpeg.Decode(bytes.NewReader(b))
		return img, 8, err
	}
	return img, num, err
}

// heifDecode decodes with libheif (rotation and mirroring applied).
func heifDecode(b []byte, _ int, _ []byte) (image.Image, int, error) {
	img, err := codec.DecodeHEIF(b, 0)
	return img, 8, err
}
