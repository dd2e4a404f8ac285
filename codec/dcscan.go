package codec

import (
	"errors"
	"fmt"
	"image"
)

// ErrNoDC is returned by DecodeDC for data it does not preview: baseline
// JPEGs, layouts other than grey and YCbCr with full-resolution chroma
// blocks, or a file without a DC scan before its first AC scan.
var ErrNoDC = errors.New("codec: no DC preview")

// maxDCBlocks bounds the blocks DecodeDC decodes (a 100 MP photo has
// 2.3 M in all components at 4:2:0).
const maxDCBlocks = 4 << 20

// DecodeDC decodes the DC scans of a progressive JPEG, the ones before
// its first AC scan, into the image at an eighth of its size (each pixel
// the mean of its 8x8 block, as DecodeJPEG at 1/8 gives it): a preview
// read from a tenth of the file, with no inverse DCT. A progressive file
// costs a full read of every scan at any scale, so a preview is the cheap
// way to look at it first. It returns an *image.YCbCr (or *image.Gray
// for one component); errors wrap ErrNoDC when the file is not one it
// previews, or say what is wrong with the data.
func DecodeDC(b []byte) (image.Image, error) {
	d := dcDecoder{data: b}
	return d.decode()
}

type dcComponent struct {
	id, h, v, tq int
	bw, bh       int     // blocks across and down, for this component
	pred         int     // DC predictor
	out          []int32 // block DC values, row-major, bw*bh
}

type huffman struct {
	// lookup: code length and value by (length, code); small tables, a
	// plain canonical decode is fast enough for a few hundred thousand
	// DC symbols.
	maxCode [17]int32
	valPtr  [17]int32
	minCode [17]int32
	vals    []uint8
	ok      bool
}

type dcDecoder struct {
	data   []byte
	pos    int
	comps  []dcComponent
	quant  [4][64]uint16
	dc     [4]huffman
	ri     int // restart interval, in MCUs
	hmax   int
	vmax   int
	w, h   int
	adobe  int // Adobe transform flag, -1 when absent
	sof    bool
	mcux   int
	mcuy   int
	bits   uint32
	nbits  int
	marker bool // a marker was met in the entropy data
}

func (d *dcDecoder) decode() (image.Image, error) {
	b := d.data
	d.adobe = -1
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, fmt.Errorf("%w: not a JPEG", ErrNoDC)
	}
	d.pos = 2
	scans := 0
	for {
		m, seg, err := d.segment()
		if err != nil {
			return nil, err
		}
		switch {
		case m == 0xD9:
			return d.finish(scans)
		case m == 0xC2:
			if err := d.frame(seg); err != nil {
				return nil, err
			}
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			return nil, fmt.Errorf("%w: not a Huffman progressive JPEG (SOF%d)", ErrNoDC, m-0xC0)
		case m == 0xC4:
			if err := d.huffmanTables(seg); err != nil {
				return nil, err
			}
		case m == 0xDB:
			if err := d.quantTables(seg); err != nil {
				return nil, err
			}
		case m == 0xDD:
			if len(seg) < 2 {
				return nil, fmt.Errorf("codec: DRI too short")
			}
			d.ri = int(seg[0])<<8 | int(seg[1])
		case m == 0xEE:
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
				d.adobe = int(seg[11])
			}
		case m == 0xDA:
			if !d.sof {
				return nil, fmt.Errorf("codec: scan before the frame header")
			}
			more, err := d.scan(seg)
			if err != nil {
				return nil, err
			}
			if !more {
				return d.finish(scans)
			}
			scans++
		}
	}
}

// segment reads the next marker and its segment (nil for markers without
// one).
func (d *dcDecoder) segment() (byte, []byte, error) {
	b := d.data
	if d.pos >= len(b) || b[d.pos] != 0xFF {
		return 0, nil, fmt.Errorf("codec: no marker at byte %d", d.pos)
	}
	for d.pos < len(b) && b[d.pos] == 0xFF {
		d.pos++
	}
	if d.pos >= len(b) {
		return 0, nil, fmt.Errorf("codec: data ends in a marker")
	}
	m := b[d.pos]
	d.pos++
	if m == 0xD8 || m == 0xD9 || m == 0x01 || (m >= 0xD0 && m <= 0xD7) {
		return m, nil, nil
	}
	if d.pos+2 > len(b) {
		return 0, nil, fmt.Errorf("codec: segment length past the end")
	}
	n := int(b[d.pos])<<8 | int(b[d.pos+1])
	if n < 2 || d.pos+n > len(b) {
		return 0, nil, fmt.Errorf("codec: segment of %d bytes past the end", n)
	}
	seg := b[d.pos+2 : d.pos+n]
	d.pos += n
	return m, seg, nil
}

func (d *dcDecoder) frame(seg []byte) error {
	if d.sof || len(seg) < 6 || seg[0] != 8 {
		return fmt.Errorf("%w: frame header not 8-bit or repeated", ErrNoDC)
	}
	d.h, d.w = int(seg[1])<<8|int(seg[2]), int(seg[3])<<8|int(seg[4])
	nf := int(seg[5])
	if d.w == 0 || d.h == 0 || (nf != 1 && nf != 3) || len(seg) < 6+3*nf {
		return fmt.Errorf("%w: %d components, %dx%d", ErrNoDC, nf, d.w, d.h)
	}
	for i := range nf {
		c := seg[6+3*i:]
		comp := dcComponent{id: int(c[0]), h: int(c[1] >> 4), v: int(c[1] & 15), tq: int(c[2] & 3)}
		if comp.h < 1 || comp.h > 4 || comp.v < 1 || comp.v > 4 {
			return fmt.Errorf("codec: sampling %dx%d", comp.h, comp.v)
		}
		d.hmax, d.vmax = max(d.hmax, comp.h), max(d.vmax, comp.v)
		d.comps = append(d.comps, comp)
	}
	if nf == 3 {
		// Chroma at one block per MCU; luma 1x1, 2x1, 1x2 or 2x2: the
		// layouts image.YCbCr holds.
		y, cb, cr := d.comps[0], d.comps[1], d.comps[2]
		if cb.h != 1 || cb.v != 1 || cr.h != 1 || cr.v != 1 || y.h > 2 || y.v > 2 {
			return fmt.Errorf("%w: sampling %dx%d,%dx%d,%dx%d", ErrNoDC, y.h, y.v, cb.h, cb.v, cr.h, cr.v)
		}
	}
	d.mcux = (d.w + 8*d.hmax - 1) / (8 * d.hmax)
	d.mcuy = (d.h + 8*d.vmax - 1) / (8 * d.vmax)
	total := 0
	for i := range d.comps {
		c := &d.comps[i]
		// Blocks that hold image pixels, and the MCUs' padding beyond.
		c.bw, c.bh = d.mcux*c.h, d.mcuy*c.v
		total += c.bw * c.bh
	}
	if total > maxDCBlocks {
		return fmt.Errorf("%w: %d blocks, over %d", ErrNoDC, total, maxDCBlocks)
	}
	for i := range d.comps {
		d.comps[i].out = make([]int32, d.comps[i].bw*d.comps[i].bh)
	}
	d.sof = true
	return nil
}

func (d *dcDecoder) quantTables(seg []byte) error {
	for len(seg) > 0 {
		pq, tq := seg[0]>>4, int(seg[0]&3)
		n := 64
		if pq == 1 {
			n = 128
		}
		if len(seg) < 1+n {
			return fmt.Errorf("codec: DQT too short")
		}
		for i := range 64 {
			if pq == 1 {
				d.quant[tq][i] = uint16(seg[1+2*i])<<8 | uint16(seg[2+2*i])
			} else {
				d.quant[tq][i] = uint16(seg[1+i])
			}
		}
		seg = seg[1+n:]
	}
	return nil
}

func (d *dcDecoder) huffmanTables(seg []byte) error {
	for len(seg) > 0 {
		if len(seg) < 17 {
			return fmt.Errorf("codec: DHT too short")
		}
		class, id := seg[0]>>4, int(seg[0]&3)
		var counts [17]int
		n := 0
		for i := 1; i <= 16; i++ {
			counts[i] = int(seg[i])
			n += counts[i]
		}
		if len(seg) < 17+n || n > 256 {
			return fmt.Errorf("codec: DHT of %d values", n)
		}
		vals := seg[17 : 17+n]
		seg = seg[17+n:]
		if class != 0 {
			continue // AC tables: not read
		}
		var h huffman
		code, k := int32(0), int32(0)
		for l := 1; l <= 16; l++ {
			h.valPtr[l] = k
			h.minCode[l] = code
			code += int32(counts[l])
			k += int32(counts[l])
			if counts[l] > 0 {
				h.maxCode[l] = code - 1
			} else {
				h.maxCode[l] = -1
			}
			if code > 1<<l {
				return fmt.Errorf("codec: DHT codes overflow")
			}
			code <<= 1
		}
		h.vals = append([]uint8(nil), vals...)
		h.ok = true
		d.dc[id] = h
	}
	return nil
}

// scan decodes one DC first scan; more is false at the first scan that
// is not one (the preview ends there).
func (d *dcDecoder) scan(seg []byte) (more bool, err error) {
	if len(seg) < 1 {
		return false, fmt.Errorf("codec: SOS too short")
	}
	ns := int(seg[0])
	if ns < 1 || ns > len(d.comps) || len(seg) < 1+2*ns+3 {
		return false, fmt.Errorf("codec: SOS of %d components", ns)
	}
	ss, se, ah, al := seg[1+2*ns], seg[2+2*ns], seg[3+2*ns]>>4, int(seg[3+2*ns]&15)
	if ss != 0 || se != 0 || ah != 0 {
		return false, nil // an AC or refinement scan: the DC is all there is to read
	}
	var in []*dcComponent
	var tables []*huffman
	for i := range ns {
		id, td := int(seg[1+2*i]), int(seg[2+2*i]>>4)&3
		var c *dcComponent
		for j := range d.comps {
			if d.comps[j].id == id {
				c = &d.comps[j]
			}
		}
		if c == nil || !d.dc[td].ok {
			return false, fmt.Errorf("codec: scan names component %d or DC table %d, undefined", id, td)
		}
		c.pred = 0
		in = append(in, c)
		tables = append(tables, &d.dc[td])
	}
	d.bits, d.nbits, d.marker = 0, 0, false
	// Non-interleaved: one block per MCU, over the component's own blocks
	// that hold pixels; interleaved: every component's h x v blocks.
	type at struct{ c, x, y int }
	var mcus, per int
	var where func(m, k int) at
	if ns == 1 {
		c := in[0]
		cw := ((d.w*c.h+d.hmax-1)/d.hmax + 7) / 8
		ch := ((d.h*c.v+d.vmax-1)/d.vmax + 7) / 8
		mcus, per = cw*ch, 1
		where = func(m, _ int) at { return at{0, m % cw, m / cw} }
	} else {
		mcus = d.mcux * d.mcuy
		for _, c := range in {
			per += c.h * c.v
		}
		where = func(m, k int) at {
			mx, my := m%d.mcux, m/d.mcux
			for ci, c := range in {
				if k < c.h*c.v {
					return at{ci, mx*c.h + k%c.h, my*c.v + k/c.h}
				}
				k -= c.h * c.v
			}
			return at{}
		}
	}
	for m := range mcus {
		if d.ri > 0 && m > 0 && m%d.ri == 0 {
			if err := d.restart(); err != nil {
				return false, err
			}
			for _, c := range in {
				c.pred = 0
			}
		}
		for k := range per {
			p := where(m, k)
			c := in[p.c]
			t, err := d.decodeHuff(tables[p.c])
			if err != nil {
				return false, err
			}
			if t > 15 {
				return false, fmt.Errorf("codec: DC category %d", t)
			}
			diff, err := d.receiveExtend(int(t))
			if err != nil {
				return false, err
			}
			c.pred += diff
			if p.x < c.bw && p.y < c.bh {
				c.out[p.y*c.bw+p.x] = int32(c.pred) << al
			}
		}
	}
	// Skip to the next marker.
	b := d.data
	for d.pos < len(b)-1 && (b[d.pos] != 0xFF || b[d.pos+1] == 0 || (b[d.pos+1] >= 0xD0 && b[d.pos+1] <= 0xD7)) {
		d.pos++
	}
	if d.pos >= len(b)-1 {
		return false, fmt.Errorf("codec: scan data runs to the end")
	}
	return true, nil
}

func (d *dcDecoder) restart() error {
	d.bits, d.nbits, d.marker = 0, 0, false
	b := d.data
	for d.pos < len(b)-1 && !(b[d.pos] == 0xFF && b[d.pos+1] >= 0xD0 && b[d.pos+1] <= 0xD7) {
		if b[d.pos] == 0xFF && b[d.pos+1] != 0 && b[d.pos+1] != 0xFF {
			return fmt.Errorf("codec: restart marker missing")
		}
		d.pos++
	}
	if d.pos >= len(b)-1 {
		return fmt.Errorf("codec: restart marker missing")
	}
	d.pos += 2
	return nil
}

// fill loads bytes into the bit buffer, unstuffing 0xFF00 and stopping
// at a marker (which then reads as zero bits, as libjpeg does).
func (d *dcDecoder) fill() {
	b := d.data
	for d.nbits <= 24 {
		var v byte
		if !d.marker && d.pos < len(b) {
			v = b[d.pos]
			if v == 0xFF {
				if d.pos+1 < len(b) && b[d.pos+1] == 0 {
					d.pos += 2
				} else {
					d.marker, v = true, 0
				}
			} else {
				d.pos++
			}
		}
		d.bits |= uint32(v) << (24 - d.nbits)
		d.nbits += 8
	}
}

func (d *dcDecoder) bit() int {
	if d.nbits == 0 {
		d.fill()
	}
	v := int(d.bits >> 31)
	d.bits <<= 1
	d.nbits--
	return v
}

func (d *dcDecoder) decodeHuff(h *huffman) (uint8, error) {
	code := int32(0)
	for l := 1; l <= 16; l++ {
		code = code<<1 | int32(d.bit())
		if code <= h.maxCode[l] {
			i := h.valPtr[l] + code - h.minCode[l]
			if int(i) >= len(h.vals) {
				break
			}
			return h.vals[i], nil
		}
	}
	return 0, fmt.Errorf("codec: bad Huffman code")
}

func (d *dcDecoder) receiveExtend(t int) (int, error) {
	if t == 0 {
		return 0, nil
	}
	v := 0
	for range t {
		v = v<<1 | d.bit()
	}
	if v < 1<<(t-1) {
		v += (-1 << t) + 1
	}
	return v, nil
}

// finish turns the DC values into pixels: the block mean is DC·Q0/8 +
// 128.
func (d *dcDecoder) finish(scans int) (image.Image, error) {
	if scans == 0 || !d.sof {
		return nil, fmt.Errorf("%w: no DC scan", ErrNoDC)
	}
	if len(d.comps) == 3 && d.adobe == 0 {
		return nil, fmt.Errorf("%w: RGB components", ErrNoDC)
	}
	w, h := Scaled(d.w, d.h, 1)
	plane := func(c *dcComponent, pw, ph int, dst []byte, stride int) {
		q := int32(d.quant[c.tq][0])
		for y := range ph {
			row := c.out[min(y, c.bh-1)*c.bw:]
			o := dst[y*stride:]
			for x := range pw {
				v := (row[min(x, c.bw-1)]*q+4)>>3 + 128
				o[x] = uint8(min(max(v, 0), 255))
			}
		}
	}
	r := image.Rect(0, 0, w, h)
	if len(d.comps) == 1 {
		g := image.NewGray(r)
		plane(&d.comps[0], w, h, g.Pix, g.Stride)
		return g, nil
	}
	ratio := image.YCbCrSubsampleRatio444
	switch y := d.comps[0]; {
	case y.h == 2 && y.v == 2:
		ratio = image.YCbCrSubsampleRatio420
	case y.h == 2 && y.v == 1:
		ratio = image.YCbCrSubsampleRatio422
	case y.h == 1 && y.v == 2:
		ratio = image.YCbCrSubsampleRatio440
	}
	m := image.NewYCbCr(r, ratio)
	plane(&d.comps[0], w, h, m.Y, m.YStride)
	cw := m.CStride
	ch := len(m.Cb) / cw
	plane(&d.comps[1], cw, ch, m.Cb, m.CStride)
	plane(&d.comps[2], cw, ch, m.Cr, m.CStride)
	return m, nil
}
