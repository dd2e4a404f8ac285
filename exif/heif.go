package exif

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/facegate/facegate/internal/bmff"
)

// HEIF is what a HEIF/HEIC container says about its primary image, read from
// its boxes without decoding anything.
type HEIF struct {
	// Width and Height come from the primary item's ispe property: the coded
	// size, before the container's rotation.
	Width, Height int
	// Rotation is the irot property in degrees counter-clockwise (0, 90, 180
	// or 270). Decoders apply it, and the EXIF orientation is then only
	// informational.
	Rotation int
	// Mirror is true when an imir property mirrors the image.
	Mirror bool
	// Exif is the primary image's EXIF item, if any, and ExifErr the error
	// from reading it.
	Exif    Info
	ExifErr error
}

// UprightSize is the size after the container's rotation.
func (h HEIF) UprightSize() (w, ht int) {
	if h.Rotation == 90 || h.Rotation == 270 {
		return h.Height, h.Width
	}
	return h.Width, h.Height
}

// ParseHEIF reads the meta box of an ISO-BMFF HEIF file: the primary item,
// its ispe/irot/imir properties and its Exif item.
func ParseHEIF(b []byte) (HEIF, error) {
	h := HEIF{Exif: Info{Orientation: Normal}}
	var meta []byte
	err := boxes(b, func(typ string, body []byte) bool {
		if typ == "meta" {
			meta = body
			return false
		}
		return true
	})
	if err != nil {
		return h, err
	}
	if len(meta) < 4 {
		return h, malformed("HEIF has no meta box")
	}
	var (
		primary  uint32
		ipco     [][]byte // property boxes, 1-based in ipma
		ipcoType []string
		ipma     []byte
		iinf     []byte
		iloc     []byte
	)
	err = boxes(meta[4:], func(typ string, body []byte) bool {
		switch typ {
		case "pitm":
			if len(body) >= 6 && body[0] == 0 {
				primary = uint32(binary.BigEndian.Uint16(body[4:]))
			} else if len(body) >= 8 {
				primary = binary.BigEndian.Uint32(body[4:])
			}
		case "iinf":
			iinf = body
		case "iloc":
			iloc = body
		case "iprp":
			_ = boxes(body, func(typ string, body []byte) bool {
				switch typ {
				case "ipco":
					_ = boxes(body, func(typ string, body []byte) bool {
						ipco = append(ipco, body)
						ipcoType = append(ipcoType, typ)
						return len(ipco) < 4096
					})
				case "ipma":
					ipma = body
				}
				return true
			})
		}
		return true
	})
	if err != nil {
		return h, err
	}
	for _, idx := range associations(ipma, primary) {
		if idx < 1 || idx > len(ipco) {
			continue
		}
		body := ipco[idx-1]
		switch ipcoType[idx-1] {
		case "ispe":
			if len(body) >= 12 {
				h.Width = int(binary.BigEndian.Uint32(body[4:]))
				h.Height = int(binary.BigEndian.Uint32(body[8:]))
			}
		case "irot":
			if len(body) >= 1 {
				h.Rotation = int(body[0]&3) * 90
			}
		case "imir":
			h.Mirror = true
		}
	}
	if h.Width <= 0 || h.Height <= 0 {
		return h, malformed("HEIF primary item %d has no image size (ispe)", primary)
	}
	if id, ok := exifItem(iinf); ok {
		if data, ok := itemData(b, iloc, id); ok && len(data) >= 4 {
			skip := uint64(binary.BigEndian.Uint32(data))
			if 4+skip <= uint64(len(data)) {
				h.Exif, h.ExifErr = ParseTIFF(data[4+skip:])
			} else {
				h.Exif, h.ExifErr = Info{Orientation: Normal, Present: true}, malformed("Exif item header offset %d past its end", skip)
			}
		}
	}
	return h, nil
}

// boxes calls fn for each box in b (bmff.Each), its error as ErrMalformed.
func boxes(b []byte, fn func(typ string, body []byte) bool) error {
	if err := bmff.Each(b, fn); err != nil {
		return malformed("%v", err)
	}
	return nil
}

// associations lists the 1-based property indices ipma gives an item.
func associations(ipma []byte, item uint32) []int {
	if len(ipma) < 8 {
		return nil
	}
	version, flags := ipma[0], ipma[3]
	n := binary.BigEndian.Uint32(ipma[4:])
	p := ipma[8:]
	for e := uint32(0); e < n && len(p) > 0; e++ {
		var id uint32
		if version < 1 {
			if len(p) < 3 {
				return nil
			}
			id, p = uint32(binary.BigEndian.Uint16(p)), p[2:]
		} else {
			if len(p) < 5 {
				return nil
			}
			id, p = binary.BigEndian.Uint32(p), p[4:]
		}
		count := int(p[0])
		p = p[1:]
		width := 1
		if flags&1 != 0 {
			width = 2
		}
		if len(p) < count*width {
			return nil
		}
		if id == item {
			out := make([]int, count)
			for i := range out {
				if width == 2 {
					out[i] = int(binary.BigEndian.Uint16(p[2*i:]) & 0x7FFF)
				} else {
					out[i] = int(p[i] & 0x7F)
				}
			}
			return out
		}
		p = p[count*width:]
	}
	return nil
}

// exifItem finds the item of type "Exif" in an iinf body.
func exifItem(iinf []byte) (uint32, bool) {
	return findItem(iinf, func(typ string, _ []byte) bool { return typ == "Exif" })
}

// HEIFXMP returns the XMP packet of an ISO-BMFF HEIF/AVIF file in b: the
// bytes of its meta box's item of type "mime" whose content type is
// application/rdf+xml, when stored as one extent. nil when there is none
// or the boxes cannot be read.
func HEIFXMP(b []byte) []byte {
	var meta []byte
	if boxes(b, func(typ string, body []byte) bool {
		if typ == "meta" {
			meta = body
			return false
		}
		return true
	}) != nil || len(meta) < 4 {
		return nil
	}
	var iinf, iloc []byte
	_ = boxes(meta[4:], func(typ string, body []byte) bool {
		switch typ {
		case "iinf":
			iinf = body
		case "iloc":
			iloc = body
		}
		return true
	})
	id, ok := findItem(iinf, func(typ string, rest []byte) bool {
		if typ != "mime" {
			return false
		}
		// item_name NUL, content_type NUL
		_, ct, ok := bytes.Cut(rest, []byte{0})
		if !ok {
			return false
		}
		ct, _, _ = bytes.Cut(ct, []byte{0})
		return string(ct) == "application/rdf+xml"
	})
	if !ok || iloc == nil {
		return nil
	}
	data, ok := itemData(b, iloc, id)
	if !ok {
		return nil
	}
	return data
}

// findItem finds the first item in an iinf body whose infe (version 2 or
// 3) matches: by its type and the bytes after it.
func findItem(iinf []byte, match func(typ string, rest []byte) bool) (uint32, bool) {
	if len(iinf) < 6 {
		return 0, false
	}
	hdr := 6
	if iinf[0] != 0 {
		hdr = 8
	}
	if len(iinf) < hdr {
		return 0, false
	}
	var id uint32
	var found bool
	_ = boxes(iinf[hdr:], func(typ string, body []byte) bool {
		if typ != "infe" || len(body) < 4 {
			return true
		}
		switch version := body[0]; {
		case version == 2 && len(body) >= 12:
			if match(string(body[8:12]), body[12:]) {
				id, found = uint32(binary.BigEndian.Uint16(body[4:])), true
			}
		case version == 3 && len(body) >= 14:
			if match(string(body[10:14]), body[14:]) {
				id, found = binary.BigEndian.Uint32(body[4:]), true
			}
		}
		return !found
	})
	return id, found
}

// itemData returns the bytes of item id when iloc stores it as one extent
// in the file (construction method 0), the way cameras write EXIF.
func itemData(file, iloc []byte, id uint32) ([]byte, bool) {
	r := &reader{b: iloc}
	version := r.u8()
	r.skip(3)
	sizes := r.u16()
	offSize, lenSize, baseSize, idxSize := int(sizes>>12), int(sizes>>8&15), int(sizes>>4&15), int(sizes&15)
	if version == 0 {
		idxSize = 0
	}
	var count uint32
	if version < 2 {
		count = uint32(r.u16())
	} else {
		count = r.u32()
	}
	for i := uint32(0); i < count && r.err == nil; i++ {
		var item uint32
		if version < 2 {
			item = uint32(r.u16())
		} else {
			item = r.u32()
		}
		method := 0
		if version == 1 || version == 2 {
			method = int(r.u16() & 15)
		}
		r.skip(2) // data reference index
		base := r.uintN(baseSize)
		extents := int(r.u16())
		var off, length uint64
		// The extents' count is checked against the bytes left before the
		// loop; fields of no bytes (sizes 0) are not read 65535 times over.
		per := fieldBytes(idxSize) + fieldBytes(offSize) + fieldBytes(lenSize)
		if extents*per > len(r.b) {
			r.err = fmt.Errorf("%w: iloc truncated", ErrMalformed)
		}
		if per == 0 {
			off = base
		}
		for e := 0; per > 0 && e < extents && r.err == nil; e++ {
			r.uintN(idxSize)
			o, l := r.uintN(offSize), r.uintN(lenSize)
			if e == 0 {
				off, length = base+o, l
			}
		}
		if item == id && r.err == nil {
			if method != 0 || extents != 1 || off > uint64(len(file)) || length > uint64(len(file))-off {
				return nil, false
			}
			return file[off : off+length], true
		}
	}
	return nil, false
}

// reader reads big-endian integers and remembers the first overrun.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil || n > len(r.b) {
		r.err = fmt.Errorf("%w: iloc truncated", ErrMalformed)
		return make([]byte, n)
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}
func (r *reader) skip(n int)  { r.take(n) }
func (r *reader) u8() uint8   { return r.take(1)[0] }
func (r *reader) u16() uint16 { return binary.BigEndian.Uint16(r.take(2)) }
func (r *reader) u32() uint32 { return binary.BigEndian.Uint32(r.take(4)) }

// fieldBytes is how many bytes uintN reads for an iloc field of size n.
func fieldBytes(n int) int {
	if n == 4 || n == 8 {
		return n
	}
	return 0
}

func (r *reader) uintN(n int) uint64 {
	switch n {
	case 4:
		return uint64(r.u32())
	case 8:
		return binary.BigEndian.Uint64(r.take(8))
	}
	return 0 // 0 means "absent" in iloc
}
