// Package journal records what facegate sent to Progeny and what Progeny
// said about it: one JSON object per image sent (JSON Lines), with
// facegate's measurements of the exact bytes, the codes the active profile
// raises on them, the profile's name and digest, and the provider's
// verdict. It is the data `facegate calibrate` learns thresholds from.
//
// A record never holds image bytes, tokens, credentials or GPS positions,
// and holds file names only when asked (Writer.Paths). A Writer is safe for
// concurrent use; each record is one write of one line, so a crash leaves
// at most a torn last line, which Read reports with its line number and
// skips.
package journal

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/facegate/facegate/internal/jsonl"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/progeny"
	"github.com/facegate/facegate/provenance"
	"github.com/facegate/facegate/quality"
)

// Format is the version of the record format.
const Format = 1

// How an image came to be sent, a record's Mode.
const (
	ModeEnforce = "enforce" // it passed the profile
	ModeForced  = "forced"  // it failed, and submit --force sent it
	ModeShadow  = "shadow"  // sent whatever the profile said
	ModeExplore = "explore" // a near-threshold refusal sent on purpose
)

// Record is one image sent in one service call.
type Record struct {
	Format  int       `json:"journal"`
	Time    time.Time `json:"time"`
	Service string    `json:"service"`
	Field   string    `json:"field"` // the form field the image was sent in
	// Mode is how the image came to be sent (ModeEnforce...).
	Mode          string   `json:"mode"`
	Profile       string   `json:"profile"`
	ProfileDigest string   `json:"profile_digest"`
	Codes         []string `json:"codes"` // the profile's error codes on the bytes sent
	Measures      Measures `json:"measures"`
	Verdict       *Verdict `json:"verdict,omitempty"`
	Path          string   `json:"path,omitempty"` // only when asked for
}

// Measures are facegate's measurements of the bytes sent.
type Measures struct {
	Width       int     `json:"width"`
	Height      int     `json:"height"`
	Bytes       int64   `json:"bytes"`
	Sharpness   float64 `json:"sharpness"`
	Exposure    float64 `json:"exposure_mean"`
	JPEGQuality int     `json:"jpeg_quality"`
	Faces       []Face  `json:"faces"`
	// NotFaces are detections the profile set aside as not a person's
	// face (FACE_NOT_FOUND's human-face score), with their reading.
	NotFaces []Face `json:"not_faces,omitempty"`
	// Provenance is what the input file declared about its making (the
	// fixed bytes carry no metadata, but come from the same pixels).
	Provenance *provenance.Declared `json:"provenance,omitempty"`
	// Retouch and Recapture are FILTERED's and RECAPTURED's measures of
	// the largest face, when they were read (Liveness's call judges the
	// same: a filtered face, a photo of a print or a screen).
	Retouch   *quality.Retouch       `json:"retouch,omitempty"`
	Recapture *prevalidate.Recapture `json:"recapture,omitempty"`
}

// Face is one face of the bytes sent, largest first.
type Face struct {
	Size  float64 `json:"size"`
	IPD   float64 `json:"ipd"`
	Yaw   float64 `json:"yaw"`
	Pitch float64 `json:"pitch"`
	Roll  float64 `json:"roll"`
	// Box is the face's box (x, y, w, h), in the pixels of the bytes sent.
	Box [4]int `json:"box"`
	// Margins are the face's distances to the left, top, right and bottom
	// borders, in pixels (negative when cut off): of its extent, the box
	// joined with the landmarks, as the border rules judge it (records
	// written before the extent was reported: of the box).
	Margins  [4]int    `json:"margins"`
	EyesOpen []float64 `json:"eyes_open,omitempty"`
	// Cover is the face-surface model's reading (what covers the face,
	// whether it is a person's), when the profile reads it.
	Cover *prevalidate.Cover `json:"cover,omitempty"`
}

// Verdict is what Progeny answered.
type Verdict struct {
	TaskID string `json:"task_id,omitempty"`
	State  string `json:"state,omitempty"`  // Celery state: SUCCESS, FAILURE...
	Status int    `json:"status,omitempty"` // result.status: 200 or 400
	// Result is the provider's liveness verdict on the image, when it
	// gives one: what the image rules are learnt from.
	Result *bool `json:"result,omitempty"`
	// Likeness is the authentication (likeness) result, when the service
	// gives one: whether the face is the registered person's, which says
	// nothing of the image's quality.
	Likeness *bool  `json:"likeness,omitempty"`
	Code     string `json:"code,omitempty"`    // the provider's error code
	Message  string `json:"message,omitempty"` // and its message
	// Error is a failure that is no verdict on the image (authentication,
	// transport, 5xx, a task that never finished); calibrate leaves such
	// records out.
	Error string `json:"error,omitempty"`
}

// Digest is a profile's identity in records: the SHA-256 of its profile
// file form, first 16 hex digits.
func Digest(p *prevalidate.Profile) string {
	b, err := json.Marshal(p)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// New makes the record of one image sent: the measurements and codes of
// the bytes sent, from the report Fix made of them: its Output when the
// fixed JPEG was sent (sentFixed), the input's otherwise (shadow mode, or
// an image that could not be fixed).
func New(service, field, mode string, p *prevalidate.Profile, rep *prevalidate.Report, sentFixed bool) Record {
	r := Record{Format: Format, Time: time.Now().UTC(), Service: service, Field: field, Mode: mode,
		Profile: p.Name, ProfileDigest: Digest(p), Codes: []string{}}
	issues, faces, notFaces, q := rep.Issues, rep.Faces, rep.NotFaces, rep.Quality
	w, h, n := rep.Width, rep.Height, rep.Bytes
	if o := rep.Output; o != nil && sentFixed {
		issues, faces, notFaces, q, w, h, n = o.Issues, o.Faces, o.NotFaces, o.Measures, o.Width, o.Height, o.Bytes
	}
	for _, is := range issues {
		if is.Severity == prevalidate.SeverityError {
			r.Codes = append(r.Codes, string(is.Code))
		}
	}
	r.Measures = Measures{Width: w, Height: h, Bytes: n, Faces: []Face{}, Provenance: rep.Provenance}
	if q != nil {
		r.Measures.Sharpness, r.Measures.Exposure, r.Measures.JPEGQuality = q.Sharpness, q.Exposure.Mean, q.JPEGQuality
		r.Measures.Retouch, r.Measures.Recapture = q.Retouch, q.Recapture
	}
	face := func(f prevalidate.Face) Face {
		e := f.Extent
		if e[2] == 0 {
			e = f.Box
		}
		return Face{Size: f.Size, IPD: f.IPD, Yaw: f.Yaw, Pitch: f.Pitch, Roll: f.Roll,
			Box: f.Box, Margins: [4]int{e[0], e[1], w - (e[0] + e[2]), h - (e[1] + e[3])}, EyesOpen: f.Eyes, Cover: f.Cover}
	}
	for _, f := range faces {
		r.Measures.Faces = append(r.Measures.Faces, face(f))
	}
	for _, f := range notFaces {
		r.Measures.NotFaces = append(r.Measures.NotFaces, face(f))
	}
	return r
}

// VerdictOf reads a finished task, or the error a call ended with.
func VerdictOf(t *progeny.Task, err error) *Verdict {
	v := &Verdict{}
	if t != nil {
		v.TaskID, v.State, v.Status, v.Likeness = t.ID, t.State, t.Status, t.Likeness
		if l := t.Liveness; l != nil {
			res := l.Result
			v.Result, v.Code, v.Message = &res, l.Code, l.Message
		}
		if v.Code == "" && len(t.Issues) > 0 {
			// Without an error code, the issues' first code in order:
			// the same task gives the same record.
			code := slices.Min(slices.Collect(maps.Keys(t.Issues)))
			v.Code, v.Message = code, t.Issues[code]
		}
	}
	var re *progeny.RejectedError
	switch {
	case err == nil:
	case errors.As(err, &re):
		v.Code, v.Message = re.Code, re.Message
	default:
		v.Error = err.Error()
	}
	return v
}

// Writer appends records to a file, one line each, flushed as written.
type Writer struct {
	mu sync.Mutex
	f  *os.File
	// Paths keeps the file names of the images in records (off: none).
	Paths bool
}

// Create opens (or creates) a journal file for appending.
func Create(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &Writer{f: f}, nil
}

// Write appends one record (its path dropped unless Paths).
func (w *Writer) Write(r Record) error {
	if !w.Paths {
		r.Path = ""
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.Write(b); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

// Close closes the file.
func (w *Writer) Close() error { return w.f.Close() }

// LineError is a line Read could not use.
type LineError struct {
	Line int
	Err  error
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// maxLine bounds one record's line.
const maxLine = 1 << 20

// Read calls fn with each record of r, in order. Lines that are not
// records (torn, damaged, another format, too long) are skipped and
// returned with their line numbers; err is a read error or fn's.
func Read(r io.Reader, fn func(Record) error) (skipped []LineError, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		b, _, _, rerr := jsonl.ReadLine(br, maxLine)
		if len(b) > 0 {
			var rec Record
			switch {
			case len(b) > maxLine:
				skipped = append(skipped, LineError{line, fmt.Errorf("longer than %d bytes", maxLine)})
			case json.Unmarshal(b, &rec) != nil:
				skipped = append(skipped, LineError{line, fmt.Errorf("not a JSON record: %.60q", b)})
			case rec.Format != Format:
				skipped = append(skipped, LineError{line, fmt.Errorf("journal format %d, this facegate reads %d", rec.Format, Format)})
			default:
				if err := fn(rec); err != nil {
					return skipped, err
				}
			}
		}
		if rerr == io.EOF {
			return skipped, nil
		}
		if rerr != nil {
			return skipped, rerr
		}
	}
}

// Values are the record's measures in the form the profile's threshold
// rules read (prevalidate.Measure.Of), for the bytes sent: upright, so
// not turned. A face's extent comes back from its margins.
func (r *Record) Values() *prevalidate.Values {
	m := &r.Measures
	v := &prevalidate.Values{Width: m.Width, Height: m.Height, Bytes: m.Bytes, JPEGQuality: max(0, m.JPEGQuality),
		FaceQuality: len(m.Faces) > 0 && m.Sharpness > 0, Sharpness: m.Sharpness, Retouch: m.Retouch, Recapture: m.Recapture}
	v.Exposure.Mean = m.Exposure
	of := func(fs []Face) []prevalidate.FaceValues {
		out := make([]prevalidate.FaceValues, len(fs))
		for i, f := range fs {
			box := image.Rect(f.Box[0], f.Box[1], f.Box[0]+f.Box[2], f.Box[1]+f.Box[3])
			ext := image.Rect(f.Margins[0], f.Margins[1], m.Width-f.Margins[2], m.Height-f.Margins[3])
			out[i] = prevalidate.FaceValues{Size: f.Size, IPD: f.IPD, Yaw: f.Yaw, Pitch: f.Pitch, Roll: f.Roll,
				Box: box, Extent: ext, Eyes: f.EyesOpen, Cover: f.Cover}
		}
		return out
	}
	v.Faces, v.NotFaces = of(m.Faces), of(m.NotFaces)
	return v
}
