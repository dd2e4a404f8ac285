package resize

// #cgo CFLAGS: -O3
// #include "kernel.h"
import "C"

import (
	"runtime"
	"unsafe"
)

// kernelScalePlane runs fgr_scale_plane; scalePlane has checked the
// sizes and made row and ring (rows rows of dw) as the kernel needs them.
func kernelScalePlane(src []byte, sw, sh, ss int, dst []byte, dw, dh, ds int, fx, fy flatFilter, row, ring []float32, rows int) {
	xs, ys := int32s(fx.start), int32s(fy.start)
	C.fgr_scale_plane((*C.uint8_t)(unsafe.Pointer(&src[0])), C.int(sw), C.int(sh), C.int(ss),
		(*C.uint8_t)(unsafe.Pointer(&dst[0])), C.int(dw), C.int(dh), C.int(ds),
		(*C.int32_t)(unsafe.Pointer(&xs[0])), (*C.float)(unsafe.Pointer(&fx.w[0])), C.int(fx.taps),
		(*C.int32_t)(unsafe.Pointer(&ys[0])), (*C.float)(unsafe.Pointer(&fy.w[0])), C.int(fy.taps),
		(*C.float)(unsafe.Pointer(&row[0])), (*C.float)(unsafe.Pointer(&ring[0])), C.int(rows))
	runtime.KeepAlive(xs)
	runtime.KeepAlive(ys)
}

func int32s(v []int) []int32 {
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out
}
