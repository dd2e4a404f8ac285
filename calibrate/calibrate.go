// Package calibrate proposes the thresholds of facegate's rules from a
// verdict journal (package journal): for each rule whose provider code
// appears in it, the threshold at which the rule's mistakes cost least. A
// mistake is a paid call wasted (facegate let through an image Progeny
// rejected for that code) or a user sent back needlessly (facegate would
// refuse an image Progeny accepted); their costs are the caller's.
package calibrate

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/facegate/facegate/journal"
	"github.com/facegate/facegate/prevalidate"
)

// Options configure Propose. Zero values are the defaults.
type Options struct {
	CostCall   float64 // a paid call wasted on an image Progeny rejects (0 = 1)
	CostRetake float64 // a user sent back for an image Progeny accepts (0 = 3)
	MinRecords int     // fewest usable records to propose from (0 = 50)
	MinEach    int     // fewest of each verdict, accepted and rejected (0 = 5)
	Resamples  int     // bootstrap resamples for the interval (0 = 200)
	Seed       uint64  // of the resampling (0 = 1): the same journal gives the same interval
}

// WithDefaults is o with its zero values replaced by the defaults.
func (o Options) WithDefaults() Options {
	if o.CostCall <= 0 {
		o.CostCall = 1
	}
	if o.CostRetake <= 0 {
		o.CostRetake = 3
	}
	if o.MinRecords <= 0 {
		o.MinRecords = 50
	}
	if o.MinEach <= 0 {
		o.MinEach = 5
	}
	if o.Resamples <= 0 {
		o.Resamples = 200
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// rule is a threshold rule the journal can calibrate: the provider code
// that says the rule should have refused, and the measure it compares
// (the profile's own, prevalidate.Measure).
type rule struct {
	code    prevalidate.Code
	key     string // the rule's key in the profile ("" = its code)
	measure *prevalidate.Measure
}

// aliases are the provider's codes that reject an image for one of
// facegate's: IDLive says FACE_IS_OCCLUDED where facegate says
// FACE_OCCLUDED.
var aliases = map[string]prevalidate.Code{"FACE_IS_OCCLUDED": prevalidate.FaceOccluded}

// rejectsFor says whether the provider's code rejects an image for c.
func rejectsFor(code string, c prevalidate.Code) bool {
	return code == string(c) || aliases[code] == c
}

// Proposal is one rule's result.
type Proposal struct {
	Code prevalidate.Code
	Key  string
	// Current is the profile's threshold; Proposed the one that costs
	// least, within [Low, High] in 90 % of resamples. Proposed is NaN
	// when there is too little to go on (Reason says why).
	Current, Proposed, Low, High float64
	Reason                       string
	// With names the other rules of the profile that raise the same code
	// (face size and eye distance for FACE_TOO_SMALL): Progeny's rejection
	// for the code says one of them should have refused, not which, so
	// their thresholds are proposed together, and the counts below are
	// the code's, for all of them at once.
	With []string
	// Records used (accepted + rejected for this code), and those left
	// out: no verdict on the image (errors), another code, no measure.
	Records, Accepted, Rejected, LeftOut int
	// The code's mistakes at the current thresholds and at the proposed
	// ones.
	Before, After Mistakes
	// Samples are the records used: the rule's measure and Progeny's
	// verdict.
	Samples []Sample
}

// Sample is one record's measure and whether Progeny rejected the image
// for the rule's code.
type Sample struct {
	V        float64
	Rejected bool
}

// Mistakes are a threshold's errors over the records.
type Mistakes struct {
	WastedCalls     int // let through, rejected by Progeny for this code
	NeedlessRetakes int // refused, accepted by Progeny
	Cost            float64
}

// Summary counts the journal's records.
type Summary struct {
	Records   int // read
	NoVerdict int // an error instead of a verdict (auth, 5xx, unfinished)
	// LikenessFailures are verdicts whose authentication (likeness) result
	// was false: set aside as rejections, since a face that is not the
	// registered person's says nothing of the image; such a record counts
	// by its liveness result alone.
	LikenessFailures int
}

// sample is one record of a code's group: the measure of each of its
// rules, and whether Progeny rejected the image with the code.
type sample struct {
	v   []float64
	bad bool
}

// verdictOf reads a record's verdict: rejected with code, accepted, or
// unusable. The image rules learn from the liveness result where the task
// gives one; the likeness (authentication) result is not theirs.
func verdictOf(r *journal.Record) (accepted bool, code string, usable bool) {
	v := r.Verdict
	if v == nil || v.Error != "" || v.State != "SUCCESS" {
		return false, "", false
	}
	if v.Result != nil {
		if *v.Result {
			return true, "", true
		}
		return false, v.Code, true
	}
	if v.Code != "" || v.Status == 400 {
		return false, v.Code, true
	}
	return true, "", true
}

// group is the profile's rules that raise one code, with their current
// thresholds.
type group struct {
	code  prevalidate.Code
	rules []rule
	keys  []string
	cur   []float64
}

// groups are the calibratable rules of p (a measure the provider's
// verdicts speak to: prevalidate.Measure.Learnt), by code, in the
// profile's order.
func groups(p *prevalidate.Profile) []*group {
	var out []*group
	for _, r := range p.Rules {
		if r.Measure == nil || !r.Measure.Learnt {
			continue
		}
		key := r.Key
		if key == "" {
			key = string(r.Code)
		}
		i := slices.IndexFunc(out, func(g *group) bool { return g.code == r.Code })
		if i < 0 {
			out = append(out, &group{code: r.Code})
			i = len(out) - 1
		}
		g := out[i]
		g.rules, g.keys, g.cur = append(g.rules, rule{r.Code, r.Key, r.Measure}), append(g.keys, key), append(g.cur, r.Threshold)
	}
	return out
}

// Propose reads the records and proposes a threshold for each rule of p
// whose code the journal can speak to. Rules that share a code are
// proposed together (see Proposal.With).
func Propose(records []journal.Record, p *prevalidate.Profile, o Options) ([]Proposal, Summary) {
	o = o.WithDefaults()
	var sum Summary
	sum.Records = len(records)
	for i := range records {
		if _, _, ok := verdictOf(&records[i]); !ok {
			sum.NoVerdict++
		} else if l := records[i].Verdict.Likeness; l != nil && !*l {
			sum.LikenessFailures++
		}
	}
	values := make([]*prevalidate.Values, len(records))
	for i := range records {
		values[i] = records[i].Values()
	}
	var out []Proposal
	for _, g := range groups(p) {
		var data []sample
		var accepted, rejected, leftOut int
		for i := range records {
			r := &records[i]
			acc, code, usable := verdictOf(r)
			if !usable {
				continue // counted in the summary
			}
			vs := make([]float64, len(g.rules))
			has := acc || rejectsFor(code, g.code)
			for j, ru := range g.rules {
				v, ok := ru.measure.Of(values[i])
				vs[j], has = v, has && ok
			}
			if !has {
				leftOut++
				continue
			}
			data = append(data, sample{vs, !acc})
			if acc {
				accepted++
			} else {
				rejected++
			}
		}
		var reason string
		switch {
		case len(data) < o.MinRecords:
			reason = fmt.Sprintf("%d records, at least %d needed", len(data), o.MinRecords)
		case accepted < o.MinEach || rejected < o.MinEach:
			reason = fmt.Sprintf("%d accepted and %d rejected for %s, at least %d of each needed", accepted, rejected, g.code, o.MinEach)
		}
		before := mistakes(data, g.cur, g.rules, o)
		proposed, low, high := nans(len(g.rules)), nans(len(g.rules)), nans(len(g.rules))
		var after Mistakes
		if reason == "" {
			proposed = g.best(data, o)
			after = mistakes(data, proposed, g.rules, o)
			low, high = g.interval(data, o)
		}
		if len(data) == 0 && leftOut == 0 {
			continue
		}
		for j, ru := range g.rules {
			pr := Proposal{Code: g.code, Key: ru.key, Current: g.cur[j], Proposed: proposed[j], Low: low[j], High: high[j],
				Reason: reason, Records: len(data), Accepted: accepted, Rejected: rejected, LeftOut: leftOut,
				Before: before, After: after}
			for k, key := range g.keys {
				if k != j {
					pr.With = append(pr.With, key)
				}
			}
			for _, d := range data {
				pr.Samples = append(pr.Samples, Sample{d.v[j], d.bad})
			}
			out = append(out, pr)
		}
	}
	return out, sum
}

func nans(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.NaN()
	}
	return v
}

// refusedBy says whether any of the rules but skip refuses s at ts.
func refusedBy(s sample, ts []float64, rs []rule, skip int) bool {
	for j, ru := range rs {
		if j != skip && ru.measure.Breaks(s.v[j], ts[j]) {
			return true
		}
	}
	return false
}

// mistakes counts the code's errors with the rules at thresholds ts: the
// image is refused when any rule refuses it.
func mistakes(data []sample, ts []float64, rs []rule, o Options) Mistakes {
	var m Mistakes
	for _, s := range data {
		switch r := refusedBy(s, ts, rs, -1); {
		case s.bad && !r:
			m.WastedCalls++
		case !s.bad && r:
			m.NeedlessRetakes++
		}
	}
	m.Cost = o.CostCall*float64(m.WastedCalls) + o.CostRetake*float64(m.NeedlessRetakes)
	return m
}

// maxRounds bounds the coordinate descent of a group of rules; each round
// can only lower the cost, so it settles in a few.
const maxRounds = 8

// best is the group's thresholds of least cost. One rule: its exact
// optimum. Several: coordinate descent from the current thresholds, each
// rule in turn set to its optimum over the records the others let
// through (the ones they refuse are refused whatever it is).
func (g *group) best(data []sample, o Options) []float64 {
	ts := slices.Clone(g.cur)
	rest := make([]sample, 0, len(data))
	for range maxRounds {
		changed := false
		for j, ru := range g.rules {
			rest = rest[:0]
			for _, s := range data {
				if !refusedBy(s, ts, g.rules, j) {
					rest = append(rest, s)
				}
			}
			if t := best1(rest, j, g.cur[j], ts[j], ru.measure, o); t != ts[j] {
				ts[j], changed = t, true
			}
		}
		if !changed || len(g.rules) == 1 {
			break
		}
	}
	return ts
}

// best1 is the threshold of least cost for measure j alone over data:
// tried between each pair of neighbouring values (and at the present
// one, at), in one sweep over the sorted values; among equals, the one
// nearest the profile's current threshold cur.
func best1(data []sample, j int, cur, at float64, ms *prevalidate.Measure, o Options) float64 {
	below := ms.Side == prevalidate.Below
	d := slices.Clone(data)
	slices.SortFunc(d, func(a, b sample) int { return cmp.Compare(a.v[j], b.v[j]) })
	n := len(d)
	if n == 0 {
		return at
	}
	var totalBad int
	for _, s := range d {
		if s.bad {
			totalBad++
		}
	}
	totalGood := n - totalBad
	cost := func(t float64) float64 {
		var c float64
		for _, s := range d {
			switch r := ms.Breaks(s.v[j], t); {
			case s.bad && !r:
				c += o.CostCall
			case !s.bad && r:
				c += o.CostRetake
			}
		}
		return c
	}
	bestT, bestC := at, cost(at)
	good, bad := 0, 0 // among the first i values
	for i := 0; i <= n; i++ {
		if i > 0 {
			if d[i-1].bad {
				bad++
			} else {
				good++
			}
		}
		if i > 0 && i < n && d[i-1].v[j] == d[i].v[j] {
			continue // no threshold falls between equal values
		}
		var t float64
		switch {
		case i == 0:
			t = d[0].v[j] - 1
		case i == n:
			t = d[n-1].v[j] + 1
		default:
			t = (d[i-1].v[j] + d[i].v[j]) / 2
		}
		// Below-type rules refuse the first i values, others the rest.
		wasted, retakes := totalBad-bad, good
		if !below {
			wasted, retakes = bad, totalGood-good
		}
		c := o.CostCall*float64(wasted) + o.CostRetake*float64(retakes)
		if c < bestC || (c == bestC && math.Abs(t-cur) < math.Abs(bestT-cur)) {
			bestT, bestC = t, c
		}
	}
	return bestT
}

// interval is the 5th and 95th percentiles of each rule's proposed
// threshold over bootstrap resamples of the records.
func (g *group) interval(data []sample, o Options) (low, high []float64) {
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	ts := make([][]float64, len(g.rules))
	re := make([]sample, len(data))
	for range o.Resamples {
		for j := range re {
			re[j] = data[rng.IntN(len(data))]
		}
		for j, t := range g.best(re, o) {
			ts[j] = append(ts[j], t)
		}
	}
	low, high = make([]float64, len(ts)), make([]float64, len(ts))
	for j, t := range ts {
		slices.Sort(t)
		low[j], high[j] = t[int(0.05*float64(len(t)-1))], t[int(math.Ceil(0.95*float64(len(t)-1)))]
	}
	return low, high
}

// Apply returns a copy of p with the proposed thresholds set (rounded to
// what the measure is reported in), and the proposals it used.
func Apply(p *prevalidate.Profile, props []Proposal) (*prevalidate.Profile, []Proposal) {
	out := &prevalidate.Profile{Name: p.Name + "-calibrated", Rules: slices.Clone(p.Rules)}
	var used []Proposal
	for _, pr := range props {
		if math.IsNaN(pr.Proposed) {
			continue
		}
		for i := range out.Rules {
			r := &out.Rules[i]
			if r.Code == pr.Code && r.Key == pr.Key {
				r.Threshold = round(pr.Proposed, pr.Code)
				used = append(used, pr)
			}
		}
	}
	return out, used
}

// round keeps 1 decimal for pixels and degrees, 3 for ratios, whole
// numbers for JPEG quality.
func round(v float64, c prevalidate.Code) float64 {
	switch c {
	case prevalidate.EyesClosed, prevalidate.FaceCloseToBorder, prevalidate.FaceTooClose:
		return math.Round(v*1000) / 1000
	case prevalidate.ImageIsTooCompressed:
		return math.Round(v)
	}
	return math.Round(v*10) / 10
}
