package prevalidate

import (
	"bytes"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/facegate/facegate/exif"
	"github.com/gen2brain/heic"
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

// decoder reads one format. Upright is true when its pixels come out
// already upright (the container's rotation applied), so the EXIF
// orientation must not be applied again.
type decoder struct {
	header  func(b []byte) (header, error)
	decode  func(b []byte) (image.Image, error)
	upright bool
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

func decOf(fn func(io.Reader) (image.Image, error)) func([]byte) (image.Image, error) {
	return func(b []byte) (image.Image, error) { return fn(bytes.NewReader(b)) }
}

var decoders = map[Format]decoder{
	FormatJPEG: {header: stdHeader(jpeg.DecodeConfig, exif.FromJPEG), decode: decOf(jpeg.Decode)},
	FormatPNG:  {header: stdHeader(png.DecodeConfig, exif.FromPNG), decode: decOf(png.Decode)},
	FormatGIF:  {header: stdHeader(gif.DecodeConfig, nil), decode: decOf(gif.Decode)},
	FormatWebP: {header: stdHeader(webp.DecodeConfig, exif.FromWebP), decode: decOf(webp.Decode)},
	FormatBMP:  {header: stdHeader(bmp.DecodeConfig, nil), decode: decOf(bmp.Decode)},
	FormatTIFF: {header: stdHeader(tiff.DecodeConfig, exif.ParseTIFF), decode: decOf(tiff.Decode)},
	FormatHEIF: {header: heifHeader, decode: decOf(heic.Decode), upright: true},
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
