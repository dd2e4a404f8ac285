package server

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strconv"
)

// Middleware pre-validates the multipart uploads that reach next: every
// file field of a POST is checked and fixed as the proxy does it (face
// rules for the fields any Progeny service names as faces, image and
// selfie_image, image rules for the others; see progeny.FaceField). A failing
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
		fixed, ok := s.checkForm(w, r, "middleware")
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
		if !ok {
			return
		}
		s.m.requests.WithLabelValues("middleware", "passed").Inc()
		r2, err := rebuilt(r, fixed)
		if err != nil {
			s.fail(w, "middleware", err)
			return
		}
		next.ServeHTTP(w, r2)
	})
}

// rebuilt returns r with a fresh multipart body: its values, and the given
// files.
func rebuilt(r *http.Request, parts []part) (*http.Request, error) {
	body, ctype, err := formBody(r.MultipartForm.Value, parts)
	if err != nil {
		return nil, err
	}
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	r2.Header.Set("Content-Type", ctype)
	r2.Header.Set("Content-Length", strconv.Itoa(len(body)))
	r2.MultipartForm, r2.Form, r2.PostForm = nil, nil, nil
	return r2, nil
}
