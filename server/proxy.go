package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/facegate/facegate/journal"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/progeny"
)

// handleService checks and fixes every image field of a Progeny service
// call. A failing image is answered at once with 400 in Progeny's
// field-error shape and nothing goes upstream; otherwise the call is
// forwarded with the fixed JPEGs in place of the originals and upstream's
// answer comes back as it is.
func (s *Server) handleService(w http.ResponseWriter, r *http.Request) {
	parts, ok := s.checkForm(w, r, "service")
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if ok {
		s.forward(w, r, r.PathValue("name"), parts)
	}
}

// checkForm parses a multipart form under the body cap and checks and
// fixes its file fields in a processing slot. It answers 413, a malformed
// form, a full queue, failures and failing images itself (400 in Progeny's
// field-error shape) and then returns ok false; otherwise it returns the
// fixed files.
func (s *Server) checkForm(w http.ResponseWriter, r *http.Request, route string) ([]part, bool) {
	leave, ok := s.enqueue(w, r, route) // before the body is read: bounded memory
	if !ok {
		return nil, false
	}
	defer leave()
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) || strings.Contains(err.Error(), "request body too large") {
			s.m.requests.WithLabelValues(route, "too_large").Inc()
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"detail": fmt.Sprintf("body over the %d-byte limit", s.opts.MaxBody)})
			return nil, false
		}
		s.m.requests.WithLabelValues(route, "bad_request").Inc()
		writeJSON(w, http.StatusBadRequest, map[string][]string{"image": {"The submitted data was not a file. Check the encoding type on the form."}})
		return nil, false
	}
	if len(r.MultipartForm.File) == 0 {
		return nil, true
	}
	release, ok := s.slot(r, formPixels(r.MultipartForm))
	if !ok {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	start := time.Now()
	fixed, fieldErrs, issues, err := s.fixFields(ctx, r.PathValue("name"), r.MultipartForm)
	cancel()
	s.m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	release()
	if err != nil {
		s.fail(w, route, err)
		return nil, false
	}
	if len(fieldErrs) > 0 {
		s.m.requests.WithLabelValues(route, "rejected").Inc()
		for code := range issues {
			s.m.rejections.WithLabelValues(code).Inc()
		}
		body := map[string]any{"issues": issues}
		for f, msgs := range fieldErrs {
			body[f] = msgs
		}
		writeJSON(w, http.StatusBadRequest, body)
		return nil, false
	}
	return fixed, true
}

// part is one file field after fixing.
type part struct {
	field, name string
	data        []byte
	rep         *prevalidate.Report  // the fix's report, for the journal
	profile     *prevalidate.Profile // the profile it was judged with
	mode        string               // enforce or shadow, for the journal
	fixed       bool                 // data is the fixed JPEG (else the client's bytes)
}

// fixFields fixes every file field of a call to service: the fields
// progeny's table names as faces with the face rules, every other one (the
// ID and passport images) with the document profile (format, size and
// orientation only).
func (s *Server) fixFields(ctx context.Context, service string, form *multipart.Form) ([]part, map[string][]string, map[string]string, error) {
	fieldErrs := map[string][]string{}
	issues := map[string]string{}
	var parts []part
	fields := make([]string, 0, len(form.File))
	for f := range form.File {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, field := range fields {
		for _, fh := range form.File[field] {
			f, err := fh.Open()
			if err != nil {
				return nil, nil, nil, err
			}
			opts := &s.doc
			if progeny.FaceField(service, field) {
				opts = &s.check
			}
			rep, out, err := prevalidate.Fix(ctx, f, opts)
			f.Close()
			if err != nil {
				return nil, nil, nil, err
			}
			base := strings.TrimSuffix(path.Base(fh.Filename), path.Ext(fh.Filename))
			if base == "" || base == "." || base == "/" {
				base = field
			}
			if s.opts.Shadow {
				// Measured and journaled, sent as the client sent it, but
				// converted where Progeny takes no such format.
				p, err := shadowPart(fh, field, base, rep, out)
				if err != nil {
					return nil, nil, nil, err
				}
				p.profile = opts.Profile
				parts = append(parts, p)
				continue
			}
			if !rep.OK && s.verdicts != nil && out != nil && s.explore(opts.Profile, rep.Output) {
				parts = append(parts, part{field: field, name: base + ".jpg", data: out, rep: rep, profile: opts.Profile, mode: journal.ModeExplore, fixed: true})
				continue
			}
			if !rep.OK {
				list := rep.Issues
				if rep.Output != nil {
					list = rep.Output.Issues
				}
				for _, is := range list {
					if is.Severity == prevalidate.SeverityError {
						fieldErrs[field] = append(fieldErrs[field], string(is.Code)+": "+is.Message)
						if _, seen := issues[string(is.Code)]; !seen {
							issues[string(is.Code)] = is.Message
						}
					}
				}
				continue
			}
			parts = append(parts, part{field: field, name: base + ".jpg", data: out, rep: rep, profile: opts.Profile, mode: journal.ModeEnforce, fixed: true})
		}
	}
	return parts, fieldErrs, issues, nil
}

// forward rebuilds the form with the fixed files and sends it upstream
// with the client's own Authorization.
func (s *Server) forward(w http.ResponseWriter, r *http.Request, name string, parts []part) {
	body, ctype, err := formBody(r.MultipartForm.Value, parts)
	if err != nil {
		s.fail(w, "service", err)
		return
	}
	target := *s.upstream
	target.Path = s.upstream.Path + "/services/" + name + "/"
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.UpstreamTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(body))
	if err != nil {
		s.fail(w, "service", err)
		return
	}
	req.Header.Set("Content-Type", ctype)
	for _, h := range []string{"Authorization", "Accept", "Accept-Language"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.upstreamFailed(w, "service", err, true)
		return
	}
	// Read whole and checked before anything is answered: a reply cut
	// short is a 502, never a 200 with half a task id.
	answer, err := readAnswer(resp)
	resp.Body.Close()
	if err != nil {
		s.upstreamFailed(w, "service", err, true)
		return
	}
	for k, vs := range resp.Header {
		if k == "Content-Length" || k == "Connection" || k == "Transfer-Encoding" {
			continue
		}
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	s.m.requests.WithLabelValues("service", "forwarded").Inc()
	if s.verdicts != nil && resp.StatusCode == http.StatusOK {
		// The answer is {"id": ...}: keep the call's records until a poll
		// of that task passes through with its verdict.
		recs := make([]journal.Record, 0, len(parts))
		for _, p := range parts {
			recs = append(recs, journal.New(name, p.field, p.mode, p.profile, p.rep, p.fixed))
		}
		s.verdicts.sent(taskID(answer), recs)
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(answer)
}

// formBody builds the multipart form sent on: the values, then the files,
// with progeny's builder (progeny.Form).
func formBody(values map[string][]string, parts []part) ([]byte, string, error) {
	files := make([]progeny.File, len(parts))
	for i, p := range parts {
		files[i] = progeny.File{Field: p.field, Name: p.name, Data: p.data}
	}
	return progeny.Form(files, values)
}

// formPixels is the pixels the form's files declare in their headers (the
// first headBytes of each), for admission.
func formPixels(form *multipart.Form) int64 {
	var px int64
	for _, fhs := range form.File {
		for _, fh := range fhs {
			f, err := fh.Open()
			if err != nil {
				continue
			}
			head, _ := io.ReadAll(io.LimitReader(f, headBytes))
			f.Close()
			px += prevalidate.WorkingPixels(head)
		}
	}
	return px
}

// headBytes is how much of a file formPixels reads for its header: enough
// for a JPEG's EXIF segment (at most 64 kB) and its frame header.
const headBytes = 256 << 10

// shadowPart is a file field as shadow mode sends it: the client's bytes
// when Progeny takes their format (JPEG, PNG), the fixed JPEG otherwise
// (or the client's bytes when there is none).
func shadowPart(fh *multipart.FileHeader, field, base string, rep *prevalidate.Report, out []byte) (part, error) {
	if (rep.Format != prevalidate.FormatJPEG && rep.Format != prevalidate.FormatPNG) && out != nil {
		return part{field: field, name: base + ".jpg", data: out, rep: rep, mode: journal.ModeShadow, fixed: true}, nil
	}
	f, err := fh.Open()
	if err != nil {
		return part{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return part{}, err
	}
	name := path.Base(fh.Filename)
	if name == "" || name == "." || name == "/" {
		name = field
	}
	return part{field: field, name: name, data: data, rep: rep, mode: journal.ModeShadow}, nil
}
