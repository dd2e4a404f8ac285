package codec

// #cgo CFLAGS: -O2
// #cgo LDFLAGS: -lturbojpeg -lheif
// #include <stdlib.h>
// #include "codec.h"
// #include <jconfig.h>
// #include <libheif/heif.h>
// #define FGC_TURBO_VERSION LIBJPEG_TURBO_VERSION_NUMBER
import "C"

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"runtime"
	"unsafe"
)

func cErr(op string, e *C.fgc_err) error {
	msg := C.GoString(&e.msg[0])
	if e.warning != 0 {
		return &Warning{Msg: msg}
	}
	return fmt.Errorf("%w: %s: %s", ErrCodec, op, msg)
}

func bytesPtr(b []byte) (*C.uint8_t, C.size_t) { return ptr(b), C.size_t(len(b)) }

// JPEGHeader reads a JPEG's size and layout without decoding pixels.
func JPEGHeader(b []byte) (JPEGInfo, error) {
	if len(b) == 0 {
		return JPEGInfo{}, fmt.Errorf("%w: empty data", ErrCodec)
	}
	p, n := bytesPtr(b)
	var w, h, samp, cs C.int
	var e C.fgc_err
	rc := C.fgc_jpeg_header(p, n, &w, &h, &samp, &cs, &e)
	runtime.KeepAlive(b)
	if rc < 0 {
		return JPEGInfo{}, cErr("header", &e)
	}
	if w <= 0 || h <= 0 {
		return JPEGInfo{}, fmt.Errorf("%w: header: no frame header (SOF) before the data ends", ErrCodec)
	}
	info := JPEGInfo{Width: int(w), Height: int(h), samp: int(samp)}
	switch {
	case cs == csGray || samp == sampGray:
		info.Planar, info.samp = true, sampGray
	case cs == csYCbCr:
		_, info.Planar = ratios[info.samp]
	}
	return info, nil
}

// DecodeJPEG decodes b at num/8 of its size (num 1..8) into an
// *image.YCbCr, or an *image.Gray for a grey JPEG, without colour
// conversion. buf is used for the pixels when it is large enough (pass nil
// to allocate). Images that are not Planar return ErrUnsupported; a decode
// that only warned returns the image and a *Warning.
func DecodeJPEG(b []byte, num int, buf []byte) (image.Image, error) {
	info, err := JPEGHeader(b)
	if err != nil {
		return nil, err
	}
	if !info.Planar {
		return nil, ErrUnsupported
	}
	if num < 1 || num > 8 {
		return nil, fmt.Errorf("%w: scale %d/8 out of range", ErrCodec, num)
	}
	w, h := Scaled(info.Width, info.Height, num)
	r := image.Rect(0, 0, w, h)
	var img image.Image
	var y, cb, cr []byte
	var ys, cstride int
	if info.samp == sampGray {
		g := &image.Gray{Pix: take(buf, w*h), Stride: w, Rect: r}
		img, y, ys = g, g.Pix, w
	} else {
		m := newYCbCr(r, ratios[info.samp], buf)
		img, y, cb, cr, ys, cstride = m, m.Y, m.Cb, m.Cr, m.YStride, m.CStride
	}
	p, n := bytesPtr(b)
	var e C.fgc_err
	rc := C.fgc_jpeg_decode_planes(p, n, C.int(w), C.int(h), ptr(y), ptr(cb), ptr(cr), C.int(ys), C.int(cstride), &e)
	runtime.KeepAlive(b)
	runtime.KeepAlive(buf)
	runtime.KeepAlive(img)
	if rc < 0 {
		err := cErr("decode", &e)
		var warn *Warning
		if errors.As(err, &warn) {
			return img, err
		}
		return nil, err
	}
	return img, nil
}

// take returns buf[:n] when it is large enough, else a new slice.
func take(buf []byte, n int) []byte {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]byte, n)
}

// newYCbCr is image.NewYCbCr over buf when it is large enough.
func newYCbCr(r image.Rectangle, ratio image.YCbCrSubsampleRatio, buf []byte) *image.YCbCr {
	w, h := r.Dx(), r.Dy()
	cw, ch := w, h
	switch ratio {
	case image.YCbCrSubsampleRatio422:
		cw = (w + 1) / 2
	case image.YCbCrSubsampleRatio420:
		cw, ch = (w+1)/2, (h+1)/2
	case image.YCbCrSubsampleRatio440:
		ch = (h + 1) / 2
	case image.YCbCrSubsampleRatio411:
		cw = (w + 3) / 4
	}
	pix := take(buf, w*h+2*cw*ch)
	return &image.YCbCr{
		Y: pix[: w*h : w*h], Cb: pix[w*h : w*h+cw*ch : w*h+cw*ch], Cr: pix[w*h+cw*ch:],
		YStride: w, CStride: cw, SubsampleRatio: ratio, Rect: r,
	}
}

// EncodeJPEG encodes an opaque image as a baseline 4:2:0 JPEG at quality
// (1..100), the same layout as image/jpeg writes (grey for *image.Gray).
// 4:2:0 *image.YCbCr and *image.Gray planes are compressed as they are,
// with no colour conversion; *image.RGBA and opaque *image.NRGBA are read
// in place; an *image.CMYK becomes a CMYK (Adobe YCCK) JPEG, as print
// workflows write them; other images are converted first.
func EncodeJPEG(img image.Image, quality int) ([]byte, error) {
	b := img.Bounds()
	if b.Empty() {
		return nil, fmt.Errorf("%w: encode: empty image", ErrCodec)
	}
	quality = min(max(quality, 1), 100)
	var pix []byte
	var stride int
	var size C.size_t
	var e C.fgc_err
	var out *C.uint8_t
	switch m := img.(type) {
	case *image.YCbCr:
		if m.SubsampleRatio != image.YCbCrSubsampleRatio420 || m.Rect.Min != (image.Point{}) {
			break
		}
		out = C.fgc_jpeg_encode_planes(ptr(m.Y), ptr(m.Cb), ptr(m.Cr), C.int(b.Dx()), C.int(b.Dy()),
			C.int(m.YStride), C.int(m.CStride), C.int(quality), &size, &e)
		runtime.KeepAlive(m)
		return encoded(out, size, &e)
	case *image.Gray:
		if m.Rect.Min != (image.Point{}) {
			break
		}
		out = C.fgc_jpeg_encode_planes(ptr(m.Pix), nil, nil, C.int(b.Dx()), C.int(b.Dy()),
			C.int(m.Stride), 0, C.int(quality), &size, &e)
		runtime.KeepAlive(m)
		return encoded(out, size, &e)
	}
	cmyk := 0
	switch m := img.(type) {
	case *image.CMYK:
		pix, stride, cmyk = m.Pix, m.Stride, 1
	case *image.RGBA:
		pix, stride = m.Pix, m.Stride
	case *image.NRGBA:
		pix, stride = m.Pix, m.Stride
	default:
		rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
		pix, stride = rgba.Pix, rgba.Stride
	}
	out = C.fgc_jpeg_encode_packed(ptr(pix), C.int(b.Dx()), C.int(b.Dy()), C.int(stride), C.int(cmyk), C.int(quality), &size, &e)
	runtime.KeepAlive(pix)
	return encoded(out, size, &e)
}

func ptr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

// encoded copies libjpeg-turbo's output into Go memory and frees it.
func encoded(out *C.uint8_t, size C.size_t, e *C.fgc_err) ([]byte, error) {
	if out == nil {
		return nil, cErr("encode", e)
	}
	defer C.fgc_free(unsafe.Pointer(out))
	return C.GoBytes(unsafe.Pointer(out), C.int(size)), nil
}

// DecodeHEIF decodes the primary image of a HEIF/HEIC file with libheif,
// its rotation and mirroring applied, as an *image.RGBA (opaque) or
// *image.NRGBA (with alpha). maxSide bounds the width and height libheif
// accepts (0 = its default).
func DecodeHEIF(b []byte, maxSide int) (image.Image, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty data", ErrCodec)
	}
	p, n := bytesPtr(b)
	var w, h, alpha, stride C.int
	var pix *C.uint8_t
	var handle unsafe.Pointer
	var e C.fgc_err
	rc := C.fgc_heif_decode(p, n, C.int(maxSide), &w, &h, &alpha, &pix, &stride, &handle, &e)
	runtime.KeepAlive(b)
	if rc < 0 {
		return nil, cErr("heif", &e)
	}
	defer C.fgc_heif_release(handle)
	W, H, S := int(w), int(h), int(stride)
	src := unsafe.Slice((*byte)(unsafe.Pointer(pix)), (H-1)*S+4*W)
	dst := make([]byte, 4*W*H)
	for y := range H {
		copy(dst[y*4*W:(y+1)*4*W], src[y*S:y*S+4*W])
	}
	r := image.Rect(0, 0, W, H)
	if alpha != 0 {
		return &image.NRGBA{Pix: dst, Stride: 4 * W, Rect: r}, nil
	}
	return &image.RGBA{Pix: dst, Stride: 4 * W, Rect: r}, nil
}

// Versions names the codec libraries facegate was built with (libjpeg-turbo,
// from its headers) and runs with (libheif, asked at run time).
func Versions() map[string]string {
	n := int(C.FGC_TURBO_VERSION)
	return map[string]string{
		"libjpeg-turbo": fmt.Sprintf("%d.%d.%d", n/1000000, n/1000%1000, n%1000),
		"libheif":       C.GoString(C.heif_get_version()),
	}
}
