// Command cmprecords compares two runs of facegate check or fix --json
// over the same inputs: every record (the output's path aside) and every
// fixed file's bytes. It prints each difference and exits 1 when there is
// one. With -verdicts it compares only the verdicts (ok, and the codes of
// the input's and the output's issues with their severities), exits 1 when
// one differs, and sums up the measures that changed: which fields, in how
// many records, by how much at most. benchmarks/verdicts.sh uses it to
// show that a change of the code leaves the verdicts as they were.
//
//	cmprecords [-verdicts] OLD.jsonl NEW.jsonl
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
)

type run struct {
	records map[string]json.RawMessage // by input path, output path removed
	outputs map[string][]byte          // fixed bytes by input path
}

func load(name string) (run, error) {
	f, err := os.Open(name)
	if err != nil {
		return run{}, err
	}
	defer f.Close()
	r := run{records: map[string]json.RawMessage{}, outputs: map[string][]byte{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return run{}, fmt.Errorf("%s: %v", name, err)
		}
		path, _ := rec["path"].(string)
		if out, ok := rec["output"].(map[string]any); ok {
			if p, ok := out["path"].(string); ok && p != "" {
				data, err := os.ReadFile(p)
				if err != nil {
					return run{}, err
				}
				r.outputs[path] = data
				delete(out, "path")
			}
		}
		b, _ := json.Marshal(rec)
		r.records[path] = b
	}
	return r, sc.Err()
}

func main() {
	verdictsOnly := flag.Bool("verdicts", false, "compare the verdicts only, and sum up the measures that changed")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: cmprecords [-verdicts] OLD.jsonl NEW.jsonl")
		os.Exit(2)
	}
	a, err := load(flag.Arg(0))
	if err == nil {
		var b run
		if b, err = load(flag.Arg(1)); err == nil {
			if *verdictsOnly {
				os.Exit(compareVerdicts(a, b))
			}
			os.Exit(compare(a, b))
		}
	}
	fmt.Fprintln(os.Stderr, "cmprecords:", err)
	os.Exit(2)
}

func compare(a, b run) int {
	var paths []string
	for p := range a.records {
		paths = append(paths, p)
	}
	for p := range b.records {
		if _, ok := a.records[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	diffs, same := 0, 0
	for _, p := range paths {
		ra, ok1 := a.records[p]
		rb, ok2 := b.records[p]
		switch {
		case !ok1 || !ok2:
			fmt.Printf("%s: only in the %s run\n", p, map[bool]string{true: "old", false: "new"}[ok1])
			diffs++
		case !bytes.Equal(ra, rb):
			fmt.Printf("%s: records differ\n  old %s\n  new %s\n", p, ra, rb)
			diffs++
		case !bytes.Equal(a.outputs[p], b.outputs[p]):
			fmt.Printf("%s: fixed files differ (%d and %d bytes)\n", p, len(a.outputs[p]), len(b.outputs[p]))
			diffs++
		default:
			same++
		}
	}
	fmt.Printf("%d records, %d identical (with %d fixed files byte for byte), %d differ\n", len(paths), same, len(b.outputs), diffs)
	if diffs > 0 {
		return 1
	}
	return 0
}

// verdict is what a record decides: ok, and its issues' codes.
func verdict(rec json.RawMessage) string {
	var r struct {
		OK     bool `json:"ok"`
		Issues []struct {
			Code, Severity string
		} `json:"issues"`
		Output *struct {
			Issues []struct {
				Code, Severity string
			} `json:"issues"`
		} `json:"output"`
	}
	json.Unmarshal(rec, &r)
	v := fmt.Sprintf("ok=%v in:", r.OK)
	for _, is := range r.Issues {
		v += " " + is.Code + "/" + is.Severity
	}
	if r.Output != nil {
		v += " out:"
		for _, is := range r.Output.Issues {
			v += " " + is.Code + "/" + is.Severity
		}
	}
	return v
}

// flatten lists the numbers and strings of a JSON value by path (array
// indices kept: faces[0].size).
func flatten(prefix string, v any, out map[string]any) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if k == "message" {
				continue // wording of the numbers, which are compared themselves
			}
			flatten(prefix+"."+k, e, out)
		}
	case []any:
		for i, e := range t {
			flatten(fmt.Sprintf("%s[%d]", prefix, i), e, out)
		}
	default:
		out[prefix] = v
	}
}

// field is a path with its array indices taken out: faces[].size.
func field(path string) string {
	var b strings.Builder
	skip := false
	for _, c := range path {
		switch {
		case c == '[':
			skip = true
			b.WriteString("[]")
		case c == ']':
			skip = false
		case !skip:
			b.WriteRune(c)
		}
	}
	return strings.TrimPrefix(b.String(), ".")
}

func compareVerdicts(a, b run) int {
	diffs, n := 0, 0
	type change struct {
		records int
		max     float64
	}
	changes := map[string]*change{}
	for p, ra := range a.records {
		rb, ok := b.records[p]
		if !ok {
			fmt.Printf("%s: only in the old run\n", p)
			diffs++
			continue
		}
		n++
		if va, vb := verdict(ra), verdict(rb); va != vb {
			fmt.Printf("%s: verdict differs\n  old %s\n  new %s\n", p, va, vb)
			diffs++
		}
		var xa, xb any
		json.Unmarshal(ra, &xa)
		json.Unmarshal(rb, &xb)
		fa, fb := map[string]any{}, map[string]any{}
		flatten("", xa, fa)
		flatten("", xb, fb)
		seen := map[string]bool{}
		for k, va := range fa {
			vb := fb[k]
			if va == vb {
				continue
			}
			f := field(k)
			c := changes[f]
			if c == nil {
				c = &change{}
				changes[f] = c
			}
			if !seen[f] {
				seen[f] = true
				c.records++
			}
			if x, ok1 := va.(float64); ok1 {
				if y, ok2 := vb.(float64); ok2 {
					c.max = math.Max(c.max, math.Abs(x-y))
				}
			}
		}
	}
	for p := range b.records {
		if _, ok := a.records[p]; !ok {
			fmt.Printf("%s: only in the new run\n", p)
			diffs++
		}
	}
	fields := make([]string, 0, len(changes))
	for f := range changes {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, f := range fields {
		fmt.Printf("  %s changed in %d records, by at most %g\n", f, changes[f].records, changes[f].max)
	}
	fmt.Printf("%d records, %d verdicts differ\n", n, diffs)
	if diffs > 0 {
		return 1
	}
	return 0
}
