package report

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/quality/iso"
)

// ISORun is one run's scores of the largest faces, by component.
type ISORun struct {
	Records, Faces int
	scores         map[string][]float64
}

// ReadISORun reads JSON Lines records; a damaged line is named on stderr
// and skipped, a path seen twice (shards, resumed runs) counted once.
func ReadISORun(name string, stderr io.Writer) (*ISORun, error) {
	run := &ISORun{scores: map[string][]float64{}}
	bad := func(n int, err error) { fmt.Fprintf(stderr, "facegate: %s: line %d: %v: skipped\n", name, n, err) }
	err := EachRecord(name, map[string]bool{}, bad, func(r *prevalidate.Report) {
		run.Records++
		if len(r.Faces) == 0 || r.Faces[0].ISO == nil {
			return
		}
		run.Faces++
		for k, c := range r.Faces[0].ISO {
			if c.Score != nil {
				run.scores[k] = append(run.scores[k], *c.Score)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// CompareRow is one ISO component in two runs: each run's summary, the
// Kolmogorov-Smirnov distance between their scores and its p-value.
type CompareRow struct {
	Name, How string
	A, B      Stats
	D, P      float64
	av, bv    []float64
}

// CompareRuns compares two runs component by component, in OFIQ's order.
func CompareRuns(a, b *ISORun) []CompareRow {
	var rows []CompareRow
	for _, in := range iso.Measures() {
		av, bv := a.scores[in.Name], b.scores[in.Name]
		if len(av) == 0 || len(bv) == 0 {
			continue
		}
		d := ksDistance(av, bv)
		rows = append(rows, CompareRow{Name: in.Name, How: in.How, A: Summarise(av), B: Summarise(bv), D: d, P: ksPValue(d, len(av), len(bv)), av: av, bv: bv})
	}
	return rows
}

// ksDistance is the largest gap between the two samples' empirical
// distribution functions.
func ksDistance(a, b []float64) float64 {
	x, y := slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	var i, j int
	var d float64
	for i < len(x) && j < len(y) {
		v := math.Min(x[i], y[j])
		for i < len(x) && x[i] == v {
			i++
		}
		for j < len(y) && y[j] == v {
			j++
		}
		d = math.Max(d, math.Abs(float64(i)/float64(len(x))-float64(j)/float64(len(y))))
	}
	return d
}

// ksPValue is the asymptotic two-sample Kolmogorov-Smirnov p-value
// (Stephens' correction for small samples); scores in whole points tie
// often, which makes it conservative.
func ksPValue(d float64, n, m int) float64 {
	ne := float64(n) * float64(m) / float64(n+m)
	lambda := (math.Sqrt(ne) + 0.12 + 0.11/math.Sqrt(ne)) * d
	if lambda < 1e-3 {
		return 1
	}
	var sum float64
	for k := 1; k <= 100; k++ {
		term := 2 * math.Pow(-1, float64(k-1)) * math.Exp(-2*float64(k*k)*lambda*lambda)
		sum += term
		if math.Abs(term) < 1e-12 {
			break
		}
	}
	return math.Max(0, math.Min(1, sum))
}

// WriteComparePlot draws, per component, both runs' score histograms over
// each other (A blue, B orange), as shares of each run's faces.
func WriteComparePlot(w io.Writer, an, bn string, a, b *ISORun, rows []CompareRow) error {
	var s strings.Builder
	fmt.Fprintf(&s, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>facegate compare</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}.grid{display:flex;flex-wrap:wrap;gap:1.5em}figure{margin:0;width:420px}figcaption{font-weight:bold;font-size:14px}</style></head><body>
<h1>facegate compare</h1><p><span style="color:#2e86c1">A: %s (%d faces)</span>, <span style="color:#e67e22">B: %s (%d faces)</span>: each component's 0-100 scores of the largest face, as shares of each run's faces; the medians dashed.</p><div class="grid">`,
		template.HTMLEscapeString(an), a.Faces, template.HTMLEscapeString(bn), b.Faces)
	for _, r := range rows {
		s.WriteString(overlayChart(r))
	}
	s.WriteString("</div></body></html>\n")
	_, err := io.WriteString(w, s.String())
	return err
}

func overlayChart(r CompareRow) string {
	const bins, w, h, x0, y0 = 20, 420, 190, 40, 14
	share := func(v []float64) []float64 {
		c := make([]float64, bins)
		for _, x := range v {
			c[min(bins-1, max(0, int(x/100*bins)))] += 1 / float64(len(v))
		}
		return c
	}
	ca, cb := share(r.av), share(r.bv)
	top := 0.01
	for i := range ca {
		top = math.Max(top, math.Max(ca[i], cb[i]))
	}
	plotW, plotH := float64(w-x0-10), float64(h-y0-30)
	var b strings.Builder
	fmt.Fprintf(&b, `<figure><figcaption>%s (%s): median %.0f -> %.0f, KS D %.2f</figcaption>`, template.HTMLEscapeString(r.Name), r.How, r.A.Median, r.B.Median, r.D)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="%s">`, w, h, template.HTMLEscapeString(r.Name))
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`, x0, float64(y0)+plotH, float64(x0)+plotW, float64(y0)+plotH)
	bw := plotW / bins
	for i := range ca {
		x := float64(x0) + bw*float64(i)
		ha, hb := plotH*ca[i]/top, plotH*cb[i]/top
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#2e86c1" fill-opacity="0.6"/>`, x+1, float64(y0)+plotH-ha, bw/2-1, ha)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#e67e22" fill-opacity="0.8"/>`, x+bw/2, float64(y0)+plotH-hb, bw/2-1, hb)
	}
	for _, m := range []struct {
		v      float64
		colour string
	}{{r.A.Median, "#2e86c1"}, {r.B.Median, "#e67e22"}} {
		x := float64(x0) + plotW*m.v/100
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="5,3"/>`, x, y0, x, float64(y0)+plotH, m.colour)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11">0</text><text x="%.1f" y="%d" font-size="11" text-anchor="end">100</text>`, x0, h-6, float64(x0)+plotW, h-6)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end">%.0f%%</text>`, x0-4, y0+10, 100*top)
	b.WriteString(`</svg></figure>`)
	return b.String()
}
