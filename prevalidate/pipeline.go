// Package prevalidate checks an image against a profile of rules (Progeny's
// by default) and fixes what can be fixed: it turns the pixels upright,
// converts to JPEG, scales down once and encodes to fit the byte limit, with
// no metadata left.
//
// The pipeline is a list of named steps over one state, each in its own
// file: read -> header (format, size, EXIF, what the file declares about
// its making, safety limits) -> preview
// (for a progressive JPEG that Fix scales, the faces on its DC scans) ->
// plan (the decode scale, once) -> decode (upright pixels) -> faces ->
// refine (a larger decode when the faces need more pixels) -> surface
// (what covers each face, and whether it is a person's) -> quality ->
// recapture (a photo of a print or a screen?) -> judge; then, for Fix: fix (turn, plan the size, scale once, encode to
// fit) -> verify (the check steps again, on the output bytes) -> keep
// (the input's size when the smaller output fails a face rule the input
// passes). Safety limits are enforced from the header, so a decompression
// bomb never allocates its pixels.
package prevalidate

import (
	"context"
	"fmt"
	"image"
	"io"
	"time"

	"github.com/facegate/facegate/facecheck"
)

// state is what the steps read and write.
type state struct {
	opts Options
	lim  limits // the profile's thresholds the steps act on
	fix  bool
	src  io.Reader // the input, when not given as bytes
	data []byte
	dec  decoder
	hdr  header
	img  image.Image // the decoded pixels, upright; scale() times the input's size
	// num/8 is the decode scale: working pixels per input pixel (8 for a
	// decoder that cannot scale). pix is img's pooled buffer, if any.
	num int
	pix []byte
	// turn is how many quarter turns clockwise a decode applies after the
	// EXIF orientation: Fix's turn of a photo whose face is on its side.
	turn int
	// noFaceSearch skips the face search: verify's, when the input had no
	// face (its FACE_NOT_FOUND carries over).
	noFaceSearch bool
	// previewed says stepPreview found the faces on the DC preview,
	// preKeys (in the upright input's pixels), so stepFaces measures them
	// rather than searching again; preEst are what they tell of the faces,
	// largest first, for stepPlan. planNum is the decode scale stepPlan
	// chose.
	previewed bool
	preKeys   []facecheck.KeyFace
	preEst    []facecheck.Face
	planNum   int
	// found are the faces as measured on img (m.Faces holds them in the
	// input's pixels), for refine to measure again on a larger decode.
	found []facecheck.Face
	m     Measurements
	// plan is Fix's plan of the output in rep.Output and out.
	plan fixPlan
	rep  *Report
	out  []byte
}

// step returns done=true when the run ends here (the report says why).
type step struct {
	name string
	run  func(ctx context.Context, s *state) (done bool, err error)
}

// The steps, in order. Check runs checkSteps, then judge (always: after
// a step that ended the run early, on what was known); Fix runs them and
// then fixSteps; verify runs checkSteps again over Fix's output bytes and
// judges those.
var (
	checkSteps = []step{
		{"read", stepRead},           // the bytes, under the input limit
		{"header", stepHeader},       // format, size, EXIF, what the file declares (XMP, C2PA), the pixel limit
		{"preview", stepPreview},     // Fix of a progressive JPEG: faces on its DC scans
		{"plan", stepPlan},           // the decode scale, once
		{"decode", stepDecode},       // the pixels, upright
		{"faces", stepFaces},         // find and measure
		{"refine", stepRefine},       // decode larger and measure again, when the faces need more pixels
		{"surface", stepSurface},     // what covers each face, and whether it is a person's
		{"quality", stepQuality},     // sharpness, exposure, JPEG quality
		{"recapture", stepRecapture}, // a photo of a print or a screen? (the re-capture model)
		{"iso", stepISO},             // ISO/IEC 29794-5 components, when asked for
	}
	judgeStep = step{"judge", stepJudge} // the profile's rules, into the report
	fixSteps  = []step{
		{"fix", stepFix},       // turn, plan the size, scale once, encode to fit
		{"verify", stepVerify}, // checkSteps over the output bytes, judged
		{"keep", stepKeep},     // a face rule the input passes and the output fails: the full size instead
	}
)

// Check reads an image from r and reports the rules it breaks as it is.
// The report is never nil. The error is non-nil only when r fails or ctx
// ends; the report then says what was known.
func Check(ctx context.Context, r io.Reader, opts *Options) (*Report, error) {
	rep, _, err := run(ctx, r, opts, false)
	return rep, err
}

// Fix reads an image from r, reports its issues, and returns a JPEG that
// fixes what can be fixed, or nil when the image could not be decoded.
// Report.OK says whether that JPEG breaks no rule; Report.Output describes it.
func Fix(ctx context.Context, r io.Reader, opts *Options) (*Report, []byte, error) {
	return run(ctx, r, opts, true)
}

// CheckBytes is Check over a byte slice, read in place (not copied, not
// modified).
func CheckBytes(ctx context.Context, b []byte, opts *Options) (*Report, error) {
	rep, _, err := runBytes(ctx, b, opts, false)
	return rep, err
}

// FixBytes is Fix over a byte slice, read in place (not copied, not
// modified).
func FixBytes(ctx context.Context, b []byte, opts *Options) (*Report, []byte, error) {
	return runBytes(ctx, b, opts, true)
}

func run(ctx context.Context, r io.Reader, opts *Options, fix bool) (*Report, []byte, error) {
	s := newState(opts.withDefaults(), fix)
	s.src = r
	return s.runAll(ctx)
}

func runBytes(ctx context.Context, b []byte, opts *Options, fix bool) (*Report, []byte, error) {
	s := newState(opts.withDefaults(), fix)
	s.data = b
	return s.runAll(ctx)
}

// runAll runs the check steps, judges, and runs Fix's steps after them
// when the check ran to its end.
func (s *state) runAll(ctx context.Context) (*Report, []byte, error) {
	done, err := s.runSteps(ctx, checkSteps)
	s.runStep(ctx, judgeStep)
	if err == nil && !done && s.fix {
		_, err = s.runSteps(ctx, fixSteps)
	}
	s.releasePix()
	return s.rep, s.out, err
}

func newState(opts Options, fix bool) *state {
	s := &state{opts: opts, lim: limitsOf(opts.Profile), fix: fix, rep: &Report{Faces: []Face{}}, num: 8}
	s.m.Format = FormatUnknown
	s.m.Orientation = 1
	return s
}

// runSteps runs steps in order until one ends the run (done) or fails.
func (s *state) runSteps(ctx context.Context, steps []step) (done bool, err error) {
	for _, st := range steps {
		if err := ctx.Err(); err != nil {
			return true, fmt.Errorf("before %s: %w", st.name, err)
		}
		done, err := s.runStep(ctx, st)
		if err != nil {
			return true, fmt.Errorf("%s: %w", st.name, err)
		}
		if done {
			return true, nil
		}
	}
	return false, nil
}

func (s *state) runStep(ctx context.Context, st step) (bool, error) {
	start := time.Now()
	done, err := st.run(ctx, s)
	s.opts.Logger.Debug("step", "name", st.name, "ms", ms(time.Since(start)))
	return done, err
}

// scale is the decoded image's pixels per input pixel.
func (s *state) scale() float64 { return float64(s.num) / 8 }

// ms is d in milliseconds, for logs.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
