// Package exif reads the little of a photo's metadata that pre-validation
// needs: the EXIF orientation, whether privacy-sensitive tags (GPS
// position, camera make, model or serial number) are present, and the
// Software tag (the program that wrote the file). It reads JPEG
// APP1 segments, PNG eXIf chunks, WebP EXIF chunks, HEIF Exif items and bare
// TIFF files, and it applies the eight orientation transforms to pixels.
//
// The reader never follows IFD chains: it looks at IFD0 and at most one hop
// into the GPS and Exif sub-IFDs, with every offset bounds-checked, so a
// malformed or hostile block costs at most a few hundred bounded reads. It
// does not panic on any input.
package exif

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Orientation is the EXIF Orientation tag (0x0112): how the stored pixels
// must be transformed to be seen upright. Valid values are 1..8.
type Orientation uint16

// The eight orientations, named after the transform that makes the stored
// pixels upright.
const (
	Normal      Orientation = 1 // as stored
	FlipH       Orientation = 2 // mirror left-right
	Rotate180   Orientation = 3
	FlipV       Orientation = 4 // mirror top-bottom
	Transpose   Orientation = 5 // mirror along the top-left/bottom-right diagonal
	Rotate90CW  Orientation = 6 // rotate 90 degrees clockwise
	Transverse  Orientation = 7 // mirror along the top-right/bottom-left diagonal
	Rotate90CCW Orientation = 8 // rotate 90 degrees counter-clockwise
)

// Valid reports whether o is one of the eight defined orientations.
func (o Orientation) Valid() bool { return o >= 1 && o <= 8 }

// SwapsAxes reports whether making the image upright swaps width and height.
func (o Orientation) SwapsAxes() bool { return o >= 5 && o <= 8 }

// Info is what was learnt from an image's metadata.
type Info struct {
	// Orientation is the EXIF orientation, or Normal when there is none or it
	// could not be read.
	Orientation Orientation
	// Present is true when an EXIF block was found.
	Present bool
	// GPS is true when the block carries a GPS sub-IFD with entries.
	GPS bool
	// Camera is true when it names the camera (make, model or a serial number).
	Camera bool
	// Tags counts the entries of IFD0 and the sub-IFDs that were read.
	Tags int
	// Software is IFD0's Software tag (0x0131): the program that last
	// wrote the file, as it names itself (at most maxSoftware bytes,
	// printable ASCII; empty when absent).
	Software string
}

// ErrMalformed is wrapped by every error about a metadata block that cannot
// be read. Callers treat such a block as orientation 1.
var ErrMalformed = errors.New("exif: malformed metadata")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// TIFF tags this package looks at.
const (
	tagMake         = 0x010F
	tagModel        = 0x0110
	tagOrientation  = 0x0112
	tagSoftware     = 0x0131
	tagExifIFD      = 0x8769
	tagGPSIFD       = 0x8825
	tagCameraOwner  = 0xA430
	tagBodySerial   = 0xA431
	tagLensSerial   = 0xA435
	maxIFDEntries   = 1024 // more than any camera writes; bounds the work
	maxSoftware     = 128  // longer Software strings are cut
	ifdEntrySize    = 12
	tiffHeaderBytes = 8
)

// ParseTIFF reads a TIFF structure ("II*\x00" or "MM\x00*" first), as found
// in an EXIF block after its "Exif\x00\x00" prefix or as a whole TIFF file.
// On error the returned Info still has Present set and Orientation Normal.
func ParseTIFF(b []byte) (Info, error) {
	info := Info{Orientation: Normal, Present: true}
	if len(b) < tiffHeaderBytes {
		return info, malformed("TIFF header is %d bytes, need 8", len(b))
	}
	var bo binary.ByteOrder
	switch string(b[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return info, malformed("no TIFF byte-order mark")
	}
	r := ifdReader{b: b, bo: bo}
	ifd0 := bo.Uint32(b[4:8])
	var orientation uint32
	var orientationSeen bool
	var exifIFD, gpsIFD uint32
	err := r.each(ifd0, func(tag, typ uint16, count uint32, value []byte) {
		info.Tags++
		switch tag {
		case tagOrientation:
			orientation, orientationSeen = r.uint(typ, count, value)
		case tagMake, tagModel:
			info.Camera = true
		case tagSoftware:
			info.Software = r.ascii(typ, count, value)
		case tagExifIFD:
			exifIFD, _ = r.uint(typ, count, value)
		case tagGPSIFD:
			gpsIFD, _ = r.uint(typ, count, value)
		}
	})
	if err != nil {
		return info, fmt.Errorf("IFD0: %w", err)
	}
	// One hop into each sub-IFD, never further: no chain, so no loop.
	if gpsIFD != 0 {
		n := 0
		if err := r.each(gpsIFD, func(uint16, uint16, uint32, []byte) { n++ }); err == nil && n > 0 {
			info.GPS = true
			info.Tags += n
		}
	}
	if exifIFD != 0 {
		_ = r.each(exifIFD, func(tag, _ uint16, _ uint32, _ []byte) {
			info.Tags++
			if tag == tagBodySerial || tag == tagLensSerial || tag == tagCameraOwner {
				info.Camera = true
			}
		})
	}
	if orientationSeen {
		o := Orientation(orientation)
		if !o.Valid() {
			return info, malformed("orientation value %d is not 1..8", orientation)
		}
		info.Orientation = o
	}
	return info, nil
}

type ifdReader struct {
	b  []byte
	bo binary.ByteOrder
}

// each calls fn for every entry of the IFD at off. value is the entry's
// 4-byte value field (the value itself when it fits, else an offset).
func (r ifdReader) each(off uint32, fn func(tag, typ uint16, count uint32, value []byte)) error {
	if off < tiffHeaderBytes || uint64(off)+2 > uint64(len(r.b)) {
		return malformed("IFD offset %d outside the %d-byte block", off, len(r.b))
	}
	n := uint64(r.bo.Uint16(r.b[off:]))
	if n > maxIFDEntries {
		return malformed("IFD claims %d entries", n)
	}
	start := uint64(off) + 2
	if start+n*ifdEntrySize > uint64(len(r.b)) {
		return malformed("IFD at %d with %d entries runs past the block end", off, n)
	}
	for i := uint64(0); i < n; i++ {
		e := r.b[start+i*ifdEntrySize : start+(i+1)*ifdEntrySize]
		fn(r.bo.Uint16(e[0:2]), r.bo.Uint16(e[2:4]), r.bo.Uint32(e[4:8]), e[8:12])
	}
	return nil
}

// ascii reads an ASCII entry (type 2): inline when it fits in four bytes,
// else at its offset, bounds-checked. It stops at the first NUL, keeps
// printable ASCII only (anything else becomes '?'), trims spaces and cuts
// at maxSoftware bytes.
func (r ifdReader) ascii(typ uint16, count uint32, value []byte) string {
	if typ != 2 || count == 0 {
		return ""
	}
	var raw []byte
	if count <= 4 {
		raw = value[:count]
	} else {
		off := uint64(r.bo.Uint32(value))
		if off+uint64(count) > uint64(len(r.b)) {
			return ""
		}
		raw = r.b[off : off+uint64(count)]
	}
	if i := bytes.IndexByte(raw, 0); i >= 0 {
		raw = raw[:i]
	}
	if len(raw) > maxSoftware {
		raw = raw[:maxSoftware]
	}
	out := make([]byte, len(raw))
	for i, c := range raw {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out[i] = c
	}
	return strings.TrimSpace(string(out))
}

// uint reads a single SHORT or LONG stored inline in an entry.
func (r ifdReader) uint(typ uint16, count uint32, value []byte) (uint32, bool) {
	if count < 1 {
		return 0, false
	}
	switch typ {
	case 3: // SHORT
		return uint32(r.bo.Uint16(value)), true
	case 4, 13: // LONG, IFD
		return r.bo.Uint32(value), true
	}
	return 0, false
}
