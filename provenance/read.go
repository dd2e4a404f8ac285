package provenance

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"sort"

	"github.com/facegate/facegate/exif"
)

// pngXMPKey is the keyword of a PNG iTXt chunk that holds XMP.
const pngXMPKey = "XML:com.adobe.xmp\x00"

// maxPackets is how many XMP chunks of a PNG are read (a file should have
// one): each may inflate to MaxXMP bytes.
const maxPackets = 4

// Markers of the blocks read.
var (
	xmpJPEG    = []byte("http://ns.adobe.com/xap/1.0/\x00")
	xmpExtJPEG = []byte("http://ns.adobe.com/xmp/extension/\x00")
	// c2paUUID is the ISO-BMFF uuid box's user type of a C2PA manifest
	// store.
	c2paUUID = []byte{0xd8, 0xfe, 0xc3, 0xd6, 0x1b, 0x0e, 0x48, 0x3c, 0x92, 0x97, 0x58, 0x28, 0x87, 0x7e, 0xc4, 0x81}
)

// Read reads what the image file in b declares: its XMP packets and its
// C2PA manifest store, in a JPEG, PNG, WebP or ISO-BMFF (HEIF, AVIF) file.
// Another format declares nothing. The error, wrapping ErrMalformed, is
// the first block that could not be read whole; d holds what was read.
func Read(b []byte) (d Declared, err error) {
	switch {
	case len(b) >= 3 && b[0] == 0xff && b[1] == 0xd8:
		err = d.readJPEG(b)
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		err = d.readPNG(b)
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		err = d.readWebP(b)
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		err = d.readBMFF(b)
	}
	return d, err
}

// readC2PA reads a manifest store into d.
func (d *Declared) readC2PA(j []byte, where string) error {
	d.addWhere(where)
	c, err := readManifestStore(j)
	if c == nil {
		return err
	}
	if d.C2PA == nil {
		d.C2PA = c
	} else { // a second store: counted with the first
		d.C2PA.Manifests += c.Manifests
		d.C2PA.Labels = append(d.C2PA.Labels, c.Labels...)
		d.C2PA.Actions = append(d.C2PA.Actions, c.Actions...)
		d.C2PA.Generators = append(d.C2PA.Generators, c.Generators...)
	}
	for _, a := range c.Actions {
		if a.SourceType != "" {
			d.addSource(a.SourceType)
		}
		d.AddSoftware(a.Software)
	}
	for _, g := range c.Generators {
		d.AddSoftware(g)
	}
	return err
}

// readJPEG walks the segments before the first scan: XMP in APP1 (the
// main packet, and Extended XMP's chunks joined by offset), C2PA's JUMBF
// in APP11 ("JP" segments, one box split over several, joined in their
// sequence order).
func (d *Declared) readJPEG(b []byte) error {
	type part struct {
		seq  uint32
		data []byte
	}
	jumbf := map[uint16][]part{} // by box instance
	var order []uint16
	var ext []byte
	var err error
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xff {
			break
		}
		marker := b[i+1]
		if marker == 0xff {
			i++
			continue
		}
		if marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7) {
			i += 2
			continue
		}
		if marker == 0xda || marker == 0xd9 {
			break
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			err = firstErr(err, malformed("JPEG: segment runs past the file"))
			break
		}
		p := b[i+4 : i+2+n]
		switch {
		case marker == 0xe1 && bytes.HasPrefix(p, xmpJPEG):
			err = firstErr(err, d.ReadXMP(p[len(xmpJPEG):]))
		case marker == 0xe1 && bytes.HasPrefix(p, xmpExtJPEG):
			// GUID (32), full length (4), offset (4), then the chunk.
			q := p[len(xmpExtJPEG):]
			if len(q) >= 40 {
				full := binary.BigEndian.Uint32(q[32:])
				off := binary.BigEndian.Uint32(q[36:])
				chunk := q[40:]
				if full <= MaxXMP && uint64(off)+uint64(len(chunk)) <= uint64(full) {
					if ext == nil {
						ext = make([]byte, 0, min(full, uint32(len(b))))
					}
					if int(off) == len(ext) {
						ext = append(ext, chunk...)
					}
				}
			}
		case marker == 0xeb && len(p) >= 8 && p[0] == 'J' && p[1] == 'P':
			en := binary.BigEndian.Uint16(p[2:])
			seq := binary.BigEndian.Uint32(p[4:])
			if _, ok := jumbf[en]; !ok {
				order = append(order, en)
			}
			if len(jumbf[en]) < 4096 {
				jumbf[en] = append(jumbf[en], part{seq, p[8:]})
			}
		}
		i += 2 + n
	}
	if len(ext) > 0 {
		err = firstErr(err, d.ReadXMP(ext))
	}
	for _, en := range order {
		parts := jumbf[en]
		sort.SliceStable(parts, func(a, b int) bool { return parts[a].seq < parts[b].seq })
		var box []byte
		for k, pt := range parts {
			data := pt.data
			if k > 0 {
				// Each continuation repeats the box's header (LBox, TBox,
				// and XLBox when LBox is 1).
				h := 8
				if len(data) >= 4 && binary.BigEndian.Uint32(data) == 1 {
					h = 16
				}
				if len(data) < h {
					continue
				}
				data = data[h:]
			}
			box = append(box, data...)
		}
		if len(box) >= 8 && string(box[4:8]) == "jumb" {
			err = firstErr(err, d.readC2PA(box, "C2PA (JPEG APP11)"))
		}
	}
	return err
}

// readPNG reads iTXt chunks keyed "XML:com.adobe.xmp" (compressed or not)
// and the caBX chunk (C2PA).
func (d *Declared) readPNG(b []byte) error {
	var err error
	packets := 0 // XMP chunks read: at most maxPackets, each inflated to MaxXMP at most
	i := 8
	for i+8 <= len(b) {
		n := uint64(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if uint64(i)+12+n > uint64(len(b)) {
			return firstErr(err, malformed("PNG: %q chunk runs past the file", typ))
		}
		data := b[i+8 : uint64(i)+8+n]
		switch typ {
		case "iTXt":
			if packets >= maxPackets || !bytes.HasPrefix(data, []byte(pngXMPKey)) {
				break
			}
			packets++
			if x, ok, xerr := pngXMP(data); ok {
				err = firstErr(err, firstErr(xerr, d.ReadXMP(x)))
			}
		case "caBX":
			err = firstErr(err, d.readC2PA(data, "C2PA (PNG caBX)"))
		case "IEND":
			return err
		}
		i += int(12 + n)
	}
	return err
}

// pngXMP is an iTXt chunk's text when its keyword is XMP's: keyword NUL,
// compression flag and method, language NUL, translated keyword NUL, text
// (zlib, inflated to at most MaxXMP bytes, when flagged).
func pngXMP(data []byte) ([]byte, bool, error) {
	const key = pngXMPKey
	if !bytes.HasPrefix(data, []byte(key)) || len(data) < len(key)+2 {
		return nil, false, nil
	}
	compressed := data[len(key)] == 1
	rest := data[len(key)+2:]
	for k := 0; k < 2; k++ { // language tag, translated keyword
		j := bytes.IndexByte(rest, 0)
		if j < 0 {
			return nil, true, malformed("PNG: iTXt without its separators")
		}
		rest = rest[j+1:]
	}
	if !compressed {
		return rest, true, nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(rest))
	if err != nil {
		return nil, true, malformed("PNG: compressed XMP: %v", err)
	}
	x, err := io.ReadAll(io.LimitReader(zr, MaxXMP))
	if err != nil {
		return x, true, malformed("PNG: compressed XMP: %v", err)
	}
	return x, true, nil
}

// readWebP reads the "XMP " and "C2PA" chunks of a RIFF/WebP file.
func (d *Declared) readWebP(b []byte) error {
	var err error
	i := uint64(12)
	for i+8 <= uint64(len(b)) {
		fourcc := string(b[i : i+4])
		n := uint64(binary.LittleEndian.Uint32(b[i+4:]))
		if i+8+n > uint64(len(b)) {
			return firstErr(err, malformed("WebP: %q chunk runs past the file", fourcc))
		}
		data := b[i+8 : i+8+n]
		switch fourcc {
		case "XMP ":
			err = firstErr(err, d.ReadXMP(data))
		case "C2PA":
			err = firstErr(err, d.readC2PA(data, "C2PA (WebP)"))
		}
		i += 8 + n + n&1
	}
	return err
}

// readBMFF reads an ISO-BMFF file's top-level C2PA uuid box (its full
// box header, a purpose text, for "manifest" an 8-byte offset, then the
// store) and the XMP item of its meta box (package exif reads HEIF's
// items).
func (d *Declared) readBMFF(b []byte) error {
	var err error
	count := 0
	top, berr := jumbfBoxes(b, &count)
	err = firstErr(err, berr)
	for _, bx := range top {
		if bx.typ != "uuid" || len(bx.body) < 20 || !bytes.Equal(bx.body[:16], c2paUUID) {
			continue
		}
		rest := bx.body[20:] // version and flags
		j := bytes.IndexByte(rest, 0)
		if j < 0 {
			err = firstErr(err, malformed("BMFF: C2PA box without its purpose"))
			continue
		}
		purpose := string(rest[:j])
		rest = rest[j+1:]
		if purpose != "manifest" {
			continue
		}
		if len(rest) < 8 {
			err = firstErr(err, malformed("BMFF: C2PA box truncated"))
			continue
		}
		err = firstErr(err, d.readC2PA(rest[8:], "C2PA (ISO-BMFF uuid)"))
	}
	if x := exif.HEIFXMP(b); x != nil {
		err = firstErr(err, d.ReadXMP(x))
	}
	return err
}
