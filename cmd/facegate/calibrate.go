package main

import (
	"errors"
	"fmt"
	"github.com/facegate/facegate/internal/atomicfile"
	"io"
	"math"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/facegate/facegate/calibrate"
	"github.com/facegate/facegate/journal"
	"github.com/facegate/facegate/report"
	"github.com/spf13/cobra"
)

// newCalibrate is facegate calibrate: thresholds proposed from verdict
// journals.
func newCalibrate(stdout, stderr io.Writer) *cobra.Command {
	var (
		profile               profileFlags
		profileOut, reportOut string
		o                     calibrate.Options
		asJSON                bool
	)
	c := &cobra.Command{
		Use:   "calibrate [--cost-call C] [--cost-retake R] [--profile-out FILE] JOURNAL...",
		Short: "Propose rule thresholds from the verdicts Progeny gave (journals of submit/serve --journal)",
		Long: "For each rule whose provider code appears in the journals (FACE_TOO_SMALL against face size and\n" +
			"eye distance, FACE_ANGLE_TOO_LARGE against yaw and pitch, EYES_CLOSED, IMAGE_TOO_BLURRY,\n" +
			"POOR_IMAGE_EXPOSURE, IMAGE_IS_TOO_COMPRESSED), calibrate proposes the threshold whose mistakes\n" +
			"cost least: a wasted call (let through, rejected by Progeny) costs --cost-call, a needless retake\n" +
			"(refused, accepted by Progeny) --cost-retake. Records whose verdict is no verdict on the image\n" +
			"(auth, 5xx, unfinished) or names another code are counted and left out. Journals from shadow\n" +
			"mode see both sides of each threshold; enforce mode only sees what passed.",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New("calibrate needs at least one JOURNAL")}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			p, err := profile.load()
			if err != nil {
				return usageError{err}
			}
			files, err := expandGlobs(args)
			if err != nil {
				return usageError{err}
			}
			var recs []journal.Record
			for _, name := range files {
				f, err := os.Open(name)
				if err != nil {
					return usageError{err}
				}
				skipped, err := journal.Read(f, func(r journal.Record) error { recs = append(recs, r); return nil })
				f.Close()
				if err != nil {
					return usageError{fmt.Errorf("%s: %w", name, err)}
				}
				for _, s := range skipped {
					fmt.Fprintf(stderr, "facegate: %s: %v: skipped\n", name, s)
				}
			}
			props, sum := calibrate.Propose(recs, p, o)
			if asJSON {
				if err := writeJSON(stdout, calibrationJSON(props, sum, o)); err != nil {
					return usageError{err}
				}
			} else {
				printCalibration(stdout, props)
			}
			fmt.Fprintf(stderr, "facegate: %d records, %d without a verdict on the image (left out), %d likeness failures set aside (judged by their liveness result); costs: call %g, retake %g\n",
				sum.Records, sum.NoVerdict, sum.LikenessFailures, o.WithDefaults().CostCall, o.WithDefaults().CostRetake)
			if reportOut != "" {
				if err := report.WriteCalibration(reportOut, props); err != nil {
					return usageError{err}
				}
			}
			if profileOut == "" {
				return nil
			}
			cal, used := calibrate.Apply(p, props)
			if len(used) == 0 {
				return usageError{errors.New("no threshold could be proposed: --profile-out not written")}
			}
			if err := atomicfile.Write(profileOut, func(w io.Writer) error { return writeProfile(w, cal) }); err != nil {
				return usageError{err}
			}
			return nil
		},
	}
	profile.add(c.Flags(), "the profile whose thresholds are the current ones", "the same, from a profile file")
	c.Flags().BoolVar(&asJSON, "json", false, "print the proposals as one JSON document instead of the table")
	c.Flags().StringVar(&profileOut, "profile-out", "", "write the profile with the proposed thresholds to this file (check, fix, serve and submit take it with --profile-file)")
	c.Flags().StringVar(&reportOut, "report", "", "write an HTML page: per rule, the accepted and rejected images along its measure with both thresholds drawn")
	c.Flags().Float64Var(&o.CostCall, "cost-call", 1, "cost of a paid call wasted on an image Progeny rejects")
	c.Flags().Float64Var(&o.CostRetake, "cost-retake", 3, "cost of a user sent back for an image Progeny accepts")
	c.Flags().IntVar(&o.MinRecords, "min-records", 50, "fewest usable records to propose a rule's threshold from")
	return c
}

// printCalibration prints calibrate's table: per rule, the current and
// proposed thresholds and the mistakes at each.
func printCalibration(w io.Writer, props []calibrate.Proposal) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "RULE\tCURRENT\tPROPOSED\t90%% INTERVAL\tRECORDS (ACC/REJ, LEFT OUT)\tWASTED CALLS\tNEEDLESS RETAKES\tNOTE\n")
	for _, pr := range props {
		name := proposalName(pr)
		prop, iv, after := "-", "-", "-"
		if !math.IsNaN(pr.Proposed) {
			prop, iv = fmt.Sprintf("%.4g", pr.Proposed), fmt.Sprintf("%.4g..%.4g", pr.Low, pr.High)
			after = fmt.Sprintf(" -> %d", pr.After.WastedCalls)
		}
		retakes := fmt.Sprint(pr.Before.NeedlessRetakes)
		if after != "-" {
			retakes += fmt.Sprintf(" -> %d", pr.After.NeedlessRetakes)
		} else {
			after = ""
		}
		note := pr.Reason
		if len(pr.With) > 0 && note == "" {
			note = "with " + strings.Join(pr.With, ", ") + " (same code; counts for all)"
		}
		fmt.Fprintf(tw, "%s\t%.4g\t%s\t%s\t%d (%d/%d, %d)\t%d%s\t%s\t%s\n", name, pr.Current, prop, iv,
			pr.Records, pr.Accepted, pr.Rejected, pr.LeftOut, pr.Before.WastedCalls, after, retakes, note)
	}
	tw.Flush()
}

// proposalName names a proposal's rule as calibrate prints it: the code,
// and /key where rules share the code.
func proposalName(pr calibrate.Proposal) string {
	if pr.Key == "" {
		return string(pr.Code)
	}
	return string(pr.Code) + "/" + pr.Key
}
