package exif

import (
	"image"

	"github.com/disintegration/imaging"
)

// Apply returns img transformed so that an image stored with orientation o
// is seen upright. Normal and invalid orientations return img itself.
//
// *image.Gray and *image.YCbCr (every decoded JPEG) keep their type: their
// planes are moved as bytes, with no colour conversion. Other images come
// back as *image.NRGBA.
func Apply(img image.Image, o Orientation) image.Image {
	if !o.Valid() || o == Normal {
		return img
	}
	switch m := img.(type) {
	case *image.Gray:
		b := m.Bounds()
		w, h := b.Dx(), b.Dy()
		ow, oh := outSize(w, h, o)
		out := image.NewGray(image.Rect(0, 0, ow, oh))
		plane(out.Pix, ow, oh, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h, o)
		return out
	case *image.YCbCr:
		if out, ok := applyYCbCr(m, o); ok {
			return out
		}
	}
	switch o {
	case FlipH:
		return imaging.FlipH(img)
	case Rotate180:
		return imaging.Rotate180(img)
	case FlipV:
		return imaging.FlipV(img)
	case Transpose:
		return imaging.Transpose(img)
	case Rotate90CW:
		return imaging.Rotate270(img) // imaging turns counter-clockwise
	case Transverse:
		return imaging.Transverse(img)
	case Rotate90CCW:
		return imaging.Rotate90(img)
	}
	return img
}

func outSize(w, h int, o Orientation) (int, int) {
	if o.SwapsAxes() {
		return h, w
	}
	return w, h
}

// applyYCbCr moves the three planes. Subsampled chroma is moved as its own
// plane, which is exact when the luma size is a multiple of the chroma
// block; other sizes (and 4:1:0-like ratios with no transposed twin) are
// left to the generic path.
func applyYCbCr(m *image.YCbCr, o Orientation) (*image.YCbCr, bool) {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	var bx, by int // chroma block size
	ratio := m.SubsampleRatio
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444:
		bx, by = 1, 1
	case image.YCbCrSubsampleRatio422:
		bx, by = 2, 1
		if o.SwapsAxes() {
			ratio = image.YCbCrSubsampleRatio440
		}
	case image.YCbCrSubsampleRatio440:
		bx, by = 1, 2
		if o.SwapsAxes() {
			ratio = image.YCbCrSubsampleRatio422
		}
	case image.YCbCrSubsampleRatio420:
		bx, by = 2, 2
	default:
		return nil, false
	}
	if w%bx != 0 || h%by != 0 || b.Min.X%bx != 0 || b.Min.Y%by != 0 {
		return nil, false
	}
	ow, oh := outSize(w, h, o)
	out := image.NewYCbCr(image.Rect(0, 0, ow, oh), ratio)
	plane(out.Y, out.YStride, oh, m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, w, h, o)
	cw, ch := w/bx, h/by
	_, coh := outSize(cw, ch, o)
	off := m.COffset(b.Min.X, b.Min.Y)
	plane(out.Cb, out.CStride, coh, m.Cb[off:], m.CStride, cw, ch, o)
	plane(out.Cr, out.CStride, coh, m.Cr[off:], m.CStride, cw, ch, o)
	return out, true
}

// plane writes the w x h plane src, transformed by o, to dst (stride
// dstStride). For each destination row it walks the source with a fixed
// step, so there is no per-pixel branching.
func plane(dst []byte, dstStride, dstH int, src []byte, srcStride, w, h int, o Orientation) {
	ow := w
	if o.SwapsAxes() {
		ow = h
	}
	// The source offset of destination (0, Y) and the steps along X and Y.
	var start, dx, dy int
	last := (h - 1) * srcStride
	switch o {
	case FlipH: // dst(X,Y) = src(w-1-X, Y)
		start, dx, dy = w-1, -1, srcStride
	case Rotate180: // src(w-1-X, h-1-Y)
		start, dx, dy = last+w-1, -1, -srcStride
	case FlipV: // src(X, h-1-Y)
		start, dx, dy = last, 1, -srcStride
	case Transpose: // src(Y, X)
		start, dx, dy = 0, srcStride, 1
	case Rotate90CW: // src(Y, h-1-X)
		start, dx, dy = last, -srcStride, 1
	case Transverse: // src(w-1-Y, h-1-X)
		start, dx, dy = last+w-1, -srcStride, -1
	case Rotate90CCW: // src(w-1-Y, X)
		start, dx, dy = w-1, srcStride, -1
	default:
		start, dx, dy = 0, 1, srcStride
	}
	for Y := range dstH {
		row := dst[Y*dstStride : Y*dstStride+ow]
		i := start + Y*dy
		for X := range row {
			row[X] = src[i]
			i += dx
		}
	}
}
