// Package geom holds the small geometry helpers several packages share.
package geom

import "image"

// Bounds is the smallest rectangle that holds the pixel of every point
// (Max is one past the largest coordinates); empty for no points.
func Bounds(pts []image.Point) image.Rectangle {
	if len(pts) == 0 {
		return image.Rectangle{}
	}
	r := image.Rectangle{Min: pts[0], Max: pts[0].Add(image.Pt(1, 1))}
	for _, p := range pts[1:] {
		r.Min.X, r.Min.Y = min(r.Min.X, p.X), min(r.Min.Y, p.Y)
		r.Max.X, r.Max.Y = max(r.Max.X, p.X+1), max(r.Max.Y, p.Y+1)
	}
	return r
}
