package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/facegate/facegate/internal/atomicfile"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/quality/iso"
)

// reportRow is what the HTML report keeps of a record.
type reportRow struct {
	Path        string
	OK, Fixable bool
	Codes       []string
	// M are the record's values of the report's measures (reportMeasures),
	// NaN where it has none.
	M []float64
	// ISO are the largest face's ISO/IEC 29794-5 scores, when computed.
	ISO map[string]float64
}

// reportMeasure is one histogram of the report: a measure the profile
// judges (prevalidate.Measure, read with its own Of), with the thresholds
// of the rules that compare it.
type reportMeasure struct {
	ms         *prevalidate.Measure
	thresholds []float64
}

// reportMeasures are the measures of p's threshold rules that the
// provider's verdicts speak to (Measure.Learnt), one per name, in the
// profile's order: too dark and too bright share the face luminance.
func reportMeasures(p *prevalidate.Profile) []reportMeasure {
	var out []reportMeasure
	for _, r := range p.Rules {
		if r.Measure == nil || !r.Measure.Learnt {
			continue
		}
		i := slices.IndexFunc(out, func(m reportMeasure) bool { return m.ms.Name == r.Measure.Name })
		if i < 0 {
			out = append(out, reportMeasure{ms: r.Measure})
			i = len(out) - 1
		}
		out[i].thresholds = append(out[i].thresholds, r.Threshold)
	}
	return out
}

func rowOf(r *prevalidate.Report, measures []reportMeasure) reportRow {
	row := reportRow{Path: r.Path, OK: r.OK}
	fixable := true
	for _, is := range r.Issues {
		if is.Severity != prevalidate.SeverityError {
			continue
		}
		if !slices.Contains(row.Codes, string(is.Code)) {
			row.Codes = append(row.Codes, string(is.Code))
		}
		fixable = fixable && is.Fixable
	}
	row.Fixable = !row.OK && fixable && len(row.Codes) > 0
	if r.Output != nil { // fix: ok is the output's verdict
		row.Fixable = r.OK && len(row.Codes) > 0
	}
	v := r.Values()
	row.M = make([]float64, len(measures))
	for i, m := range measures {
		x, ok := m.ms.Of(v)
		if !ok {
			x = math.NaN()
		}
		row.M[i] = x
	}
	row.ISO = v.ISO // the largest face's scores
	return row
}

// HTML collects records and writes the report on Close: counts, the
// failure codes, a histogram per measure the profile judges, the ISO
// section, and a gallery of failing images with their faces drawn.
type HTML struct {
	name     string
	profile  *prevalidate.Profile
	measures []reportMeasure
	rows     []reportRow
	gallery  *gallery
}

// NewHTML makes the report that Close writes to the file name, judged by
// profile p's thresholds.
func NewHTML(name string, p *prevalidate.Profile) *HTML {
	return &HTML{name: name, profile: p, measures: reportMeasures(p), gallery: newGallery()}
}

// Write adds one record.
func (h *HTML) Write(r *prevalidate.Report) error {
	h.rows = append(h.rows, rowOf(r, h.measures))
	h.gallery.add(r)
	return nil
}

// Close writes the file atomically.
func (h *HTML) Close() error {
	err := atomicfile.Write(h.name, func(w io.Writer) error { return writeReport(w, h.rows, h.measures, h.gallery) })
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// ErrNoRecords is FromJSONL's error when none of its files holds a
// record it could read: no report is written.
var ErrNoRecords = errors.New("no facegate records could be read")

// FromJSONL builds the report out from saved JSON Lines records, and
// says how many it drew. Each line that is not a record goes to bad (nil:
// skipped unsaid) with its file and number.
func FromJSONL(files []string, out string, p *prevalidate.Profile, bad func(name string, line int, err error)) (int, error) {
	h := NewHTML(out, p)
	seen := map[string]bool{}
	for _, name := range files {
		var badLine func(int, error)
		if bad != nil {
			badLine = func(n int, err error) { bad(name, n, err) }
		}
		err := EachRecord(name, seen, badLine, func(r *prevalidate.Report) { h.Write(r) })
		if err != nil {
			return 0, err
		}
	}
	if len(h.rows) == 0 {
		return 0, fmt.Errorf("%w from %s", ErrNoRecords, strings.Join(files, ", "))
	}
	return len(h.rows), h.Close()
}

// EachRecord reads a JSON Lines file of records and calls fn with each
// one whose path is not in seen yet (a record in two shards, or written
// again by a resumed run, counts once), adding it. A line that is not a
// record (does not parse, has no path: a torn last line, garbage) goes to
// bad with its number (nil: skipped unsaid); so does a record of a failed
// run step (Report.Error: its image was not done).
func EachRecord(name string, seen map[string]bool, bad func(line int, err error), fn func(*prevalidate.Report)) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r prevalidate.Report
		err := json.Unmarshal(sc.Bytes(), &r)
		switch {
		case err != nil:
			err = fmt.Errorf("not a record: %w", err)
		case r.Path == "":
			err = errors.New("not a record: no path")
		case r.Error != "":
			err = fmt.Errorf("%s: %s", r.Path, r.Error)
		}
		if err != nil {
			if bad != nil {
				bad(n, err)
			}
			continue
		}
		if r.Path != "" && seen[r.Path] {
			continue
		}
		seen[r.Path] = true
		fn(&r)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%s: a line over 16 MB", name)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

type codeCount struct {
	Code  string
	Count int
}

type reportData struct {
	Images, OK, Fixable, Failing int
	Codes                        []codeCount
	CodeChart                    template.HTML
	Histograms                   []template.HTML
	FailingRows                  []reportRow
	More                         int
	Gallery                      []galleryCode
	// ISO is the ISO/IEC 29794-5 section: a row per component computed,
	// with a histogram each; empty when no record has them.
	ISO           []isoSummary
	ISOHistograms []template.HTML
	ISONone       []iso.Info
}

// isoSummary is one component over the data set.
type isoSummary struct {
	Name, ID, How    string
	N                int
	Median, P5, Mean float64
}

// galleryCode is one failure code's thumbnails, and how many more images
// fail it first.
type galleryCode struct {
	Code   string
	Thumbs []thumb
	More   int
}

func writeReport(w io.Writer, rows []reportRow, measures []reportMeasure, g *gallery) error {
	d := reportData{Images: len(rows)}
	counts := map[string]int{}
	for _, r := range rows {
		switch {
		case r.OK && len(r.Codes) == 0:
			d.OK++
		case r.Fixable:
			d.Fixable++
		default:
			d.Failing++
		}
		for _, c := range r.Codes {
			counts[c]++
		}
	}
	for c, n := range counts {
		d.Codes = append(d.Codes, codeCount{c, n})
	}
	sort.Slice(d.Codes, func(i, j int) bool {
		if d.Codes[i].Count != d.Codes[j].Count {
			return d.Codes[i].Count > d.Codes[j].Count
		}
		return d.Codes[i].Code < d.Codes[j].Code
	})
	d.CodeChart = barChart(d.Codes)
	// A histogram per measure the profile judges that some record has,
	// with its rules' thresholds; on a log scale for a measure whose
	// values span decades (sharpness).
	for i, m := range measures {
		var v []float64
		for _, r := range rows {
			if !math.IsNaN(r.M[i]) {
				v = append(v, r.M[i])
			}
		}
		if len(v) == 0 {
			continue
		}
		title := strings.ToUpper(m.ms.Name[:1]) + m.ms.Name[1:] + " (" + m.ms.Unit + ")"
		if m.ms.Log {
			d.Histograms = append(d.Histograms, logHistogram(title+", log scale", v, m.thresholds))
		} else {
			d.Histograms = append(d.Histograms, histogram(title, v, m.thresholds))
		}
	}
	const maxRows = 2000
	for _, r := range rows {
		if len(r.Codes) > 0 && !r.Fixable {
			if len(d.FailingRows) < maxRows {
				d.FailingRows = append(d.FailingRows, r)
			} else {
				d.More++
			}
		}
	}
	sort.Slice(d.FailingRows, func(i, j int) bool { return d.FailingRows[i].Path < d.FailingRows[j].Path })
	if g != nil {
		for _, c := range d.Codes { // the codes in the chart's order
			if th, more := g.byCode[c.Code], g.more[c.Code]; len(th) > 0 || more > 0 {
				d.Gallery = append(d.Gallery, galleryCode{Code: c.Code, Thumbs: th, More: more})
			}
		}
	}
	d.ISO, d.ISOHistograms, d.ISONone = isoSection(rows)
	return reportTemplate.Execute(w, d)
}

// isoSection summarises the largest faces' ISO/IEC 29794-5 scores: per
// component the median, the 5th percentile and the mean, and a histogram.
func isoSection(rows []reportRow) ([]isoSummary, []template.HTML, []iso.Info) {
	byName := map[string][]float64{}
	for _, r := range rows {
		for name, v := range r.ISO {
			byName[name] = append(byName[name], v)
		}
	}
	if len(byName) == 0 {
		return nil, nil, nil
	}
	var sums []isoSummary
	var hists []template.HTML
	var none []iso.Info
	for _, in := range iso.Measures() {
		v := byName[in.Name]
		if in.How == iso.HowNone {
			none = append(none, in)
			continue
		}
		if len(v) == 0 {
			continue
		}
		s := Summarise(v)
		sums = append(sums, isoSummary{Name: in.Name, ID: in.Hex(), How: in.How, N: len(v), Median: s.Median, P5: s.P5, Mean: s.Mean})
		hists = append(hists, scoreHistogram(in.Name+" score", v))
	}
	return sums, hists, none
}

// Stats are a sample's median, 5th percentile and mean.
type Stats struct{ Median, P5, Mean float64 }

// Summarise is v's Stats.
func Summarise(v []float64) Stats {
	s := slices.Clone(v)
	slices.Sort(s)
	q := func(p float64) float64 { // linear between closest ranks
		x := p * float64(len(s)-1)
		i := int(x)
		if i+1 >= len(s) {
			return s[len(s)-1]
		}
		return s[i] + (x-float64(i))*(s[i+1]-s[i])
	}
	var sum float64
	for _, x := range s {
		sum += x
	}
	return Stats{Median: q(0.5), P5: q(0.05), Mean: sum / float64(len(s))}
}

// logHistogram bins log10 of the values; labels show the values.
func logHistogram(title string, values, thresholds []float64) template.HTML {
	return drawHistogram(title, logs(values), logs(thresholds), func(v float64) float64 { return math.Pow(10, v) }, nil)
}

func logs(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Log10(math.Max(x, 0.1))
	}
	return out
}

// barChart draws one horizontal bar per code.
func barChart(codes []codeCount) template.HTML {
	if len(codes) == 0 {
		return template.HTML(`<p>No image fails a rule.</p>`)
	}
	const w, rowH, left = 640, 22, 230
	maxN := codes[0].Count
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="failure codes">`, w, rowH*len(codes)+10)
	for i, c := range codes {
		y := i*rowH + 5
		bw := float64(w-left-60) * float64(c.Count) / float64(maxN)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="12">%s</text>`, left-6, y+15, template.HTMLEscapeString(c.Code))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="#c0392b"/>`, left, y+3, bw, rowH-6)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="12">%d</text>`, float64(left)+bw+4, y+15, c.Count)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// histogram draws 20 bins of values with the thresholds as dashed red lines.
func histogram(title string, values, thresholds []float64) template.HTML {
	return drawHistogram(title, values, thresholds, func(v float64) float64 { return v }, nil)
}

// scoreHistogram draws 0-100 scores on a 0-100 axis, so that components
// and reports compare at a glance.
func scoreHistogram(title string, values []float64) template.HTML {
	return drawHistogram(title, values, nil, func(v float64) float64 { return v }, &[2]float64{0, 100})
}

// drawHistogram bins values over their range and the thresholds', or over
// domain when given.
func drawHistogram(title string, values, thresholds []float64, label func(float64) float64, domain *[2]float64) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<figure><figcaption>%s (%d images)</figcaption>`, template.HTMLEscapeString(title), len(values))
	if len(values) == 0 {
		b.WriteString(`<p>No values.</p></figure>`)
		return template.HTML(b.String())
	}
	lo, hi := values[0], values[0]
	for _, v := range append(append([]float64{}, values...), thresholds...) {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if domain != nil {
		lo, hi = domain[0], domain[1]
	}
	if hi == lo {
		hi = lo + 1
	}
	// The axis spans the data and the thresholds, no further: a measure
	// that cannot be negative never shows a negative start.
	hi += (hi - lo) * 1e-9 // the largest value falls in the last bin
	const bins, w, h, x0, y0 = 20, 420, 180, 40, 10
	counts := make([]int, bins)
	for _, v := range values {
		i := min(bins-1, max(0, int((v-lo)/(hi-lo)*bins)))
		counts[i]++
	}
	maxC := 1
	for _, c := range counts {
		maxC = max(maxC, c)
	}
	plotW, plotH := float64(w-x0-10), float64(h-y0-30)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="%s">`, w, h, template.HTMLEscapeString(title))
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`, x0, float64(y0)+plotH, float64(x0)+plotW, float64(y0)+plotH)
	for i, c := range counts {
		bh := plotH * float64(c) / float64(maxC)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#2e86c1"/>`, float64(x0)+plotW*float64(i)/bins+1, float64(y0)+plotH-bh, plotW/bins-2, bh)
	}
	xOf := func(v float64) float64 { return float64(x0) + plotW*(v-lo)/(hi-lo) }
	// The count at the top left, then each threshold's label beside its
	// line: outward first, else inward, else a row lower, so that no two
	// labels overlap and none leaves the chart (labelPlace).
	countLabel := strconv.Itoa(maxC)
	placed := []labelBox{textBox(float64(x0-4), float64(y0+10), "end", countLabel)}
	for _, t := range thresholds {
		x := xOf(t)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#c0392b" stroke-width="2" stroke-dasharray="5,3"/>`, x, y0, x, float64(y0)+plotH)
		text := fmt.Sprintf("%.4g", label(t))
		lx, ly, anchor := labelPlace(x, float64(x0)+plotW/2, float64(y0+10), float64(w), text, &placed)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="11" fill="#c0392b" text-anchor="%s">%s</text>`, lx, ly, anchor, text)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11">%.4g</text><text x="%.1f" y="%d" font-size="11" text-anchor="end">%.4g</text>`, x0, h-6, label(lo), float64(x0)+plotW, h-6, label(hi))
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end">%s</text>`, x0-4, y0+10, countLabel)
	b.WriteString(`</svg></figure>`)
	return template.HTML(b.String())
}

// labelBox is a text label's extent, estimated for 11 px sans (6.5 px a
// character, 11 px high).
type labelBox struct{ x0, x1, y0, y1 float64 }

func textBox(x, y float64, anchor, text string) labelBox {
	n := 6.5 * float64(len(text))
	switch anchor {
	case "end":
		return labelBox{x - n, x, y - 9, y + 2}
	case "middle":
		return labelBox{x - n/2, x + n/2, y - 9, y + 2}
	}
	return labelBox{x, x + n, y - 9, y + 2}
}

func (a labelBox) overlaps(b labelBox) bool {
	return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1
}

// labelPlace puts a threshold's label beside its line at x: on the side
// away from the middle first, then the other, then a row lower, the
// first place that overlaps no label placed yet and stays inside the
// chart's width; it adds the box to placed.
func labelPlace(x, mid, y, width float64, text string, placed *[]labelBox) (float64, float64, string) {
	type side struct {
		x      float64
		anchor string
	}
	sides := [2]side{{x - 4, "end"}, {x + 4, "start"}} // outward first: left of a line in the left half
	if x > mid {
		sides[0], sides[1] = sides[1], sides[0]
	}
	for row := 0; row < 4; row++ {
		ly := y + 12*float64(row)
		for _, c := range sides {
			bx := textBox(c.x, ly, c.anchor, text)
			if bx.x0 < 0 || bx.x1 > width || slices.ContainsFunc(*placed, bx.overlaps) {
				continue
			}
			*placed = append(*placed, bx)
			return c.x, ly, c.anchor
		}
	}
	return x, y + 48, "middle" // four rows taken: below them
}

var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>facegate report</title>
<style>
body{font-family:sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}
.grid{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}figcaption{font-weight:bold;font-size:14px}
.n{font-size:28px;font-weight:bold}.cards{display:flex;gap:2em}
.thumbs{display:flex;flex-wrap:wrap;gap:12px}.thumb{width:220px}.thumb img{display:block;max-width:220px}
.thumb figcaption{font-weight:normal;font-size:11px;overflow-wrap:anywhere}
</style></head><body>
<h1>facegate report</h1>
<div class="cards">
<div><div class="n">{{.Images}}</div>images</div>
<div><div class="n">{{.OK}}</div>ok as they are</div>
<div><div class="n">{{.Fixable}}</div>fixable</div>
<div><div class="n">{{.Failing}}</div>failing</div>
</div>
<h2>Failure codes</h2>
{{.CodeChart}}
<h2>Measures of the largest face</h2>
<p>Dashed red lines are the profile's thresholds.</p>
<div class="grid">{{range .Histograms}}{{.}}{{end}}</div>
{{if .ISO}}<h2>ISO/IEC 29794-5 quality components</h2>
<p>Of the largest face, with OFIQ's names, ids and 0-100 scores (higher is better); "how" says whether a component is computed as OFIQ defines it (ofiq), as OFIQ without its occlusion mask (ofiq-no-occlusion), or by facegate's own measure (facegate). See <code>facegate iso</code>.</p>
<table><tr><th>component</th><th>id</th><th>how</th><th>faces</th><th>median</th><th>5th percentile</th><th>mean</th></tr>
{{range .ISO}}<tr><td>{{.Name}}</td><td>{{.ID}}</td><td>{{.How}}</td><td>{{.N}}</td><td>{{printf "%.1f" .Median}}</td><td>{{printf "%.1f" .P5}}</td><td>{{printf "%.1f" .Mean}}</td></tr>
{{end}}</table>
<p>Not computed (they need OFIQ's networks): {{range $i, $n := .ISONone}}{{if $i}}, {{end}}{{$n.Name}}{{end}}.</p>
<div class="grid">{{range .ISOHistograms}}{{.}}{{end}}</div>
{{end}}
<h2>Failing images, by the first code they fail</h2>
<p>The largest face's box in red, its eyes in green; at most {{"8"}} images per code.</p>
{{range .Gallery}}<h3>{{.Code}}</h3><div class="thumbs">{{range .Thumbs}}<figure class="thumb"><img src="{{.Src}}" alt="{{.Path}}" height="160"><figcaption>{{.Breakable}}<br><small>{{.Message}}</small></figcaption></figure>{{end}}</div>{{if .More}}<p>and {{.More}} more failing {{.Code}} first.</p>{{end}}
{{end}}
<h2>All failing images</h2>
{{if .FailingRows}}<table><tr><th>image</th><th>codes</th></tr>
{{range .FailingRows}}<tr><td>{{.Path}}</td><td>{{range $i, $c := .Codes}}{{if $i}} {{end}}{{$c}}{{end}}</td></tr>
{{end}}</table>{{if .More}}<p>and {{.More}} more (see the JSONL or CSV).</p>{{end}}{{else}}<p>None.</p>{{end}}
</body></html>
`))
