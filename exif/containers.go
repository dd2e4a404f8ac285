package exif

import (
	"bytes"
	"encoding/binary"
)

var exifPrefix = []byte("Exif\x00\x00")

// FromJPEG finds the first APP1 segment that holds EXIF (it may follow an
// XMP APP1) and parses it. It stops at the first scan: metadata after the
// pixels is not EXIF. No EXIF is not an error: Info{Orientation: Normal}.
func FromJPEG(b []byte) (Info, error) {
	none := Info{Orientation: Normal}
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return none, malformed("not a JPEG stream")
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return none, nil // lost sync before the scan: no more markers to read
		}
		marker := b[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) {
			i += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return none, nil
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return none, nil // truncated header: the decoder will say so
		}
		payload := b[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(payload, exifPrefix) {
			return ParseTIFF(payload[len(exifPrefix):])
		}
		i += 2 + n
	}
	return none, nil
}

// FromPNG parses the eXIf chunk of a PNG stream, if there is one.
func FromPNG(b []byte) (Info, error) {
	none := Info{Orientation: Normal}
	const sig = "\x89PNG\r\n\x1a\n"
	if len(b) < len(sig) || string(b[:len(sig)]) != sig {
		return none, malformed("not a PNG stream")
	}
	i := len(sig)
	for i+8 <= len(b) {
		n := uint64(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		end := uint64(i) + 8 + n + 4 // length, type, data, CRC
		if end > uint64(len(b)) {
			return none, nil
		}
		if typ == "eXIf" {
			data := b[i+8 : uint64(i)+8+n]
			return ParseTIFF(bytes.TrimPrefix(data, exifPrefix))
		}
		if typ == "IEND" {
			break
		}
		i = int(end)
	}
	return none, nil
}

// FromWebP parses the EXIF chunk of a RIFF/WebP stream, if there is one.
func FromWebP(b []byte) (Info, error) {
	none := Info{Orientation: Normal}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return none, malformed("not a WebP stream")
	}
	i := uint64(12)
	for i+8 <= uint64(len(b)) {
		fourcc := string(b[i : i+4])
		n := uint64(binary.LittleEndian.Uint32(b[i+4:]))
		if i+8+n > uint64(len(b)) {
			return none, nil
		}
		if fourcc == "EXIF" {
			return ParseTIFF(bytes.TrimPrefix(b[i+8:i+8+n], exifPrefix))
		}
		i += 8 + n + n&1 // chunks are padded to an even size
	}
	return none, nil
}
