// Package luma reads 8-bit luma from decoded images a row at a time, with
// fast paths for the types the decoders return, so that no hot loop calls
// At per pixel.
package luma

import (
	"image"
	"image/color"
)

// Row writes the luma of len(dst) pixels of row y of img, from column x0.
// YCbCr and Gray are copied; NRGBA and RGBA use color.GrayModel's weights
// (alpha ignored); anything else goes through color.GrayModel per pixel.
func Row(img image.Image, y, x0 int, dst []uint8) {
	switch m := img.(type) {
	case *image.Gray:
		copy(dst, m.Pix[m.PixOffset(x0, y):])
	case *image.YCbCr:
		copy(dst, m.Y[m.YOffset(x0, y):])
	case *image.NRGBA:
		fromRGB(m.Pix[m.PixOffset(x0, y):], dst)
	case *image.RGBA:
		fromRGB(m.Pix[m.PixOffset(x0, y):], dst)
	default:
		for i := range dst {
			dst[i] = color.GrayModel.Convert(img.At(x0+i, y)).(color.Gray).Y
		}
	}
}

// Of returns the luma of r (inside img's bounds), row-major, r.Dx() per row.
func Of(img image.Image, r image.Rectangle) []uint8 {
	w := r.Dx()
	out := make([]uint8, w*r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		Row(img, y, r.Min.X, out[(y-r.Min.Y)*w:][:w])
	}
	return out
}

func fromRGB(pix, dst []uint8) {
	for i := range dst {
		p := pix[4*i : 4*i+3 : 4*i+3]
		dst[i] = uint8((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16)
	}
}
