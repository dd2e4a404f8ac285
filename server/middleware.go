package server

import (
	"bytes"
	"context"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Middleware pre-validates the multipart uploads that reach next: every
// file field of a POST is checked and fixed as the proxy does it (face
// rules for image and selfie_image, image rules for the others). A failing
// image is answered 400 in Progeny's field-error shape and next is not
// called; otherwise next receives the same form with the fixed JPEGs in
// place of the originals. Other requests pass through untouched.
func (s *Server) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if r.Method != http.MethodPost || ct != "multipart/form-data" {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			status := http.StatusBadRequest
			if strings.Contains(err.Error(), "request body too large") {
				status = http.StatusRequestEntityTooLarge
			}
			writeJSON(w, status, map[string]string{"detail": err.Error()})
			return
		}
		defer r.MultipartForm.RemoveAll()
		if len(r.MultipartForm.File) == 0 {
			next.ServeHTTP(w, rebuilt(r, nil))
			return
		}
		release, ok := s.admit(w, r, "middleware")
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
		start := time.Now()
		fixed, fieldErrs, issues, err := s.fixFields(ctx, r.MultipartForm)
		cancel()
		s.m.latency.WithLabelValues("middleware").Observe(time.Since(start).Seconds())
		release()
		if err != nil {
			s.fail(w, "middleware", err)
			return
		}
		if len(fieldErrs) > 0 {
			s.m.requests.WithLabelValues("middleware", "rejected").Inc()
			body := map[string]any{"issues": issues}
			for f, msgs := range fieldErrs {
				body[f] = msgs
			}
			writeJSON(w, http.StatusBadRequest, body)
			return
		}
		s.m.requests.WithLabelValues("middleware", "passed").Inc()
		next.ServeHTTP(w, rebuilt(r, fixed))
	})
}

// rebuilt returns r with a fresh multipart body: its values, and the given
// files.
func rebuilt(r *http.Request, parts []part) *http.Request {
	buf, ctype := formBody(r.MultipartForm.Value, parts)
	r2 := r.Clone(r.Context())
	r2.Body = nopCloser{bytes.NewReader(buf.Bytes())}
	r2.ContentLength = int64(buf.Len())
	r2.Header.Set("Content-Type", ctype)
	r2.Header.Set("Content-Length", strconv.Itoa(buf.Len()))
	r2.MultipartForm, r2.Form, r2.PostForm = nil, nil, nil
	return r2
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
