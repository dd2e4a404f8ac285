package iso

import (
	"encoding/binary"
	"image"
	"math"
	"testing"
)

// Any 68 points, however wild (off the image, on top of each other, huge),
// are measured or refused with ErrLandmarks: never a panic, every score in
// 0..100 and every raw value a number.
func FuzzMeasure(f *testing.F) {
	seed := make([]byte, 0, 68*4)
	for _, p := range template(17, 0) {
		seed = binary.LittleEndian.AppendUint16(seed, uint16(p.X))
		seed = binary.LittleEndian.AppendUint16(seed, uint16(p.Y))
	}
	f.Add(seed, uint8(128))
	f.Add(make([]byte, 68*4), uint8(0))
	f.Add(seed, uint8(128+90)) // a yaw of 90°
	img := grey(160, 120, 90)
	f.Fuzz(func(t *testing.T, data []byte, yaw uint8) {
		if len(data) < 68*4 {
			return
		}
		pts := make([]image.Point, 68)
		for i := range pts {
			pts[i] = image.Pt(int(int16(binary.LittleEndian.Uint16(data[4*i:]))), int(int16(binary.LittleEndian.Uint16(data[4*i+2:]))))
		}
		face := Face{Box: image.Rect(10, 10, 90, 90), Landmarks: pts, Yaw: float64(yaw) - 128, Sharpness: 40}
		c, err := Measure(img, []Face{face}, 0, Options{})
		if err != nil {
			return
		}
		for name, m := range c {
			if m.Score != nil && (*m.Score < 0 || *m.Score > 100 || math.IsNaN(*m.Score)) {
				t.Fatalf("%s score %v", name, *m.Score)
			}
			if m.Raw != nil && (math.IsNaN(*m.Raw) || math.IsInf(*m.Raw, 0)) {
				t.Fatalf("%s raw %v: not a JSON number", name, *m.Raw)
			}
		}
	})
}
