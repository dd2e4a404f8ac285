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
// that says the rule should have refused, and the measure it compares.
type rule struct {
	code prevalidate.Code
	key  string // the rule's key in the profile ("" = its code)
	// measure reads the record's value; ok is false when it has none.
	measure func(r *journal.Record) (v float64, ok bool)
	// below: the rule refuses values under the threshold (else over).
	below bool
}

func largest(r *journal.Record) (journal.Face, bool) {
	if len(r.Measures.Faces) == 0 {
		return journal.Face{}, false
	}
	return r.Measures.Faces[0], true
}

var rules = []rule{
	{prevalidate.FaceTooSmall, prevalidate.KeyFaceSize, func(r *journal.Record) (float64, bool) {
		f, ok := largest(r)
		return f.Size, ok
	}, true},
	{prevalidate.FaceTooSmall, prevalidate.KeyEyeDistance, func(r *journal.Record) (float64, bool) {
		f, ok := largest(r)
		return f.IPD, ok
	}, true},
	{prevalidate.FaceAngleTooLarge, prevalidate.KeyYawPitch, func(r *journal.Record) (float64, bool) {
		f, ok := largest(r)
		return math.Max(math.Abs(f.Yaw), math.Abs(f.Pitch)), ok
	}, false},
	{prevalidate.EyesClosed, "", func(r *journal.Record) (float64, bool) {
		f, ok := largest(r)
		if !ok || len(f.EyesOpen) != 2 {
			return 0, false
		}
		return math.Max(f.EyesOpen[0], f.EyesOpen[1]), true
	}, true},
	{prevalidate.ImageTooBlurry, "", func(r *journal.Record) (float64, bool) {
		return r.Measures.Sharpness, len(r.Measures.Faces) > 0 && r.Measures.Sharpness > 0
	}, true},
	{prevalidate.PoorImageExposure, prevalidate.KeyTooDark, func(r *journal.Record) (float64, bool) {
		return r.Measures.Exposure, len(r.Measures.Faces) > 0 && r.Measures.Exposure > 0
	}, true},
	{prevalidate.ImageIsTooCompressed, "", func(r *journal.Record) (float64, bool) {
		return float64(r.Measures.JPEGQuality), r.Measures.JPEGQuality > 0
	}, true},
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
	// Records used (accepted + rejected for this code), and those left
	// out: no verdict on the image (errors), another code, no measure.
	Records, Accepted, Rejected, LeftOut int
	// The mistakes at the current and at the proposed threshold.
	Before, After Mistakes
	// Samples are the records used: the measure and Progeny's verdict.
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
}

type sample struct {
	v   float64
	bad bool // rejected by Progeny with the rule's code
}

// verdictOf reads a record's verdict: rejected with code, accepted, or
// unusable.
func verdictOf(r *journal.Record) (accepted bool, code string, usable bool) {
	v := r.Verdict
	if v == nil || v.Error != "" || v.State != "SUCCESS" {
		return false, "", false
	}
	if v.Code != "" || (v.Result != nil && !*v.Result) || v.Status == 400 {
		return false, v.Code, true
	}
	return true, "", true
}

// Propose reads the records and proposes a threshold for each rule of p
// whose code the journal can speak to. Rules that share a code (face size
// and eye distance for FACE_TOO_SMALL) are calibrated each on its own
// against that code.
func Propose(records []journal.Record, p *prevalidate.Profile, o Options) ([]Proposal, Summary) {
	o = o.WithDefaults()
	var sum Summary
	sum.Records = len(records)
	for i := range records {
		if _, _, ok := verdictOf(&records[i]); !ok {
			sum.NoVerdict++
		}
	}
	var out []Proposal
	for _, ru := range rules {
		key := ru.key
		if key == "" {
			key = string(ru.code)
		}
		cur, ok := p.Threshold(key)
		if !ok {
			continue
		}
		pr := Proposal{Code: ru.code, Key: ru.key, Current: cur, Proposed: math.NaN(), Low: math.NaN(), High: math.NaN()}
		var data []sample
		for i := range records {
			r := &records[i]
			acc, code, usable := verdictOf(r)
			v, has := ru.measure(r)
			switch {
			case !usable:
				continue // counted in the summary
			case !has || (!acc && code != string(ru.code)):
				pr.LeftOut++
				continue
			}
			data = append(data, sample{v, !acc})
			if acc {
				pr.Accepted++
			} else {
				pr.Rejected++
			}
		}
		pr.Records = len(data)
		for _, d := range data {
			pr.Samples = append(pr.Samples, Sample{d.v, d.bad})
		}
		pr.Before = mistakes(data, cur, ru.below, o)
		switch {
		case pr.Records < o.MinRecords:
			pr.Reason = fmt.Sprintf("%d records, at least %d needed", pr.Records, o.MinRecords)
		case pr.Accepted < o.MinEach || pr.Rejected < o.MinEach:
			pr.Reason = fmt.Sprintf("%d accepted and %d rejected for %s, at least %d of each needed", pr.Accepted, pr.Rejected, ru.code, o.MinEach)
		default:
			pr.Proposed = best(data, cur, ru.below, o)
			pr.After = mistakes(data, pr.Proposed, ru.below, o)
			pr.Low, pr.High = interval(data, cur, ru.below, o)
		}
		if pr.Records > 0 || pr.LeftOut > 0 {
			out = append(out, pr)
		}
	}
	return out, sum
}

// refuses says whether the rule refuses value v at threshold t.
func refuses(v, t float64, below bool) bool {
	if below {
		return v < t
	}
	return v > t
}

func mistakes(data []sample, t float64, below bool, o Options) Mistakes {
	var m Mistakes
	for _, s := range data {
		switch r := refuses(s.v, t, below); {
		case s.bad && !r:
			m.WastedCalls++
		case !s.bad && r:
			m.NeedlessRetakes++
		}
	}
	m.Cost = o.CostCall*float64(m.WastedCalls) + o.CostRetake*float64(m.NeedlessRetakes)
	return m
}

// best is the threshold of least cost: tried between each pair of
// neighbouring values (and at the current one), in one sweep over the
// sorted values; among equals, the one nearest the current threshold.
func best(data []sample, cur float64, below bool, o Options) float64 {
	d := slices.Clone(data)
	slices.SortFunc(d, func(a, b sample) int { return cmp.Compare(a.v, b.v) })
	n := len(d)
	var totalBad int
	for _, s := range d {
		if s.bad {
			totalBad++
		}
	}
	totalGood := n - totalBad
	bestT, bestC := cur, mistakes(data, cur, below, o).Cost
	good, bad := 0, 0 // among the first i values
	for i := 0; i <= n; i++ {
		if i > 0 {
			if d[i-1].bad {
				bad++
			} else {
				good++
			}
		}
		if i > 0 && i < n && d[i-1].v == d[i].v {
			continue // no threshold falls between equal values
		}
		var t float64
		switch {
		case n == 0:
			return cur
		case i == 0:
			t = d[0].v - 1
		case i == n:
			t = d[n-1].v + 1
		default:
			t = (d[i-1].v + d[i].v) / 2
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

// interval is the 5th and 95th percentiles of the best threshold over
// bootstrap resamples of the records.
func interval(data []sample, cur float64, below bool, o Options) (float64, float64) {
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	ts := make([]float64, o.Resamples)
	re := make([]sample, len(data))
	for i := range ts {
		for j := range re {
			re[j] = data[rng.IntN(len(data))]
		}
		ts[i] = best(re, cur, below, o)
	}
	slices.Sort(ts)
	return ts[int(0.05*float64(len(ts)-1))], ts[int(math.Ceil(0.95*float64(len(ts)-1)))]
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
	case prevalidate.EyesClosed:
		return math.Round(v*1000) / 1000
	case prevalidate.ImageIsTooCompressed:
		return math.Round(v)
	}
	return math.Round(v*10) / 10
}
