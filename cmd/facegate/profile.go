package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/facegate/facegate/prevalidate"
	"github.com/spf13/cobra"
)

// newProfile is facegate profile: the built-in profiles in the file
// format, and a check of a profile file.
func newProfile(stdout io.Writer) *cobra.Command {
	c := &cobra.Command{
		Use:   "profile list | show NAME | check FILE",
		Short: "Print a built-in rule profile as a profile file, or check one",
		Long: "A profile file is JSON: {\"facegate_profile\": 1, \"name\": ..., \"rules\": [...]}. Each rule names a\n" +
			"built-in rule by code (and key, where rules share a code) and may change its threshold,\n" +
			"severity and message; rules left out are not applied. Start from a built-in one:\n\n" +
			"  facegate profile show progeny > mine.json\n" +
			"  facegate profile check mine.json\n" +
			"  facegate check --profile-file mine.json PHOTO.jpg\n\n" +
			"check, fix, submit, serve and report take --profile-file.",
	}
	var listJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the built-in profiles",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			type entry struct {
				Name  string `json:"name"`
				Rules int    `json:"rules"`
			}
			var all []entry
			for _, n := range prevalidate.ProfileNames() {
				p, _ := prevalidate.ProfileByName(n)
				all = append(all, entry{n, len(p.Rules)})
			}
			if listJSON {
				return writeJSON(stdout, all)
			}
			for _, e := range all {
				fmt.Fprintf(stdout, "%s\t%d rules\n", e.Name, e.Rules)
			}
			return nil
		},
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print the list as JSON (profile show prints a profile as JSON already)")
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Print a built-in profile in the profile file format",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("profile show needs one NAME (" + strings.Join(prevalidate.ProfileNames(), ", ") + ")")}
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			p, err := loadProfile(args[0], "")
			if err != nil {
				return usageError{err}
			}
			return writeProfile(stdout, p)
		},
	}
	check := &cobra.Command{
		Use:   "check FILE",
		Short: "Check a profile file; print it as it will be applied",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("profile check needs one FILE")}
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			p, err := prevalidate.LoadProfile(args[0])
			if err != nil {
				return usageError{err}
			}
			return writeProfile(stdout, p)
		},
	}
	c.AddCommand(list, show, check)
	return c
}

// writeProfile writes p in the profile file format, indented.
func writeProfile(w io.Writer, p *prevalidate.Profile) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return usageError{err}
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}
