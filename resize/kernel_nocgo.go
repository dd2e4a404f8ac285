//go:build !cgo

package resize

// kernelScalePlane is kernel.c's fgr_scale_plane in Go, for builds without
// cgo: the same passes and rounding, without the vector instructions.
func kernelScalePlane(src []byte, sw, sh, ss int, dst []byte, dw, dh, ds int, fx, fy flatFilter, row, tmp []float32) {
	for k := range fx.taps {
		row[sw+k] = 0
	}
	for y := range sh {
		s := src[y*ss:][:sw]
		for x, v := range s {
			row[x] = float32(v)
		}
		t := tmp[y*dw:][:dw]
		for x := range t {
			r, w := row[fx.start[x]:][:fx.taps], fx.w[x*fx.taps:][:fx.taps]
			var acc float32
			for k, v := range r {
				acc += v * w[k]
			}
			t[x] = acc
		}
	}
	clear(tmp[sh*dw:][:fy.taps*dw])
	acc := make([]float32, dw)
	for y := range dh {
		w := fy.w[y*fy.taps:][:fy.taps]
		clear(acc)
		for k, wk := range w {
			t := tmp[(fy.start[y]+k)*dw:][:dw]
			for x, v := range t {
				acc[x] += v * wk
			}
		}
		d := dst[y*ds:][:dw]
		for x, a := range acc {
			v := a + 0.5
			switch {
			case v <= 0:
				d[x] = 0
			case v >= 255:
				d[x] = 255
			default:
				d[x] = uint8(v)
			}
		}
	}
}
