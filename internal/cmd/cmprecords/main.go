// Command cmprecords compares two runs of facegate check or fix --json
// over the same inputs: every record (the output's path aside) and every
// fixed file's bytes. It prints each difference and exits 1 when there is
// one. benchmarks/verdicts.sh uses it to show that a change of the code
// leaves the verdicts as they were.
//
//	cmprecords OLD.jsonl NEW.jsonl
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
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
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: cmprecords OLD.jsonl NEW.jsonl")
		os.Exit(2)
	}
	a, err := load(os.Args[1])
	if err == nil {
		var b run
		if b, err = load(os.Args[2]); err == nil {
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
