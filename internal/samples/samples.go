// Package samples makes the generated sample and bad-input files that the
// demo and the tests use: a photo stored sideways with an EXIF orientation,
// an oversized photo, truncated files and decompression-bomb headers.
package samples

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"

	"github.com/disintegration/imaging"
	"github.com/facegate/facegate/exif"
)

// WithOrientation stores upright as a JPEG whose pixels are transformed so
// that EXIF orientation o turns them back upright, with that tag in APP1.
func WithOrientation(upright image.Image, o exif.Orientation, quality int) ([]byte, error) {
	var stored image.Image
	switch o {
	case exif.Normal:
		stored = upright
	case exif.FlipH:
		stored = imaging.FlipH(upright)
	case exif.Rotate180:
		stored = imaging.Rotate180(upright)
	case exif.FlipV:
		stored = imaging.FlipV(upright)
	case exif.Transpose:
		stored = imaging.Transpose(upright)
	case exif.Rotate90CW: // stored turned 90 degrees counter-clockwise
		stored = imaging.Rotate90(upright)
	case exif.Transverse:
		stored = imaging.Transverse(upright)
	case exif.Rotate90CCW:
		stored = imaging.Rotate270(upright)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, stored, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return InsertAPP1(buf.Bytes(), OrientationTIFF(o)), nil
}

// OrientationTIFF is a little-endian TIFF block whose IFD0 holds only the
// Orientation tag.
func OrientationTIFF(o exif.Orientation) []byte {
	b := []byte("II*\x00\x08\x00\x00\x00\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, 0x0112)
	b = binary.LittleEndian.AppendUint16(b, 3) // SHORT
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint16(b, uint16(o))
	b = append(b, 0, 0, 0, 0, 0, 0) // value padding, no next IFD
	return b
}

// InsertAPP1 puts an EXIF APP1 segment holding tiff right after SOI.
func InsertAPP1(jpg, tiff []byte) []byte {
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// JPEGBomb is a JPEG header declaring w x h pixels, with no data behind it.
func JPEGBomb(w, h int) []byte {
	b := []byte{0xFF, 0xD8}
	b = append(b, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0) // APP0 JFIF
	// DQT with one all-ones table, so a decoder gets as far as the frame.
	b = append(b, 0xFF, 0xDB, 0x00, 0x43, 0x00)
	b = append(b, bytes.Repeat([]byte{1}, 64)...)
	b = append(b, 0xFF, 0xC0, 0x00, 0x11, 0x08, byte(h>>8), byte(h), byte(w>>8), byte(w), 0x03,
		0x01, 0x22, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00)
	return b
}

// PNGBomb is a PNG header declaring w x h RGBA pixels, with one tiny IDAT.
func PNGBomb(w, h int) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	b = chunk(b, "IHDR", ihdr)
	b = chunk(b, "IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	return chunk(b, "IEND", nil)
}

func chunk(b []byte, typ string, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

// Upscaled encodes img scaled to w x h as a JPEG at quality q.
func Upscaled(img image.Image, w, h, q int) ([]byte, error) {
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, imaging.Resize(img, w, h, imaging.Lanczos), &jpeg.Options{Quality: q})
	return buf.Bytes(), err
}

// PNG encodes img as PNG.
func PNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	err := png.Encode(&buf, img)
	return buf.Bytes(), err
}

// InsertPNGChunk puts a chunk right after a PNG's IHDR.
func InsertPNGChunk(p []byte, typ string, data []byte) []byte {
	const afterIHDR = 8 + 8 + 13 + 4
	out := append([]byte{}, p[:afterIHDR]...)
	out = chunk(out, typ, data)
	return append(out, p[afterIHDR:]...)
}

// MustDecode decodes an image the tests made or ship, panicking on error.
func MustDecode(b []byte) image.Image {
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		panic(err)
	}
	return img
}

// OrientationSize is the upright size of the orientation fixtures: wide,
// so each of the eight orientations stores a different picture, and at
// least 480 px on each side, so the document profile passes it.
var OrientationSize = image.Pt(640, 480)

// OrientationUpright is the picture the orientation fixtures hold, upright:
// four flat quadrants, red top left, green top right, blue bottom left,
// yellow bottom right, which no flip or turn maps onto themselves.
func OrientationUpright() *image.RGBA {
	w, h := OrientationSize.X, OrientationSize.Y
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, OrientationColour(x >= w/2, y >= h/2))
		}
	}
	return img
}

// OrientationColour is the quadrant's colour in OrientationUpright.
func OrientationColour(right, bottom bool) color.RGBA {
	switch {
	case !right && !bottom:
		return color.RGBA{220, 30, 30, 255}
	case right && !bottom:
		return color.RGBA{30, 200, 40, 255}
	case !right && bottom:
		return color.RGBA{30, 40, 220, 255}
	}
	return color.RGBA{230, 220, 30, 255}
}

// OrientationFixture is testdata/orientation/orientation_O.jpg: the
// upright picture stored with EXIF orientation o (Go's JPEG encoder at
// quality 90, the same bytes on every machine).
func OrientationFixture(o exif.Orientation) ([]byte, error) {
	return WithOrientation(OrientationUpright(), o, 90)
}
