//go:build !cgo

package resize

// kernelScalePlane is kernel.c's fgr_scale_plane in Go, for builds without
// cgo: the same passes, ring of rows and rounding, without the vector
// instructions.
func kernelScalePlane(src []byte, sw, sh, ss int, dst []byte, dw, dh, ds int, fx, fy flatFilter, row, ring []float32, rows int) {
	for k := range fx.taps {
		row[sw+k] = 0
	}
	next := 0
	acc := make([]float32, dw)
	for y := range dh {
		need := fy.start[y] + fy.taps
		if rows < sh+fy.taps && next < fy.start[y] {
			next = fy.start[y] // never read
		}
		for ; next < need; next++ {
			t := ring[(next%rows)*dw:][:dw]
			if next >= sh {
				clear(t)
				continue
			}
			s := src[next*ss:][:sw]
			for x, v := range s {
				row[x] = float32(v)
			}
			for x := range t {
				r, w := row[fx.start[x]:][:fx.taps], fx.w[x*fx.taps:][:fx.taps]
				var a float32
				for k, v := range r {
					a += v * w[k]
				}
				t[x] = a
			}
		}
		w := fy.w[y*fy.taps:][:fy.taps]
		clear(acc)
		for k, wk := range w {
			t := ring[((fy.start[y]+k)%rows)*dw:][:dw]
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
