package report

import (
	"fmt"
	"github.com/facegate/facegate/internal/atomicfile"
	"html/template"
	"io"
	"math"
	"strings"

	"github.com/facegate/facegate/calibrate"
)

// WriteCalibration writes, per rule with records, the distribution of
// the images Progeny accepted and rejected along the rule's measure, with
// the current (grey) and proposed (green) thresholds drawn: one
// self-contained page, written atomically.
func WriteCalibration(path string, props []calibrate.Proposal) error {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>facegate calibration</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}figure{margin:0 0 2em}figcaption{font-weight:bold}</style></head><body>
<h1>facegate calibration</h1><p>Per rule: the images Progeny accepted (blue) and rejected for the rule's code (red) along its measure; the current threshold dashed grey, the proposed one green.</p>`)
	for _, pr := range props {
		if len(pr.Samples) == 0 {
			continue
		}
		name := string(pr.Code)
		if pr.Key != "" {
			name += " / " + pr.Key
		}
		fmt.Fprintf(&b, `<figure><figcaption>%s: %d records (%d accepted, %d rejected)</figcaption>`, template.HTMLEscapeString(name), pr.Records, pr.Accepted, pr.Rejected)
		b.WriteString(calibrationChart(pr))
		if math.IsNaN(pr.Proposed) {
			fmt.Fprintf(&b, `<p>No proposal: %s.</p>`, template.HTMLEscapeString(pr.Reason))
		} else {
			fmt.Fprintf(&b, `<p>Current %.4g, proposed %.4g (90 %% interval %.4g..%.4g): wasted calls %d -> %d, needless retakes %d -> %d.</p>`,
				pr.Current, pr.Proposed, pr.Low, pr.High, pr.Before.WastedCalls, pr.After.WastedCalls, pr.Before.NeedlessRetakes, pr.After.NeedlessRetakes)
		}
		if len(pr.With) > 0 {
			fmt.Fprintf(&b, `<p>Proposed together with %s, which raise the same code: the counts are the code's, for all of them.</p>`, template.HTMLEscapeString(strings.Join(pr.With, ", ")))
		}
		b.WriteString(`</figure>`)
	}
	b.WriteString(`</body></html>` + "\n")
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// calibrationChart is a stacked histogram of accepted and rejected records.
func calibrationChart(pr calibrate.Proposal) string {
	lo, hi := pr.Current, pr.Current
	for _, s := range pr.Samples {
		lo, hi = math.Min(lo, s.V), math.Max(hi, s.V)
	}
	if !math.IsNaN(pr.Proposed) {
		lo, hi = math.Min(lo, pr.Proposed), math.Max(hi, pr.Proposed)
	}
	if hi == lo {
		hi = lo + 1
	}
	hi += (hi - lo) * 1e-9
	const bins, w, h, x0, y0 = 30, 640, 200, 40, 16
	acc, rej := make([]int, bins), make([]int, bins)
	for _, s := range pr.Samples {
		i := min(bins-1, max(0, int((s.V-lo)/(hi-lo)*bins)))
		if s.Rejected {
			rej[i]++
		} else {
			acc[i]++
		}
	}
	maxC := 1
	for i := range acc {
		maxC = max(maxC, acc[i]+rej[i])
	}
	plotW, plotH := float64(w-x0-10), float64(h-y0-30)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img">`, w, h)
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`, x0, float64(y0)+plotH, float64(x0)+plotW, float64(y0)+plotH)
	for i := range acc {
		x := float64(x0) + plotW*float64(i)/bins + 1
		ha := plotH * float64(acc[i]) / float64(maxC)
		hr := plotH * float64(rej[i]) / float64(maxC)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#2e86c1"/>`, x, float64(y0)+plotH-ha, plotW/bins-2, ha)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#c0392b"/>`, x, float64(y0)+plotH-ha-hr, plotW/bins-2, hr)
	}
	xOf := func(v float64) float64 { return float64(x0) + plotW*(v-lo)/(hi-lo) }
	// Each label on the outer side of its line, so the two never overlap,
	// unless that side has no room for it; one label when they coincide.
	const room = 100 // px a label takes
	line := func(v float64, colour, label string, left bool) {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="5,3"/>`, xOf(v), y0, xOf(v), float64(y0)+plotH, colour)
		switch x := xOf(v); {
		case left && x-room < 0:
			left = false
		case !left && x+room > float64(w):
			left = true
		}
		x, anchor := xOf(v)+3, "start"
		if left {
			x, anchor = xOf(v)-3, "end"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" fill="%s" text-anchor="%s">%s %.4g</text>`, x, y0-4, colour, anchor, label, v)
	}
	proposed := !math.IsNaN(pr.Proposed)
	switch {
	case proposed && pr.Proposed == pr.Current:
		line(pr.Current, "#1e8449", "current = proposed", false)
	case proposed:
		line(pr.Current, "#777", "current", pr.Current < pr.Proposed)
		line(pr.Proposed, "#1e8449", "proposed", pr.Proposed < pr.Current)
	default:
		line(pr.Current, "#777", "current", false)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11">%.4g</text><text x="%.1f" y="%d" font-size="11" text-anchor="end">%.4g</text>`, x0, h-6, lo, float64(x0)+plotW, h-6, hi)
	b.WriteString(`</svg>`)
	return b.String()
}
