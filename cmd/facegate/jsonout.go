package main

import (
	"encoding/json"
	"io"
	"math"

	"github.com/facegate/facegate/calibrate"
	"github.com/facegate/facegate/report"
)

// writeJSON prints v as one indented JSON document (the --json of the
// commands that print a table).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// number is a float that is JSON null when NaN (no value).
func number(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// calibrationJSON is calibrate --json's document.
func calibrationJSON(props []calibrate.Proposal, sum calibrate.Summary, o calibrate.Options) any {
	type prop struct {
		Rule            string     `json:"rule"`
		Current         float64    `json:"current"`
		Proposed        *float64   `json:"proposed"` // null: too little to go on (reason)
		Interval        []*float64 `json:"interval_90"`
		Reason          string     `json:"reason,omitempty"`
		With            []string   `json:"with,omitempty"`
		Records         int        `json:"records"`
		Accepted        int        `json:"accepted"`
		Rejected        int        `json:"rejected"`
		LeftOut         int        `json:"left_out"`
		WastedCalls     [2]*int    `json:"wasted_calls"`     // current, proposed
		NeedlessRetakes [2]*int    `json:"needless_retakes"` // current, proposed
	}
	out := struct {
		Rules            []prop  `json:"rules"`
		Records          int     `json:"records"`
		NoVerdict        int     `json:"no_verdict"`
		LikenessFailures int     `json:"likeness_failures"`
		CostCall         float64 `json:"cost_call"`
		CostRetake       float64 `json:"cost_retake"`
	}{Rules: []prop{}, Records: sum.Records, NoVerdict: sum.NoVerdict, LikenessFailures: sum.LikenessFailures,
		CostCall: o.WithDefaults().CostCall, CostRetake: o.WithDefaults().CostRetake}
	for _, pr := range props {
		p := prop{Rule: proposalName(pr), Current: pr.Current, Proposed: number(pr.Proposed), Interval: []*float64{number(pr.Low), number(pr.High)},
			Reason: pr.Reason, With: pr.With, Records: pr.Records, Accepted: pr.Accepted, Rejected: pr.Rejected, LeftOut: pr.LeftOut}
		wb, rb := pr.Before.WastedCalls, pr.Before.NeedlessRetakes
		p.WastedCalls[0], p.NeedlessRetakes[0] = &wb, &rb
		if p.Proposed != nil {
			wa, ra := pr.After.WastedCalls, pr.After.NeedlessRetakes
			p.WastedCalls[1], p.NeedlessRetakes[1] = &wa, &ra
		}
		out.Rules = append(out.Rules, p)
	}
	return out
}

// compareJSON is compare --json's document.
func compareJSON(a, b string, rows []report.CompareRow) any {
	type stats struct {
		Median float64 `json:"median"`
		P5     float64 `json:"p5"`
		Mean   float64 `json:"mean"`
	}
	type row struct {
		Component string  `json:"component"`
		How       string  `json:"how"`
		A         stats   `json:"a"`
		B         stats   `json:"b"`
		Shift     float64 `json:"median_shift"`
		KSD       float64 `json:"ks_d"`
		P         float64 `json:"p"`
	}
	out := struct {
		A    string `json:"a"`
		B    string `json:"b"`
		Rows []row  `json:"components"`
	}{A: a, B: b, Rows: []row{}}
	for _, r := range rows {
		out.Rows = append(out.Rows, row{Component: r.Name, How: r.How, A: stats(r.A), B: stats(r.B), Shift: r.B.Median - r.A.Median, KSD: r.D, P: r.P})
	}
	return out
}
