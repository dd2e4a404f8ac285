package main

import (
	"fmt"
	"github.com/facegate/facegate/internal/atomicfile"
	"io"
	"text/tabwriter"

	"github.com/facegate/facegate/report"
	"github.com/spf13/cobra"
)

// newCompare is facegate compare: two runs of check --iso (two data sets,
// or one capture app before and after a change), component by component.
func newCompare(stdout, stderr io.Writer) *cobra.Command {
	var plot string
	var asJSON bool
	c := &cobra.Command{
		Use:   "compare A.jsonl B.jsonl",
		Short: "Compare the ISO/IEC 29794-5 components of two runs of check --json --iso",
		Long: "Reads the JSON Lines records of two runs (facegate check --json --iso DIR > A.jsonl) and\n" +
			"prints, per component of the largest face, each run's median and 5th percentile score,\n" +
			"the shift of the median, and the Kolmogorov-Smirnov distance between the two\n" +
			"distributions of scores with its asymptotic p-value (small: the runs differ). --plot\n" +
			"writes an HTML page with both distributions drawn over each other per component.",
		Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			a, err := report.ReadISORun(args[0], stderr)
			if err != nil {
				return usageError{err}
			}
			b, err := report.ReadISORun(args[1], stderr)
			if err != nil {
				return usageError{err}
			}
			if a.Faces == 0 || b.Faces == 0 {
				return usageError{fmt.Errorf("no ISO components in %s (%d faces) or %s (%d faces): run check --json --iso", args[0], a.Faces, args[1], b.Faces)}
			}
			rows := report.CompareRuns(a, b)
			if asJSON {
				if err := writeJSON(stdout, compareJSON(args[0], args[1], rows)); err != nil {
					return usageError{err}
				}
			} else {
				tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintf(tw, "COMPONENT\tHOW\tA MEDIAN\tB MEDIAN\tSHIFT\tA P5\tB P5\tKS D\tP\t\n")
				for _, r := range rows {
					fmt.Fprintf(tw, "%s\t%s\t%.1f\t%.1f\t%+.1f\t%.1f\t%.1f\t%.3f\t%.3g\t\n", r.Name, r.How, r.A.Median, r.B.Median, r.B.Median-r.A.Median, r.A.P5, r.B.P5, r.D, r.P)
				}
				tw.Flush()
			}
			fmt.Fprintf(stderr, "facegate: A %s: %d records, %d faces; B %s: %d records, %d faces\n", args[0], a.Records, a.Faces, args[1], b.Records, b.Faces)
			if plot != "" {
				if err := atomicfile.Write(plot, func(w io.Writer) error { return report.WriteComparePlot(w, args[0], args[1], a, b, rows) }); err != nil {
					return usageError{err}
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the comparison as one JSON document instead of the table")
	c.Flags().StringVar(&plot, "plot", "", "write an HTML page: per component, both runs' score distributions drawn over each other")
	return c
}
