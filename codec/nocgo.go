//go:build !cgo

package codec

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
)

// ErrNoNative is wrapped by what needs libjpeg-turbo or libheif in a build
// without cgo.
var ErrNoNative = errors.New("codec: built without cgo (no libjpeg-turbo, no libheif)")

// JPEGHeader reads a JPEG's size with image/jpeg. Without cgo no JPEG is
// Planar: DecodeJPEG refuses every one (ErrUnsupported) and callers use
// image/jpeg.
func JPEGHeader(b []byte) (JPEGInfo, error) {
	if len(b) == 0 {
		return JPEGInfo{}, fmt.Errorf("%w: empty data", ErrCodec)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return JPEGInfo{}, fmt.Errorf("%w: header: %v", ErrCodec, err)
	}
	return JPEGInfo{Width: cfg.Width, Height: cfg.Height}, nil
}

// DecodeJPEG needs libjpeg-turbo: without cgo it returns ErrUnsupported,
// so callers decode with image/jpeg at full size.
func DecodeJPEG(b []byte, num int, buf []byte) (image.Image, error) {
	return nil, fmt.Errorf("%w (%w)", ErrUnsupported, ErrNoNative)
}

// EncodeJPEG encodes with image/jpeg (4:2:0, grey for *image.Gray).
func EncodeJPEG(img image.Image, quality int) ([]byte, error) {
	if img.Bounds().Empty() {
		return nil, fmt.Errorf("%w: encode: empty image", ErrCodec)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: min(max(quality, 1), 100)}); err != nil {
		return nil, fmt.Errorf("%w: encode: %v", ErrCodec, err)
	}
	return buf.Bytes(), nil
}

// DecodeHEIF needs libheif: without cgo every HEIF is refused.
func DecodeHEIF(b []byte, maxSide int) (image.Image, error) {
	return nil, fmt.Errorf("%w: heif: %w", ErrCodec, ErrNoNative)
}

// Versions says no native codec is linked.
func Versions() map[string]string {
	return map[string]string{"libjpeg-turbo": "none (built without cgo: image/jpeg)", "libheif": "none (built without cgo)"}
}
