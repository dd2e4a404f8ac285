// Package bmff splits ISO base media file format boxes (HEIF, AVIF, and
// the JUMBF boxes C2PA keeps its manifests in): a 32-bit size, a four-
// character type, a 64-bit size when the first is 1; size 0 runs to the
// end. Every size is checked against the bytes that hold it.
package bmff

import (
	"encoding/binary"
	"fmt"
)

// Each calls fn for each box in b (a sequence of sibling boxes) with its
// type and body, until fn returns false. A box that runs past b, or whose
// header is cut short, is an error; the boxes before it were given to fn.
func Each(b []byte, fn func(typ string, body []byte) bool) error {
	for len(b) >= 8 {
		size := uint64(binary.BigEndian.Uint32(b))
		typ := string(b[4:8])
		hdr := uint64(8)
		switch size {
		case 0:
			size = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return fmt.Errorf("box %q truncated", typ)
			}
			size, hdr = binary.BigEndian.Uint64(b[8:]), 16
		}
		if size < hdr || size > uint64(len(b)) {
			return fmt.Errorf("box %q of %d bytes does not fit in %d", typ, size, len(b))
		}
		if !fn(typ, b[hdr:size]) {
			return nil
		}
		b = b[size:]
	}
	return nil
}
