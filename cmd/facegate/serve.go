package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/facegate/facegate/journal"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/server"
	"github.com/spf13/cobra"
)

func newServe(stderr io.Writer) *cobra.Command {
	var (
		addr, upstream  string
		f               imageFlags
		maxBody         int64
		inFlight, queue int
		timeout         time.Duration
		upstreamTimeout time.Duration
		drainDelay      time.Duration
		tokenFile       string
		journalFile     string
		mode            string
		explore         float64
	)
	c := &cobra.Command{
		Use:   "serve [--addr HOST:PORT] [--upstream URL]",
		Short: "Serve /v1/check and /v1/fix, and with an upstream a pre-validating Progeny proxy",
		Long: "serve answers POST /v1/check (the JSON report) and POST /v1/fix (the fixed JPEG, or 422),\n" +
			"GET /healthz and GET /metrics. With --upstream (or PROGENY_BASE_URL) it also serves\n" +
			"Progeny's own paths under /api/v3/: token and task calls pass through, and service\n" +
			"calls have every image checked and fixed first; a failing image is answered 400 in\n" +
			"Progeny's field-error shape and nothing goes upstream. Every upstream call has a deadline\n" +
			"(--upstream-timeout: 504 past it), and an answer cut short is a 502. SIGTERM or Ctrl-C\n" +
			"makes /readyz answer 503 for --drain-delay, then drains (every request in flight is\n" +
			"answered) and exits: at most --drain-delay + --timeout + --upstream-timeout + 5s.\n" +
			"GET /healthz is liveness, GET /readyz readiness.\n\n" +
			"Memory: the resident set stays under\n" +
			"  200 MB + max-in-flight x 96 MB + (max-in-flight + queue) x max-body\n" +
			"(2 slots, queue 8, 20 MB bodies: 592 MB); size a container's limit from it. A request takes\n" +
			"one slot per 12 MP its images declare (a 48 MP photo takes four, at most max-in-flight;\n" +
			"formats other than JPEG count four times).\n" +
			"The Go heap's soft limit is set to that budget less 200 MB and 32 MB per slot, the C side's\n" +
			"share (unless GOMEMLIMIT is set), and\n" +
			"memory is handed back to the kernel after 2 s without an image in flight.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if upstream == "" {
				upstream = os.Getenv("PROGENY_BASE_URL")
			}
			level := slog.LevelInfo
			if f.verbose {
				level = slog.LevelDebug
			}
			log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
			opts, err := f.options(log, true)
			if err != nil {
				return usageError{err}
			}
			// A service loads its models before it listens, so it is not
			// ready (nor slow on its first upload) while they load.
			if l, ok := opts.Faces.(*prevalidate.LazyAnalyzer); ok {
				if _, err := l.Load(); err != nil {
					return usageError{err}
				}
			}
			token, err := readToken(tokenFile)
			if err != nil {
				return usageError{err}
			}
			var jw *journal.Writer
			if journalFile != "" {
				if jw, err = journal.Create(journalFile); err != nil {
					return usageError{err}
				}
				defer jw.Close()
			}
			if mode != "enforce" && mode != "shadow" {
				return usageError{fmt.Errorf("--mode %q: enforce or shadow", mode)}
			}
			if explore < 0 || explore > 1 || (explore > 0 && (jw == nil || mode != "enforce")) {
				return usageError{fmt.Errorf("--explore %g: a share from 0 to 1, in enforce mode with --journal", explore)}
			}
			sopts := server.Options{Check: opts, Upstream: upstream, AuthToken: token, Journal: jw, Shadow: mode == "shadow", Explore: explore,
				MaxBody: maxBody, MaxInFlight: inFlight, MaxQueue: queue, Timeout: timeout, UpstreamTimeout: upstreamTimeout, DrainDelay: drainDelay, Logger: log}
			sopts.Version, sopts.Commit = buildID()
			h, err := server.New(sopts)
			if err != nil {
				return usageError{err}
			}
			budget := server.MemoryBudget(sopts)
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(server.GoMemoryLimit(sopts))
			}
			if os.Getenv("GOGC") == "" {
				// A service's live heap is small (the bodies in hand and two
				// images' buffers) and its garbage large: collecting at half
				// again the live heap instead of twice it keeps a burst's
				// peak about 50 MB lower (benchmarks/burst.sh) for a few
				// more short collections.
				debug.SetGCPercent(server.GCPercent)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usageError{err}
			}
			srv := h.HTTPServer()
			log.Info("serving", "addr", ln.Addr().String(), "upstream", upstream, "memory_budget_mb", budget>>20)
			fmt.Fprintf(stderr, "facegate: listening on http://%s\n", ln.Addr())
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return usageError{err}
			case <-c.Context().Done():
			}
			// Every request in flight is answered: an upload that reached
			// Progeny gets its task id back (DrainTime covers both
			// deadlines; the Kubernetes grace period is longer).
			drain := server.DrainTime(sopts)
			log.Info("shutting down: not ready, then draining requests in flight", "drain_s", drain.Seconds())
			h.Drain()
			time.Sleep(h.DrainDelay()) // still serving while load balancers see /readyz fail
			ctx, cancel := context.WithTimeout(context.Background(), drain)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				return usageError{fmt.Errorf("shutdown: %w", err)}
			}
			if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
				return usageError{err}
			}
			return nil
		},
	}
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	c.Flags().StringVar(&upstream, "upstream", "", "Progeny base URL to proxy to (default $PROGENY_BASE_URL; none: no proxy routes)")
	c.Flags().Int64Var(&maxBody, "max-body", 20<<20, "request body cap in bytes (413 over it)")
	c.Flags().IntVar(&inFlight, "max-in-flight", runtime.NumCPU(), "requests processing images at once")
	c.Flags().IntVar(&queue, "queue", 0, "requests that may wait for a slot (default 4 x max-in-flight); beyond: 503")
	c.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "processing deadline per request")
	c.Flags().DurationVar(&upstreamTimeout, "upstream-timeout", 30*time.Second, "proxy: deadline of every upstream call, answer included (504 past it)")
	c.Flags().DurationVar(&drainDelay, "drain-delay", 5*time.Second, "on SIGTERM, keep serving this long with /readyz answering 503, then drain (in all at most --drain-delay + --timeout + --upstream-timeout + 5s)")
	c.Flags().StringVar(&mode, "mode", "enforce", "proxy: enforce (refuse failing images with 400, send fixed JPEGs) or shadow (measure and journal, send every image as the client sent it)")
	c.Flags().Float64Var(&explore, "explore", 0, "proxy, enforce mode with --journal: send this share (for example 0.02) of near-threshold refusals anyway, journaled as explore")
	c.Flags().StringVar(&journalFile, "journal", "", "proxy: append a verdict record per image forwarded to this JSON Lines file, completed from the clients' task polls (see facegate submit --journal)")
	c.Flags().StringVar(&tokenFile, "auth-token-file", "", "require \"Authorization: Bearer TOKEN\" on /v1/*, TOKEN read from this file (the proxy routes pass the client's Progeny token through)")
	f.add(c.Flags(), true)
	return c
}

// readToken reads a bearer token from a file (a mounted secret): its
// first line, trimmed. An empty path is no token; an empty token is an
// error, not an open door.
func readToken(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--auth-token-file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	if tok := strings.TrimSpace(line); tok != "" {
		return tok, nil
	}
	return "", fmt.Errorf("--auth-token-file %s: empty", path)
}
