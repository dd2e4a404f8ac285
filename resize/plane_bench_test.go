package resize

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkScalePlane is one luma plane of the pipeline's typical
// shrinks: jolla.jpg decoded at 4/8 to 1440x1080, obama3.jpg at 8/8 to
// its face-aware size.
func BenchmarkScalePlane(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name           string
		sw, sh, dw, dh int
	}{
		{"1632x1224-1440x1080", 1632, 1224, 1440, 1080},
		{"1434x2333-1119x1820", 1434, 2333, 1119, 1820},
		{"4000x3000-1440x1080", 4000, 3000, 1440, 1080},
	} {
		src := make([]byte, c.sw*c.sh)
		for i := range src {
			src[i] = byte(r.IntN(256))
		}
		dst := make([]byte, c.dw*c.dh)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				scalePlane(dst, c.dw, c.dw, c.dh, src, c.sw, c.sw, c.sh)
			}
		})
	}
}
