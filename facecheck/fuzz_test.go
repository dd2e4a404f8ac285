package facecheck

import (
	"encoding/binary"
	"image"
	"math"
	"testing"
)

// The detector's outputs are read as numbers an ONNX model computed:
// whatever they are (NaN, infinities, huge or negative sizes), decoding
// and suppression never panic and return only finite boxes with scores
// at least the minimum; the views of any rectangle map inside it.
func FuzzDecodeBlaze(f *testing.F) {
	f.Add([]byte{0, 0, 0x40, 0x40}, uint16(600), uint16(300), uint16(200))
	f.Add([]byte{0, 0, 0xc0, 0x7f, 0, 0, 0x80, 0x7f, 0, 0, 0x80, 0xff}, uint16(1), uint16(9000), uint16(1))
	anchors := blazeBack.anchors()
	f.Fuzz(func(t *testing.T, raw []byte, at, w, h uint16) {
		logits := make([]float32, len(anchors))
		coords := make([]float32, len(anchors)*blazeCoords)
		for i := range logits {
			logits[i] = -20
		}
		// The fuzzer's floats go to the anchors from at on, logits first.
		n := len(raw) / 4
		for i := range n {
			v := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			j := int(at)%len(anchors) + i/(blazeCoords+1)
			if j >= len(anchors) {
				break
			}
			if k := i % (blazeCoords + 1); k == 0 {
				logits[j] = v
			} else {
				coords[j*blazeCoords+k-1] = v
			}
		}
		faces := weightedNMS(decodeBlaze(blazeBack, anchors, logits, coords, DefaultMinScore), nmsIoU)
		for _, fc := range faces {
			if !finite(fc) || fc.score < DefaultMinScore || fc.score > 1 {
				t.Fatalf("face %+v", fc)
			}
		}
		r := image.Rect(0, 0, int(w%5000)+1, int(h%5000)+1)
		for turn := range 4 {
			// The corners of the view's content map to corners of r.
			v := newView(r, turn, 256)
			tw, th := v.rw, v.rh
			if turn&1 == 1 {
				tw, th = th, tw
			}
			for _, p := range [][2]int{{v.ox, v.oy}, {v.ox + tw, v.oy + th}, {v.ox, v.oy + th}} {
				x, y := v.toImage(float64(p[0])/256, float64(p[1])/256)
				onEdge := func(v float64, n int) bool { return math.Abs(v) < 1e-6 || math.Abs(v-float64(n)) < 1e-6 }
				if !onEdge(x, r.Dx()) || !onEdge(y, r.Dy()) {
					t.Fatalf("view %+v maps content corner %v to %.3f,%.3f", v, p, x, y)
				}
			}
		}
		for _, tv := range tileViews(r, 256, newView(r, 0, 256).scale(), 224) {
			if !tv.region.In(r) || tv.region.Empty() {
				t.Fatalf("tile %v outside %v", tv.region, r)
			}
		}
	})
}
