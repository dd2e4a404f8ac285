package geom

import (
	"image"
	"testing"
)

func TestBounds(t *testing.T) {
	for _, c := range []struct {
		pts  []image.Point
		want image.Rectangle
	}{
		{nil, image.Rectangle{}},
		{[]image.Point{{3, 4}}, image.Rect(3, 4, 4, 5)},
		{[]image.Point{{3, 4}, {-2, 9}, {7, 0}}, image.Rect(-2, 0, 8, 10)},
	} {
		if got := Bounds(c.pts); got != c.want {
			t.Errorf("%v: %v, want %v", c.pts, got, c.want)
		}
	}
}
