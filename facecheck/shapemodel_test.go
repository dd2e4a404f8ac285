package facecheck

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// dlibWriter writes dlib's serialisation, as dlib/serialize.h does: the
// fuzzers' seeds and the parser's tests are built with it.
type dlibWriter struct{ bytes.Buffer }

func (w *dlibWriter) int(v int64) {
	var ctl byte
	if v < 0 {
		ctl, v = 0x80, -v
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(v))
	n := 8
	for n > 1 && b[n-1] == 0 {
		n--
	}
	w.WriteByte(ctl | byte(n))
	w.Write(b[:n])
}

func (w *dlibWriter) float(f float32) {
	if f == 0 {
		w.int(0)
		w.int(0)
		return
	}
	fr, exp := math.Frexp(float64(f))
	mant := int64(fr * (1 << 24))
	exp -= 24
	for i := 0; i < 8 && mant&0xff == 0; i++ {
		mant >>= 8
		exp += 8
	}
	w.int(mant)
	w.int(int64(exp))
}

func (w *dlibWriter) column(v []float32) {
	w.int(-int64(len(v)))
	w.int(-1)
	for _, f := range v {
		w.float(f)
	}
}

// tinyModel is a dlib shape predictor of 2 parts, 2 cascades of 2 trees
// of 1 split, 3 feature pixels, in dlib's format.
func tinyModel() []byte {
	var w dlibWriter
	w.int(1)
	w.column([]float32{0.25, 0.25, 0.75, 0.5})
	w.int(2)
	for c := 0; c < 2; c++ {
		w.int(2)
		for t := 0; t < 2; t++ {
			w.int(1)
			w.int(int64(t))
			w.int(2)
			w.float(float32(c) - 0.5)
			w.int(2)
			w.column([]float32{0.01, -0.02, 0.03, 0})
			w.column([]float32{-0.01, 0.02, 0, 0.125})
		}
	}
	w.int(2)
	for c := 0; c < 2; c++ {
		w.int(3)
		w.int(0)
		w.int(1)
		w.int(1)
	}
	w.int(2)
	for c := 0; c < 2; c++ {
		w.int(3)
		for i := 0; i < 3; i++ {
			w.float(0.1 * float32(i))
			w.float(-0.05)
		}
	}
	return w.Bytes()
}

// dlib's format reads into the flat form with every number in place; a
// file cut anywhere, or with a byte changed in a length, is an error.
func TestParseDlibShapePredictor(t *testing.T) {
	src := tinyModel()
	flat, err := ParseDlibShapePredictor(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	m, err := readFlat(flat)
	if err != nil {
		t.Fatal(err)
	}
	if (m != shapeModel{parts: 2, cascades: 2, trees: 2, splits: 1, pixels: 3}) {
		t.Fatalf("shape %+v", m)
	}
	f32 := func(off int) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(flat[off:])) }
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32(flat[off:]) }
	if f32(m.offInitial()+12) != 0.5 || u32(m.offAnchors()+4) != 1 || f32(m.offDeltas()+8) != float32(0.1) {
		t.Errorf("initial %v, anchor %d, delta %v", f32(m.offInitial()+12), u32(m.offAnchors()+4), f32(m.offDeltas()+8))
	}
	// cascade 1, tree 1: split reads pixels 1 and 2 at 0.5; its second leaf ends in 0.125
	if s := m.offSplits() + 12*3; u32(s) != 1 || u32(s+4) != 2 || f32(s+8) != 0.5 {
		t.Errorf("split %d %d %v", u32(s), u32(s+4), f32(s+8))
	}
	if f32(len(flat)-4) != 0.125 || f32(m.offLeaves()+4) != -0.02 {
		t.Errorf("leaves end %v start %v", f32(len(flat)-4), f32(m.offLeaves()+4))
	}
	for n := 0; n < len(src); n++ {
		if _, err := ParseDlibShapePredictor(bytes.NewReader(src[:n])); !errors.Is(err, ErrShapeModel) {
			t.Fatalf("cut at %d of %d: %v", n, len(src), err)
		}
	}
	if _, err := ParseDlibShapePredictor(bytes.NewReader(append(src, 0))); err == nil {
		t.Error("a trailing byte was accepted")
	}
	for n := 0; n < len(flat); n++ {
		if _, err := readFlat(flat[:n]); err == nil {
			t.Fatalf("flat model cut at %d read", n)
		}
	}
	bad := append([]byte(nil), flat...)
	binary.LittleEndian.PutUint32(bad[m.offSplits()+4:], 3) // pixel 3 of 3
	if _, err := readFlat(bad); err == nil {
		t.Error("a split out of range was read")
	}
}

// Whatever bytes dlib's format or the flat one holds, reading them ends in
// a model that checks out or an ErrShapeModel, never a panic; a model
// read checks out as flat, and allocation follows the input's length.
func FuzzParseDlibShapePredictor(f *testing.F) {
	f.Add(tinyModel())
	f.Add(tinyModel()[:20])
	f.Fuzz(func(t *testing.T, b []byte) {
		flat, err := ParseDlibShapePredictor(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrShapeModel) {
				t.Fatalf("error %v is not ErrShapeModel", err)
			}
			return
		}
		if _, err := readFlat(flat); err != nil {
			t.Fatalf("parsed model does not check out: %v", err)
		}
	})
}

func FuzzReadFlat(f *testing.F) {
	flat, err := ParseDlibShapePredictor(bytes.NewReader(tinyModel()))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(flat)
	f.Add(flat[:40])
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := readFlat(b)
		if err != nil {
			if !errors.Is(err, ErrShapeModel) {
				t.Fatalf("error %v is not ErrShapeModel", err)
			}
			return
		}
		if int64(len(b)) != m.size() || m.offLeaves()+4*m.cascades*m.trees*(m.splits+1)*2*m.parts != len(b) {
			t.Fatalf("model %+v in %d bytes", m, len(b))
		}
	})
}
