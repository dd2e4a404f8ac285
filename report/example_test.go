package report_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/report"
)

// A report of two records: one face a little small, one without a face.
func ExampleNewHTML() {
	dir, _ := os.MkdirTemp("", "report")
	defer os.RemoveAll(dir)
	page := filepath.Join(dir, "report.html")
	h := report.NewHTML(page, prevalidate.Progeny())
	h.Write(&prevalidate.Report{Path: "a.jpg", Format: prevalidate.FormatJPEG, Width: 900, Height: 1200,
		Issues: []prevalidate.Issue{{Code: prevalidate.FaceTooSmall, Severity: prevalidate.SeverityError}},
		Faces:  []prevalidate.Face{{Box: [4]int{300, 400, 200, 200}, Size: 200, IPD: 80}}})
	h.Write(&prevalidate.Report{Path: "b.jpg", Format: prevalidate.FormatJPEG, Width: 900, Height: 1200,
		Issues: []prevalidate.Issue{{Code: prevalidate.FaceNotFound, Severity: prevalidate.SeverityError}}})
	if err := h.Close(); err != nil {
		fmt.Println(err)
		return
	}
	b, _ := os.ReadFile(page)
	fmt.Println(len(b) > 0)
	// Output: true
}

func ExampleSummarise() {
	s := report.Summarise([]float64{10, 20, 30, 40, 50})
	fmt.Printf("median %g, mean %g\n", s.Median, s.Mean)
	// Output: median 30, mean 30
}
