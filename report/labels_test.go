package report

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// box is a text label's extent, from its position, anchor and length (11
// px sans: about 6.5 px a character, 11 px high).
type box struct{ x0, x1, y0, y1 float64 }

func labels(t *testing.T, svg string) (boxes []box, texts []string, width float64) {
	t.Helper()
	w := regexp.MustCompile(`<svg[^>]* width="(\d+)"`).FindStringSubmatch(svg)
	width, _ = strconv.ParseFloat(w[1], 64)
	for _, m := range regexp.MustCompile(`<text x="([-0-9.]+)" y="([-0-9.]+)"([^>]*)>([^<]*)</text>`).FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.ParseFloat(m[1], 64)
		y, _ := strconv.ParseFloat(m[2], 64)
		n := 6.5 * float64(len(m[4]))
		b := box{x, x + n, y - 9, y + 2}
		switch {
		case strings.Contains(m[3], `text-anchor="end"`):
			b.x0, b.x1 = x-n, x
		case strings.Contains(m[3], `text-anchor="middle"`):
			b.x0, b.x1 = x-n/2, x+n/2
		}
		boxes, texts = append(boxes, b), append(texts, m[4])
	}
	return boxes, texts, width
}

// A histogram's labels never overlap one another nor leave the chart,
// wherever its thresholds sit: at either end of the axis (yaw's -25 at
// the start, next to the count), inside, or two close together.
func TestHistogramLabelsDoNotOverlap(t *testing.T) {
	values := []float64{-25, -10, -3, 0, 2, 5, 9, 14, 17, 25}
	for _, th := range [][]float64{{-25, 25}, {-25}, {25}, {0}, {-1, 1}, {-30, 40}, {-3, -2, -1}, {24, 25}} {
		svg := string(drawHistogram("yaw", values, th, func(v float64) float64 { return v }, nil))
		boxes, texts, width := labels(t, svg)
		for i, a := range boxes {
			if a.x0 < 0 || a.x1 > width {
				t.Errorf("thresholds %v: %q at %.0f..%.0f leaves the %.0f px chart", th, texts[i], a.x0, a.x1, width)
			}
			for j := i + 1; j < len(boxes); j++ {
				b := boxes[j]
				if a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 {
					t.Errorf("thresholds %v: %q and %q overlap", th, texts[i], texts[j])
				}
			}
		}
	}
}
