package facecheck

import (
	"image"
	"image/color"
	"math"

	"github.com/facegate/facegate/internal/luma"
)

// view places a region of an image on the detector's square input: turned
// by turn quarter turns clockwise, scaled to fit, centred, the rest left
// as padding (letterboxing). It maps the detector's coordinates back.
type view struct {
	region image.Rectangle // in the image's coordinates
	turn   int             // 0..3 quarter turns, clockwise
	size   int             // the input's side
	// rw, rh: the region's size on the input, in the region's own
	// orientation; ox, oy: where the turned content starts.
	rw, rh int
	ox, oy int
}

func newView(region image.Rectangle, turn, size int) view {
	turn &= 3
	W, H := region.Dx(), region.Dy()
	s := float64(size) / float64(max(W, H, 1))
	v := view{region: region, turn: turn, size: size,
		rw: min(size, max(1, int(math.Round(float64(W)*s)))), rh: min(size, max(1, int(math.Round(float64(H)*s))))}
	tw, th := v.rw, v.rh
	if turn&1 == 1 {
		tw, th = th, tw
	}
	v.ox, v.oy = (size-tw)/2, (size-th)/2
	return v
}

// toImage maps a point on the input, in units of its side, to the image.
func (v view) toImage(u, w float64) (float64, float64) {
	qx, qy := u*float64(v.size)-float64(v.ox), w*float64(v.size)-float64(v.oy)
	var px, py float64 // on the unturned content
	switch v.turn {
	case 0:
		px, py = qx, qy
	case 1:
		px, py = qy, float64(v.rh)-qx
	case 2:
		px, py = float64(v.rw)-qx, float64(v.rh)-qy
	case 3:
		px, py = float64(v.rw)-qy, qx
	}
	return float64(v.region.Min.X) + px*float64(v.region.Dx())/float64(v.rw),
		float64(v.region.Min.Y) + py*float64(v.region.Dy())/float64(v.rh)
}

// scale is the detector's input pixels per image pixel.
func (v view) scale() float64 { return float64(v.rw) / float64(v.region.Dx()) }

// fill writes the view of img into dst, NHWC float32 in [-1, 1], padding
// with pad (in the same range). small is scratch space, reused when large
// enough; fill returns it.
func (v view) fill(img image.Image, dst []float32, pad float32, small []uint8) []uint8 {
	n := 3 * v.rw * v.rh
	if cap(small) < n {
		small = make([]uint8, n)
	}
	small = small[:n]
	areaRGB(img, v.region, v.rw, v.rh, small)
	v.place(small, dst, pad)
	return small
}

// place writes content (rw×rh RGB, the region's orientation) into dst,
// turned and centred.
func (v view) place(small []uint8, dst []float32, pad float32) {
	S := v.size
	for i := range dst[:3*S*S] {
		dst[i] = pad
	}
	tw, th := v.rw, v.rh
	if v.turn&1 == 1 {
		tw, th = th, tw
	}
	for qy := range th {
		row := dst[3*((qy+v.oy)*S+v.ox):]
		for qx := range tw {
			var px, py int
			switch v.turn {
			case 0:
				px, py = qx, qy
			case 1:
				px, py = qy, v.rh-1-qx
			case 2:
				px, py = v.rw-1-qx, v.rh-1-qy
			case 3:
				px, py = v.rw-1-qy, qx
			}
			p := small[3*(py*v.rw+px):]
			o := row[3*qx : 3*qx+3 : 3*qx+3]
			o[0] = float32(p[0])/127.5 - 1
			o[1] = float32(p[1])/127.5 - 1
			o[2] = float32(p[2])/127.5 - 1
		}
	}
}

// areaRGB writes the region r of img (inside its bounds), resampled to
// w×h by area averaging, as RGB bytes. A *image.YCbCr is averaged in its
// luma plane (luma.Area) and its chroma sampled at each output pixel's
// centre. Other images are read as RGB rows; when one output
// pixel covers more than areaStride² of their pixels, every other row
// and column (or every fourth...) is read: the mean of the rest is as
// good a low pass for a detector, and the work stops growing with the
// photo.
func areaRGB(img image.Image, r image.Rectangle, w, h int, dst []uint8) {
	r = r.Intersect(img.Bounds())
	if r.Empty() {
		clear(dst[:3*w*h])
		return
	}
	step := 1
	for r.Dx()/(2*step) >= areaStride*w && r.Dy()/(2*step) >= areaStride*h {
		step *= 2
	}
	sw, sh := (r.Dx()+step-1)/step, (r.Dy()+step-1)/step // the samples read
	xs, ys := areaTaps(sw, w), areaTaps(sh, h)
	if m, ok := img.(*image.YCbCr); ok {
		yPlane := luma.Area(m, r, w, h).Pix // every luma sample
		sx, sy := float64(r.Dx())/float64(w), float64(r.Dy())/float64(h)
		for oy := range h {
			iy := r.Min.Y + int((float64(oy)+0.5)*sy)
			for ox := range w {
				ix := r.Min.X + int((float64(ox)+0.5)*sx)
				c := m.COffset(ix, iy)
				R, G, B := color.YCbCrToRGB(yPlane[oy*w+ox], m.Cb[c], m.Cr[c])
				d := dst[3*(oy*w+ox):]
				d[0], d[1], d[2] = R, G, B
			}
		}
		return
	}
	// Any other image: rows read as RGB once, the three channels averaged
	// together.
	full := make([]uint8, 3*r.Dx())
	copy(dst, areaPlane(sw, w, h, 3, xs, ys, func(y int, row []uint8) {
		rgbRow(img, r.Min.Y+y*step, r.Min.X, full)
		for i := range sw {
			copy(row[3*i:3*i+3], full[3*i*step:])
		}
	}))
}

// areaStride is how many input pixels, along each axis, an output pixel
// averages at least before areaRGB reads fewer of them.
const areaStride = 4

// areaPlane averages an 8-bit image of ch interleaved channels, srcW
// pixels wide, read a row at a time by row (the row's index), to w×h
// with the given taps (areaTaps). Each output's weights sum to 1<<12 per
// axis: a horizontal sum is at most 255<<12, shifted to 255<<8, times the
// vertical weights at most 255<<20.
func areaPlane(srcW, w, h, ch int, xs, ys [][]tap, row func(y int, dst []uint8)) []uint8 {
	out := make([]uint8, w*h*ch)
	src := make([]uint8, srcW*ch)
	hrow := make([]uint32, w*ch)
	acc := make([]uint32, w*ch)
	for oy, ty := range ys {
		clear(acc)
		for _, t := range ty {
			row(t.i, src)
			for ox, tx := range xs {
				for c := range ch {
					var s uint32
					for _, x := range tx {
						s += uint32(src[x.i*ch+c]) * x.w
					}
					hrow[ox*ch+c] = s >> 4
				}
			}
			for i, v := range hrow {
				acc[i] += v * t.w
			}
		}
		o := out[oy*w*ch:][:w*ch]
		for i, v := range acc {
			o[i] = uint8((v + 1<<19) >> 20)
		}
	}
	return out
}

// rgbRow writes len(dst)/3 pixels of row y of img, from column x0, as RGB
// (alpha ignored: images are flattened later, and the detector sees the
// colour).
func rgbRow(img image.Image, y, x0 int, dst []uint8) {
	n := len(dst) / 3
	switch m := img.(type) {
	case *image.NRGBA:
		rgbFrom4(m.Pix[m.PixOffset(x0, y):], dst, n)
	case *image.RGBA:
		rgbFrom4(m.Pix[m.PixOffset(x0, y):], dst, n)
	case *image.Gray:
		for i, g := range m.Pix[m.PixOffset(x0, y):][:n] {
			dst[3*i], dst[3*i+1], dst[3*i+2] = g, g, g
		}
	case *image.YCbCr:
		for i := range n {
			yi, ci := m.YOffset(x0+i, y), m.COffset(x0+i, y)
			dst[3*i], dst[3*i+1], dst[3*i+2] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
		}
	default:
		for i := range n {
			c := color.RGBAModel.Convert(img.At(x0+i, y)).(color.RGBA)
			dst[3*i], dst[3*i+1], dst[3*i+2] = c.R, c.G, c.B
		}
	}
}

func rgbFrom4(pix, dst []uint8, n int) {
	for i := range n {
		dst[3*i], dst[3*i+1], dst[3*i+2] = pix[4*i], pix[4*i+1], pix[4*i+2]
	}
}
