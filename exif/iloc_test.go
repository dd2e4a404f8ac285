package exif

import (
	"encoding/binary"
	"testing"
)

func bmffBox(typ string, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	return append(append(b, typ...), body...)
}

// hostileILOC is a HEIF whose iloc lists 6000 items of 65535 extents each
// whose fields take no bytes (sizes 0, or sizes iloc does not define):
// a reader that loops over the extents does 393 million steps for 48 kB.
func hostileILOC(sizes byte) []byte {
	infe := bmffBox("infe", append([]byte{2, 0, 0, 0, 0, 1, 0, 0}, "mime\x00application/rdf+xml\x00"...))
	iinf := bmffBox("iinf", append([]byte{0, 0, 0, 0, 0, 1}, infe...))
	iloc := []byte{1, 0, 0, 0, sizes, sizes, 0xff, 0xff}
	for i := 0; i < 6000; i++ {
		iloc = append(iloc, 0, 2, 0, 0, 0, 0, 0xff, 0xff)
	}
	meta := bmffBox("meta", append(append([]byte{0, 0, 0, 0}, iinf...), bmffBox("iloc", iloc)...))
	return append(bmffBox("ftyp", []byte("heic\x00\x00\x00\x00")), meta...)
}

// The extents of an iloc are counted against the bytes that hold them
// (found by fuzzing the provenance reader: such a file took 1.8 s per
// 48 kB before). Both forms are seeds of FuzzParseHEIF.
func TestILOCExtentsBounded(t *testing.T) {
	for _, sizes := range []byte{0x00, 0x12} {
		b := hostileILOC(sizes)
		if x := HEIFXMP(b); len(x) != 0 {
			t.Errorf("sizes %#x: an XMP item of %d bytes", sizes, len(x))
		}
	}
}
