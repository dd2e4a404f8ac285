package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/facegate/facegate/prevalidate"
)

type recordWriter interface {
	Write(*prevalidate.Report) error
	Close() error
}

// jsonLines writes a record per line; c, when set, is closed with it (a
// journal; stdout is not).
type jsonLines struct {
	enc *json.Encoder
	c   io.Closer
}

func newJSONLines(w io.Writer) *jsonLines { return &jsonLines{enc: json.NewEncoder(w)} }

func (j *jsonLines) Write(r *prevalidate.Report) error { return j.enc.Encode(r) }

func (j *jsonLines) Close() error {
	if j.c == nil {
		return nil
	}
	return j.c.Close()
}

// table prints a readable row per image and a summary.
type table struct {
	tw         *tabwriter.Writer
	fix        bool
	n, ok, bad int
}

func newTable(w io.Writer, fix bool) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0), fix: fix}
	cols := "PATH\tOK\tFORMAT\tSIZE\tBYTES\tFACE\tQUALITY\tISSUES"
	if fix {
		cols += "\tOUTPUT"
	}
	fmt.Fprintln(t.tw, cols)
	return t
}

func (t *table) Write(r *prevalidate.Report) error {
	t.n++
	ok := "no"
	if r.OK {
		ok = "yes"
		t.ok++
	}
	issues := make([]string, 0, len(r.Issues))
	for _, is := range r.Issues {
		c := string(is.Code)
		if is.Severity == prevalidate.SeverityWarning {
			c = "(" + c + ")"
		}
		if !slices.Contains(issues, c) { // FACE_TOO_SMALL can come twice: size and eyes
			issues = append(issues, c)
		}
	}
	if len(issues) == 0 {
		issues = append(issues, "-")
	}
	row := fmt.Sprintf("%s\t%s\t%s\t%dx%d\t%d\t%s\t%s\t%s", r.Path, ok, r.Format, r.Width, r.Height, r.Bytes, faceCell(r.Faces), qualityCell(r.Quality), strings.Join(issues, " "))
	if t.fix {
		out := "-"
		switch {
		case r.Error != "":
			out = r.Error
		case r.Output != nil:
			out = fmt.Sprintf("%s %dx%d %dB q%d", r.Output.Path, r.Output.Width, r.Output.Height, r.Output.Bytes, r.Output.Quality)
		}
		row += "\t" + out
	}
	_, err := fmt.Fprintln(t.tw, row)
	return err
}

// faceCell summarises the largest face: its size and eye distance in px,
// and how many faces there are when more than one.
func faceCell(faces []prevalidate.Face) string {
	if len(faces) == 0 {
		return "-"
	}
	f := faces[0]
	cell := fmt.Sprintf("%.0fpx ipd %.0f", f.Size, f.IPD)
	if len(faces) > 1 {
		cell = fmt.Sprintf("%d faces, largest %s", len(faces), cell)
	}
	return cell
}

// qualityCell shows sharpness, mean luminance and the input's JPEG quality
// ("q?" when unknown).
func qualityCell(q *prevalidate.Quality) string {
	if q == nil {
		return "-"
	}
	jq := "q?"
	if q.JPEGQuality > 0 {
		jq = fmt.Sprintf("q%d", q.JPEGQuality)
	}
	return fmt.Sprintf("sharp %.0f luma %.0f %s", q.Sharpness, q.Exposure.Mean, jq)
}

func (t *table) Close() error {
	verb := "pass as they are"
	if t.fix {
		verb = "fixed to compliant JPEGs"
	}
	fmt.Fprintf(t.tw, "\n%d images: %d %s, %d not ok. Codes in parentheses are warnings.\n", t.n, t.ok, verb, t.n-t.ok)
	return t.tw.Flush()
}
