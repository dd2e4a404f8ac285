package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/facegate/facegate/quality/iso"
	"github.com/spf13/cobra"
)

// newISO is facegate iso: the ISO/IEC 29794-5 components, with how each is
// computed or why it is not.
func newISO(stdout io.Writer) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "iso",
		Short: "List the ISO/IEC 29794-5 quality components check --iso reports, and how each is computed",
		Long: "check --iso (and fix --iso) put each face's ISO/IEC 29794-5 quality components in the JSON\n" +
			"records as \"iso\": {NAME: {id, raw, score, how}}, with OFIQ's names, quality-measure ids and\n" +
			"0-100 mappings; --csv gains NAME and NAME.scalar columns; report draws them; compare\n" +
			"sets two runs side by side. how is:\n\n" +
			"  ofiq               OFIQ's definition and constants, on dlib's 68 landmarks (region measures\n" +
			"                     on the face aligned to OFIQ's 616 x 616 frame)\n" +
			"  ofiq-no-occlusion  OFIQ's definition without its occlusion-segmentation mask\n" +
			"  facegate           facegate's own measure in OFIQ's place\n" +
			"  none               not computed: it needs one of OFIQ's networks",
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if asJSON {
				type measure struct {
					Name string `json:"name"`
					ID   string `json:"id"`
					How  string `json:"how"`
					Note string `json:"note,omitempty"`
				}
				var out []measure
				for _, in := range iso.Measures() {
					out = append(out, measure{in.Name, in.Hex(), string(in.How), in.Why})
				}
				return writeJSON(stdout, out)
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MEASURE\tID\tHOW\tNOTE")
			for _, in := range iso.Measures() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", in.Name, in.Hex(), in.How, in.Why)
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the list as JSON")
	return c
}
