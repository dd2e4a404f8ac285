package facecheck

import (
	"image"
	"image/draw"
)

// Gray returns img as 8-bit grey. A *image.YCbCr (every JPEG) shares its Y
// plane, without a copy; other images are converted once.
func Gray(img image.Image) *image.Gray {
	switch m := img.(type) {
	case *image.Gray:
		return m
	case *image.YCbCr:
		b := m.Rect
		return &image.Gray{Pix: m.Y[m.YOffset(b.Min.X, b.Min.Y):], Stride: m.YStride, Rect: b}
	}
	b := img.Bounds()
	g := image.NewGray(b)
	draw.Draw(g, b, img, b.Min, draw.Src)
	return g
}
