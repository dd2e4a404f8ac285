package facecheck

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// A landmark model in facegate's flat form: dlib's shape predictor (an
// ensemble of regression trees, Kazemi and Sullivan 2014) with its parts
// laid out as fixed-size arrays, so that a file of it can be mapped into
// memory and used as it lies, with no parsing and no copy. dlib's own
// format (serialize) needs every number decoded and every leaf allocated:
// about 0.7 s and 75 MB of private memory at every start for the 68-point
// model, against a few milliseconds to map the flat file, whose pages are
// the page cache's and shared by every process that maps it.
//
// The layout, little-endian, every field 4 bytes:
//
//	magic    "FGSHAPE1"
//	P C T S X  uint32: parts (68), cascades (15), trees per cascade (500),
//	           splits per tree (15; S+1 leaves, a power of two),
//	           feature pixels per cascade (500)
//	reserved uint32 (0)
//	initial  float32[2P]            the mean shape, x0 y0 x1 y1 ...
//	anchors  uint32[C][X]           the part each feature pixel hangs on
//	deltas   float32[C][X][2]       its offset from that part
//	splits   {uint32 a, b; float32 t}[C][T][S]
//	leaves   float32[C][T][S+1][2P]
//
// Every index is checked when a flat model is read (readFlat), so the
// C code that walks it (fg_shape in dlib.cc) never reads outside it.
type shapeModel struct {
	parts, cascades, trees, splits, pixels int
}

const (
	flatMagic  = "FGSHAPE1"
	flatHeader = 32
	// Bounds on a model's shape, far above dlib's models (68 parts, 15
	// cascades of 500 trees of depth 4, 500 pixels), so that a damaged
	// or hostile file cannot ask for more memory than a model could need.
	maxParts     = 1024
	maxCascades  = 64
	maxTrees     = 4096
	maxSplits    = 1<<12 - 1
	maxPixels    = 8192
	maxFlatBytes = 1 << 30
	maxDlibBytes = 1 << 30
)

// ErrShapeModel is the error of a landmark model that cannot be read: in
// dlib's format or in the flat one (errors.Is).
var ErrShapeModel = errors.New("landmark model")

func shapeErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrShapeModel}, args...)...)
}

// size is the flat form's length in bytes, or -1 when the shape is out of
// bounds.
func (m shapeModel) size() int64 {
	if m.parts < 1 || m.parts > maxParts || m.cascades < 1 || m.cascades > maxCascades ||
		m.trees < 1 || m.trees > maxTrees || m.splits < 1 || m.splits > maxSplits ||
		m.pixels < 1 || m.pixels > maxPixels || (m.splits+1)&m.splits != 0 {
		return -1
	}
	p, c, t, s, x := int64(m.parts), int64(m.cascades), int64(m.trees), int64(m.splits), int64(m.pixels)
	n := flatHeader + 4*(2*p+c*x+2*c*x+3*c*t*s+c*t*(s+1)*2*p)
	if n > maxFlatBytes {
		return -1
	}
	return n
}

// Offsets of the parts in the flat form.
func (m shapeModel) offInitial() int { return flatHeader }
func (m shapeModel) offAnchors() int { return m.offInitial() + 4*2*m.parts }
func (m shapeModel) offDeltas() int  { return m.offAnchors() + 4*m.cascades*m.pixels }
func (m shapeModel) offSplits() int  { return m.offDeltas() + 4*2*m.cascades*m.pixels }
func (m shapeModel) offLeaves() int  { return m.offSplits() + 4*3*m.cascades*m.trees*m.splits }

// readFlat checks a flat model: its header, its length, and that every
// anchor names a part and every split a feature pixel.
func readFlat(b []byte) (shapeModel, error) {
	var m shapeModel
	if len(b) < flatHeader || string(b[:8]) != flatMagic {
		return m, shapeErr("not a flat landmark model (no %s header)", flatMagic)
	}
	u := func(off int) int { return int(binary.LittleEndian.Uint32(b[off:])) }
	m = shapeModel{parts: u(8), cascades: u(12), trees: u(16), splits: u(20), pixels: u(24)}
	want := m.size()
	if want < 0 || u(28) != 0 {
		return m, shapeErr("flat model header out of bounds (%d parts, %d cascades of %d trees of %d splits, %d pixels)",
			m.parts, m.cascades, m.trees, m.splits, m.pixels)
	}
	if int64(len(b)) != want {
		return m, shapeErr("flat model is %d bytes, its header says %d", len(b), want)
	}
	for i, off := 0, m.offAnchors(); i < m.cascades*m.pixels; i++ {
		if u(off+4*i) >= m.parts {
			return m, shapeErr("flat model: anchor %d names part %d of %d", i, u(off+4*i), m.parts)
		}
	}
	for i, off := 0, m.offSplits(); i < m.cascades*m.trees*m.splits; i++ {
		if a, c := u(off+12*i), u(off+12*i+4); a >= m.pixels || c >= m.pixels {
			return m, shapeErr("flat model: split %d reads pixels %d and %d of %d", i, a, c, m.pixels)
		}
	}
	return m, nil
}

// dlibReader decodes dlib's serialisation (dlib/serialize.h): integers
// as a control byte (its low four bits the byte count, 0x80 the sign)
// and that many bytes, little-endian; floats as an integer mantissa and
// exponent; vectors and matrices as their lengths, then their elements.
type dlibReader struct {
	b   []byte
	off int
	err error
}

func (d *dlibReader) fail(format string, args ...any) {
	if d.err == nil {
		d.err = shapeErr("dlib format: "+format, args...)
	}
}

// int reads one integer; signed says whether the sign bit is allowed.
func (d *dlibReader) int(signed bool) int64 {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.fail("truncated")
		return 0
	}
	c := d.b[d.off]
	neg := c&0x80 != 0
	n := int(c & 0x0f)
	if n == 0 || n > 8 || c&0x70 != 0 || (neg && !signed) {
		d.fail("bad integer control byte 0x%02x at byte %d", c, d.off)
		return 0
	}
	if len(d.b)-d.off-1 < n {
		d.fail("truncated")
		return 0
	}
	var v uint64
	for i := n; i >= 1; i-- {
		v = v<<8 | uint64(d.b[d.off+i])
	}
	d.off += n + 1
	if v > math.MaxInt64 {
		d.fail("integer out of range")
		return 0
	}
	if neg {
		return -int64(v)
	}
	return int64(v)
}

// count reads a length and checks it against limit.
func (d *dlibReader) count(what string, limit int) int {
	v := d.int(false)
	if d.err == nil && (v < 0 || v > int64(limit)) {
		d.fail("%s count %d out of bounds (at most %d)", what, v, limit)
	}
	if d.err != nil {
		return 0
	}
	return int(v)
}

// float reads one float (dlib's float_details): mantissa * 2^exponent,
// with three exponents kept for infinities and NaN.
func (d *dlibReader) float() float32 {
	mant := d.int(true)
	exp := d.int(true)
	if d.err != nil {
		return 0
	}
	switch {
	case exp < -32768 || exp > 32767:
		d.fail("float exponent %d out of range", exp)
	case exp == 32000:
		return float32(math.Inf(1))
	case exp == 32001:
		return float32(math.Inf(-1))
	case exp == 32002:
		return float32(math.NaN())
	case mant > 1<<24 || mant < -(1<<24):
		// dlib writes a float's 24-bit mantissa; a larger one was not a float
		d.fail("float mantissa %d out of range", mant)
	default:
		return float32(math.Ldexp(float64(mant), int(exp)))
	}
	return 0
}

// column reads a matrix<float,0,1> of want rows (any when want < 0).
func (d *dlibReader) column(want int, limit int) []float32 {
	nr, nc := d.int(true), d.int(true)
	if nr < 0 {
		nr, nc = -nr, -nc
	}
	if d.err == nil && (nc != 1 || nr < 1 || nr > int64(limit) || (want >= 0 && nr != int64(want))) {
		d.fail("a %dx%d matrix where a column of %d was expected", nr, nc, want)
	}
	if d.err != nil {
		return nil
	}
	v := make([]float32, nr)
	for i := range v {
		v[i] = d.float()
	}
	return v
}

// ParseDlibShapePredictor reads a landmark model in dlib's own format
// (shape_predictor_68_face_landmarks.dat and the like) and returns it in
// the flat form. Every length is checked against the bounds above and
// against the model's own shape before anything is allocated for it;
// models whose cascades, trees or feature pixels differ in size (which
// dlib's trainer never writes) are refused.
func ParseDlibShapePredictor(r io.Reader) ([]byte, error) {
	src, err := io.ReadAll(io.LimitReader(r, maxDlibBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrShapeModel, err)
	}
	return parseDlib(src)
}

// parseDlib is ParseDlibShapePredictor over the file's bytes.
func parseDlib(src []byte) ([]byte, error) {
	if len(src) > maxDlibBytes {
		return nil, shapeErr("dlib format: more than %d bytes", maxDlibBytes)
	}
	d := &dlibReader{b: src}
	if v := d.int(true); d.err == nil && v != 1 {
		return nil, shapeErr("dlib format: shape_predictor version %d, want 1", v)
	}
	initial := d.column(-1, 2*maxParts)
	if d.err == nil && len(initial)%2 != 0 {
		d.fail("an initial shape of %d numbers (odd)", len(initial))
	}
	m := shapeModel{parts: len(initial) / 2}
	m.cascades = d.count("cascade", maxCascades)
	if d.err != nil {
		return nil, d.err
	}
	// The trees are read into the flat form straight away, once the first
	// tree gives the shape of all. Each number takes at least 2 bytes in
	// dlib's format (a float 4) and 4 in the flat one, so the room made
	// ahead is bounded by twice the input's length: a short file that
	// declares a huge model gets an error, not a gigabyte.
	var splits, leaves []byte
	for c := 0; c < m.cascades; c++ {
		trees := d.count("tree", maxTrees)
		if c == 0 {
			m.trees = trees
		} else if d.err == nil && trees != m.trees {
			d.fail("cascade %d has %d trees, the first %d", c, trees, m.trees)
		}
		for t := 0; t < m.trees && d.err == nil; t++ {
			ns := d.count("split", maxSplits)
			if c == 0 && t == 0 {
				m.splits, m.pixels = ns, 1
				if m.size() < 0 {
					d.fail("a model of %d parts, %d cascades of %d trees of %d splits is out of bounds", m.parts, m.cascades, m.trees, ns)
					break
				}
				splits = make([]byte, 0, min(12*m.cascades*m.trees*m.splits, 2*len(src)))
				leaves = make([]byte, 0, min(4*m.cascades*m.trees*(m.splits+1)*2*m.parts, 2*len(src)))
			} else if d.err == nil && ns != m.splits {
				d.fail("cascade %d tree %d has %d splits, the first %d", c, t, ns, m.splits)
			}
			for s := 0; s < m.splits && d.err == nil; s++ {
				a, b := d.int(false), d.int(false)
				th := d.float()
				if d.err == nil && (a > maxPixels || b > maxPixels) {
					d.fail("split reads pixel %d or %d, beyond %d", a, b, maxPixels)
				}
				splits = binary.LittleEndian.AppendUint32(splits, uint32(a))
				splits = binary.LittleEndian.AppendUint32(splits, uint32(b))
				splits = binary.LittleEndian.AppendUint32(splits, math.Float32bits(th))
			}
			if nl := d.count("leaf", maxSplits+1); d.err == nil && nl != m.splits+1 {
				d.fail("a tree of %d splits has %d leaves", m.splits, nl)
			}
			for l := 0; l <= m.splits && d.err == nil; l++ {
				for _, v := range d.column(2*m.parts, 2*maxParts) {
					leaves = binary.LittleEndian.AppendUint32(leaves, math.Float32bits(v))
				}
			}
		}
		if d.err != nil {
			return nil, d.err
		}
	}
	if n := d.count("anchor list", maxCascades); d.err == nil && n != m.cascades {
		d.fail("%d anchor lists for %d cascades", n, m.cascades)
	}
	var anchors, deltas []byte
	for c := 0; c < m.cascades && d.err == nil; c++ {
		n := d.count("anchor", maxPixels)
		if c == 0 {
			m.pixels = n
			if m.size() < 0 {
				d.fail("%d feature pixels out of bounds", n)
				break
			}
		} else if d.err == nil && n != m.pixels {
			d.fail("cascade %d has %d feature pixels, the first %d", c, n, m.pixels)
		}
		for i := 0; i < m.pixels && d.err == nil; i++ {
			anchors = binary.LittleEndian.AppendUint32(anchors, uint32(d.count("anchor", m.parts-1)))
		}
	}
	if n := d.count("delta list", maxCascades); d.err == nil && n != m.cascades {
		d.fail("%d delta lists for %d cascades", n, m.cascades)
	}
	for c := 0; c < m.cascades && d.err == nil; c++ {
		if n := d.count("delta", maxPixels); d.err == nil && n != m.pixels {
			d.fail("cascade %d has %d deltas for %d feature pixels", c, n, m.pixels)
		}
		for i := 0; i < 2*m.pixels && d.err == nil; i++ {
			deltas = binary.LittleEndian.AppendUint32(deltas, math.Float32bits(d.float()))
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if d.off != len(src) {
		return nil, shapeErr("dlib format: %d bytes after the model", len(src)-d.off)
	}
	out := make([]byte, 0, m.size())
	out = append(out, flatMagic...)
	for _, v := range []int{m.parts, m.cascades, m.trees, m.splits, m.pixels, 0} {
		out = binary.LittleEndian.AppendUint32(out, uint32(v))
	}
	for _, v := range initial {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
	}
	out = append(append(append(append(out, anchors...), deltas...), splits...), leaves...)
	if _, err := readFlat(out); err != nil {
		return nil, err
	}
	return out, nil
}
