package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/facegate/facegate/journal"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/progeny"
	"github.com/spf13/cobra"
)

// submitFlags are the flags of facegate submit.
type submitFlags struct {
	imageFlags
	service      string
	uuid         string
	extend       bool
	force        bool
	journal      string
	journalPaths bool
	shadow       bool
}

// submitRecord is the JSON line printed for each service call.
type submitRecord struct {
	Service string                `json:"service"`
	Images  []string              `json:"images"`
	OK      bool                  `json:"ok"`
	Refused bool                  `json:"refused,omitempty"` // stopped locally, nothing sent
	TaskID  string                `json:"task_id,omitempty"`
	State   string                `json:"state,omitempty"`
	Status  int                   `json:"status,omitempty"`
	Data    json.RawMessage       `json:"data,omitempty"`
	Issues  map[string]string     `json:"issues,omitempty"`
	Code    string                `json:"code,omitempty"` // the provider's or facegate's rejection code
	Error   string                `json:"error,omitempty"`
	Reports []*prevalidate.Report `json:"reports,omitempty"` // facegate's checks of the images
}

func newSubmit(stdout, stderr io.Writer) *cobra.Command {
	f := &submitFlags{}
	names := progeny.ServiceNames()
	c := &cobra.Command{
		Use:   "submit --service NAME [--uuid U] [--extend-data] [--force] IMAGE...",
		Short: "Check, fix and send images to Progeny; print each task's result as JSON",
		Long: "submit checks and fixes every image first and uploads only compliant, fixed JPEGs.\n" +
			"A non-compliant image is refused locally: nothing is sent, not even a login.\n" +
			"Credentials: PROGENY_USERNAME and PROGENY_PASSWORD; API: PROGENY_BASE_URL\n" +
			"(default " + progeny.DefaultBaseURL + ").\n" +
			"Services: " + strings.Join(names, ", ") + ".\n" +
			"Exit status: 0 every task succeeded with a positive result, 1 an image was refused\n" +
			"or rejected, 2 usage, authentication or transport error.",
		RunE: func(c *cobra.Command, args []string) error {
			return runSubmit(c.Context(), f, args, stdout, stderr)
		},
	}
	c.Flags().StringVar(&f.service, "service", "", "Progeny service: "+strings.Join(names, ", "))
	c.Flags().StringVar(&f.uuid, "uuid", "", "registered face to authenticate against (authenticate_face)")
	c.Flags().BoolVar(&f.extend, "extend-data", false, "ask for extended result data")
	c.Flags().BoolVar(&f.force, "force", false, "send images that fail the checks anyway (a warning is printed)")
	c.Flags().StringVar(&f.journal, "journal", "", "append a verdict record per image sent to this JSON Lines file (measurements, codes, Progeny's verdict; no image, token or file name)")
	c.Flags().BoolVar(&f.journalPaths, "journal-paths", false, "also put the image file names in the journal")
	c.Flags().BoolVar(&f.shadow, "shadow", false, "measure and journal, but send every image as it is (converted only where Progeny takes no such format), even those the checks refuse")
	f.imageFlags.add(c.Flags(), true)
	// submit's records carry no faces: the ISO components would be
	// computed for nothing (a profile's ISO rules compute them anyway).
	c.Flags().MarkHidden("iso")
	return c
}

// prepared is one image after check and fix.
type prepared struct {
	path    string
	field   progeny.Field
	rep     *prevalidate.Report
	profile *prevalidate.Profile // the one the image was judged with
	data    []byte               // what would be sent: the fixed JPEG, or the client's bytes
	fixed   bool                 // data is the fixed JPEG
}

func runSubmit(ctx context.Context, f *submitFlags, images []string, stdout, stderr io.Writer) error {
	svc, err := f.checkArgs(images)
	if err != nil {
		return usageError{err}
	}
	// Check and fix everything before any network traffic.
	items, err := f.prepareAll(ctx, svc, images, stderr)
	if err != nil {
		return usageError{err}
	}
	enc := json.NewEncoder(stdout)
	calls := group(items, len(svc.Fields))
	if bad := refusals(items); len(bad) > 0 && !f.force && !f.shadow {
		for _, call := range calls {
			rec := record(f.service, call)
			if !callOK(call) {
				rec.Refused = true
				rec.Code, rec.Error = firstCode(call), "refused locally: the image fails Progeny's rules; nothing was sent"
			}
			enc.Encode(rec)
		}
		return errNotOK
	} else if len(bad) > 0 && !f.shadow {
		fmt.Fprintf(stderr, "facegate: warning: --force: sending %d image(s) that fail the checks: %s\n", len(bad), strings.Join(bad, ", "))
	}
	return f.send(ctx, calls, enc, f.textLogger(stderr))
}

// checkArgs checks the service and the images given for it.
func (f *submitFlags) checkArgs(images []string) (progeny.Service, error) {
	svc, ok := progeny.LookupService(f.service)
	fields := svc.Fields
	switch {
	case !ok:
		return svc, fmt.Errorf("--service must be one of the Progeny services (see facegate submit --help), not %q", f.service)
	case len(images) == 0:
		return svc, errors.New("submit needs at least one IMAGE")
	case svc.NeedsUUID && f.uuid == "":
		return svc, fmt.Errorf("%s needs --uuid of a registered face", f.service)
	case len(fields) > 1 && len(images) != len(fields):
		want := make([]string, len(fields))
		for i, fl := range fields {
			want[i] = fl.Name
		}
		return svc, fmt.Errorf("%s takes %d images, in this order: %s", f.service, len(fields), strings.Join(want, ", "))
	}
	return svc, nil
}

// prepareAll checks and fixes every image for its field: faces with the
// profile of the flags, documents with the document profile, both under
// the same limits.
func (f *submitFlags) prepareAll(ctx context.Context, svc progeny.Service, images []string, stderr io.Writer) ([]prepared, error) {
	faceOpts, err := f.options(f.textLogger(stderr), slices.ContainsFunc(svc.Fields, func(fl progeny.Field) bool { return fl.Face }))
	if err != nil {
		return nil, err
	}
	docOpts := *faceOpts
	docOpts.Profile, docOpts.Faces = prevalidate.Document(), nil
	var items []prepared
	for i, path := range images {
		field := svc.Fields[min(i, len(svc.Fields)-1)]
		opts := &docOpts
		if field.Face {
			opts = faceOpts
		}
		p, err := prepare(ctx, path, field, opts, f.shadow)
		if err != nil {
			return nil, err
		}
		p.profile = opts.Profile
		items = append(items, p)
	}
	return items, nil
}

// send logs in and makes each call, printing a record per call. An
// authentication, transport or server error ends the run.
func (f *submitFlags) send(ctx context.Context, calls [][]prepared, enc *json.Encoder, log *slog.Logger) error {
	user, pass := os.Getenv("PROGENY_USERNAME"), os.Getenv("PROGENY_PASSWORD")
	if user == "" || pass == "" {
		return usageError{errors.New("set PROGENY_USERNAME and PROGENY_PASSWORD to submit")}
	}
	client, err := progeny.NewClient(os.Getenv("PROGENY_BASE_URL"), progeny.WithCredentials(user, pass), progeny.WithLogger(log))
	if err != nil {
		return usageError{err}
	}
	fields := map[string]string{}
	if f.extend {
		fields["extend_data"] = "true"
	}
	if f.uuid != "" {
		fields["uuid"] = f.uuid
	}
	var jw *journal.Writer
	if f.journal != "" {
		if jw, err = journal.Create(f.journal); err != nil {
			return usageError{err}
		}
		jw.Paths = f.journalPaths
		defer jw.Close()
	}
	allOK := true
	for _, call := range calls {
		rec := record(f.service, call)
		files := make([]progeny.File, len(call))
		for i, p := range call {
			files[i] = progeny.File{Field: p.field.Name, Data: p.data}
		}
		task, err := client.Submit(ctx, f.service, files, fields)
		if jw != nil {
			v := journal.VerdictOf(task, err)
			for _, p := range call {
				mode := journal.ModeEnforce
				switch {
				case f.shadow:
					mode = journal.ModeShadow
				case !p.rep.OK:
					mode = journal.ModeForced
				}
				jr := journal.New(f.service, p.field.Name, mode, p.profile, p.rep, p.fixed)
				jr.Verdict, jr.Path = v, p.path
				if werr := jw.Write(jr); werr != nil {
					return usageError{werr}
				}
			}
		}
		if task != nil {
			rec.TaskID, rec.State, rec.Status, rec.Data, rec.Issues = task.ID, task.State, task.Status, task.Data, task.Issues
		}
		var re *progeny.RejectedError
		var te *progeny.TaskError
		var ve *progeny.ValidationError
		switch {
		case err == nil:
			rec.OK = task.Positive()
		case errors.As(err, &re):
			rec.Code, rec.Error = re.Code, err.Error()
		case errors.As(err, &te), errors.As(err, &ve):
			rec.Error = err.Error()
		default: // authentication, transport, rate limits, server errors
			rec.Error = err.Error()
			enc.Encode(rec)
			return usageError{err}
		}
		allOK = allOK && rec.OK
		if err := enc.Encode(rec); err != nil {
			return usageError{err}
		}
	}
	if !allOK {
		return errNotOK
	}
	return nil
}

// prepare checks and fixes one image. The sent bytes are the fixed JPEG;
// with no output (undecodable), the original bytes, for --force only.
func prepare(ctx context.Context, path string, field progeny.Field, opts *prevalidate.Options, shadow bool) (prepared, error) {
	fh, err := os.Open(path)
	if err != nil {
		return prepared{}, err
	}
	defer fh.Close()
	rep, out, err := prevalidate.Fix(ctx, fh, opts)
	if err != nil {
		return prepared{}, fmt.Errorf("%s: %w", path, err)
	}
	rep.Path = path
	p := prepared{path: path, field: field, rep: rep, data: out, fixed: out != nil}
	if out == nil || shadow && (rep.Format == prevalidate.FormatJPEG || rep.Format == prevalidate.FormatPNG) {
		// The client's own bytes: nothing could be fixed (--force), or
		// shadow mode, which converts only what Progeny would refuse.
		if p.data, err = os.ReadFile(path); err != nil {
			return prepared{}, err
		}
		p.fixed = false
	}
	return p, nil
}

// group splits the images into service calls of n images each.
func group(items []prepared, n int) [][]prepared {
	if n == 1 {
		out := make([][]prepared, len(items))
		for i := range items {
			out[i] = items[i : i+1]
		}
		return out
	}
	return [][]prepared{items}
}

func refusals(items []prepared) []string {
	var bad []string
	for _, p := range items {
		if !p.rep.OK {
			bad = append(bad, p.path)
		}
	}
	return bad
}

func callOK(call []prepared) bool {
	for _, p := range call {
		if !p.rep.OK {
			return false
		}
	}
	return true
}

// firstCode is the first error code of the first failing image's output.
func firstCode(call []prepared) string {
	for _, p := range call {
		if p.rep.OK {
			continue
		}
		issues := p.rep.Issues
		if p.rep.Output != nil {
			issues = p.rep.Output.Issues
		}
		for _, is := range issues {
			if is.Severity == prevalidate.SeverityError {
				return string(is.Code)
			}
		}
	}
	return ""
}

func record(service string, call []prepared) submitRecord {
	rec := submitRecord{Service: service}
	for _, p := range call {
		rec.Images = append(rec.Images, p.path)
		rec.Reports = append(rec.Reports, p.rep)
	}
	return rec
}
