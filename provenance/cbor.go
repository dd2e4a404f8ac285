package provenance

import (
	"encoding/binary"
	"math"
	"strconv"
)

// CBOR (RFC 8949), the little of it C2PA's assertions and claims use, read
// into Go values: unsigned and negative integers (int64, or float64 past
// its range), byte strings ([]byte), text strings (string), arrays ([]any),
// maps (map[string]any; a key that is not a text string is written as
// text), tags (their content), false, true, null and undefined (bool,
// nil), and floats (float64). Definite and indefinite lengths are read.
//
// Bounds: nesting at most maxDepth deep, at most maxItems items in all, and
// no length is trusted past the bytes left (every item takes at least one
// byte), so a hostile block costs at most work linear in its size.
const (
	maxDepth = 32
	maxItems = 1 << 16
)

type cborReader struct {
	b     []byte
	items int
	info  byte // the last head's additional information
}

// decodeCBOR reads one CBOR item from b.
func decodeCBOR(b []byte) (any, error) {
	r := &cborReader{b: b}
	return r.item(0)
}

// head reads an item's first byte and its argument; indefinite is true for
// an indefinite length (additional information 31). r.info keeps the
// additional information (major type 7 reads its width from it).
func (r *cborReader) head() (major byte, arg uint64, indefinite bool, err error) {
	if len(r.b) < 1 {
		return 0, 0, false, malformed("CBOR: truncated")
	}
	r.items++
	if r.items > maxItems {
		return 0, 0, false, malformed("CBOR: more than %d items", maxItems)
	}
	c := r.b[0]
	r.b = r.b[1:]
	major, info := c>>5, c&31
	r.info = info
	var n int
	switch {
	case info < 24:
		return major, uint64(info), false, nil
	case info == 24:
		n = 1
	case info == 25:
		n = 2
	case info == 26:
		n = 4
	case info == 27:
		n = 8
	case info == 31:
		return major, 0, true, nil
	default:
		return 0, 0, false, malformed("CBOR: reserved additional information %d", info)
	}
	if len(r.b) < n {
		return 0, 0, false, malformed("CBOR: truncated argument")
	}
	switch n {
	case 1:
		arg = uint64(r.b[0])
	case 2:
		arg = uint64(binary.BigEndian.Uint16(r.b))
	case 4:
		arg = uint64(binary.BigEndian.Uint32(r.b))
	case 8:
		arg = binary.BigEndian.Uint64(r.b)
	}
	r.b = r.b[n:]
	return major, arg, false, nil
}

func (r *cborReader) item(depth int) (any, error) {
	if depth > maxDepth {
		return nil, malformed("CBOR: nested more than %d deep", maxDepth)
	}
	major, arg, indef, err := r.head()
	if err != nil {
		return nil, err
	}
	switch major {
	case 0:
		if indef {
			return nil, malformed("CBOR: indefinite integer")
		}
		if arg > math.MaxInt64 {
			return float64(arg), nil
		}
		return int64(arg), nil
	case 1:
		if indef {
			return nil, malformed("CBOR: indefinite integer")
		}
		if arg > math.MaxInt64 {
			return -1 - float64(arg), nil
		}
		return -1 - int64(arg), nil
	case 2, 3:
		s, err := r.str(major, arg, indef)
		if err != nil {
			return nil, err
		}
		if major == 3 {
			return string(s), nil
		}
		return s, nil
	case 4:
		var out []any
		for i := uint64(0); indef || i < arg; i++ {
			if indef && r.brk() {
				break
			}
			if !indef && arg > uint64(len(r.b)) {
				return nil, malformed("CBOR: array of %d items in %d bytes", arg, len(r.b))
			}
			v, err := r.item(depth + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case 5:
		if !indef && arg > uint64(len(r.b))/2 {
			return nil, malformed("CBOR: map of %d pairs in %d bytes", arg, len(r.b))
		}
		out := map[string]any{}
		for i := uint64(0); indef || i < arg; i++ {
			if indef && r.brk() {
				break
			}
			k, err := r.item(depth + 1)
			if err != nil {
				return nil, err
			}
			v, err := r.item(depth + 1)
			if err != nil {
				return nil, err
			}
			out[keyString(k)] = v
		}
		return out, nil
	case 6:
		if indef {
			return nil, malformed("CBOR: indefinite tag")
		}
		return r.item(depth + 1)
	default: // 7: simple values and floats
		if indef {
			return nil, malformed("CBOR: unexpected break")
		}
		return simple(r, arg)
	}
}

// simple is major type 7's value, by the width of its argument: simple
// values (false, true, null, undefined; others as their number), then
// half, single and double floats.
func simple(r *cborReader, arg uint64) (any, error) {
	switch r.info {
	case 25:
		return halfFloat(uint16(arg)), nil
	case 26:
		return float64(math.Float32frombits(uint32(arg))), nil
	case 27:
		return math.Float64frombits(arg), nil
	}
	switch arg {
	case 20:
		return false, nil
	case 21:
		return true, nil
	case 22, 23:
		return nil, nil
	}
	return int64(arg), nil
}

// halfFloat is an IEEE 754 half-precision number's value.
func halfFloat(h uint16) float64 {
	exp, frac := int(h>>10&31), float64(h&1023)
	var v float64
	switch exp {
	case 0:
		v = math.Ldexp(frac, -24)
	case 31:
		v = math.Inf(1)
		if frac != 0 {
			v = math.NaN()
		}
	default:
		v = math.Ldexp(frac+1024, exp-25)
	}
	if h&0x8000 != 0 {
		v = -v
	}
	return v
}

// brk consumes a break byte (0xff) if one is next.
func (r *cborReader) brk() bool {
	if len(r.b) > 0 && r.b[0] == 0xff {
		r.b = r.b[1:]
		return true
	}
	return false
}

// str reads a byte or text string's bytes (an indefinite one's chunks
// joined).
func (r *cborReader) str(major byte, arg uint64, indef bool) ([]byte, error) {
	if !indef {
		if arg > uint64(len(r.b)) {
			return nil, malformed("CBOR: string of %d bytes in %d", arg, len(r.b))
		}
		s := r.b[:arg]
		r.b = r.b[arg:]
		return s, nil
	}
	var out []byte
	for !r.brk() {
		m, n, in, err := r.head()
		if err != nil {
			return nil, err
		}
		if m != major || in {
			return nil, malformed("CBOR: bad chunk in an indefinite string")
		}
		s, err := r.str(m, n, false)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}

// keyString is a map key as text.
func keyString(k any) string {
	switch k := k.(type) {
	case string:
		return k
	case int64:
		return strconv.FormatInt(k, 10)
	case []byte:
		return string(k)
	}
	return "?"
}
