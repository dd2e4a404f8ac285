package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

// newHealth is facegate health: GET /healthz of a running service, for a
// container's HEALTHCHECK (the runtime image has no curl).
func newHealth(stdout io.Writer) *cobra.Command {
	var addr string
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "health [--addr HOST:PORT]",
		Short: "Ask a running facegate serve for /healthz; exit 0 when it answers ok",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(c.Context(), timeout)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
			if err != nil {
				return usageError{err}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return usageError{err}
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
			if resp.StatusCode != http.StatusOK {
				return usageError{fmt.Errorf("%s/healthz: %s", addr, resp.Status)}
			}
			fmt.Fprintf(stdout, "%s", body)
			return nil
		},
	}
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "the service's address")
	c.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "give up after this long")
	return c
}
