package prevalidate

import (
	"context"
	"fmt"
	"image"
	"math"
	"time"

	"github.com/facegate/facegate/codec"
	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/facecheck"
)

// previewMinSide is the least long side, in pixels, a DC preview must
// have to be worth searching: the detector's input.
const previewMinSide = 256

// stepPreview finds the faces of a progressive JPEG that Fix scales on
// its DC scans, before the one decode. Such a file costs the same to
// decode at any scale, since most of the work is reading every scan, so
// decoding it twice (a face that must keep more pixels than the
// recommended height leaves it) costs a second full decode. Its DC scans
// are decoded first instead (codec.DecodeDC: an eighth of the size, from
// a tenth of the file, with no inverse DCT); the faces found there tell
// stepPlan the scale their landmarks and Fix's plan need, and stepFaces
// measures them on the one decode (no second detection). A preview that
// fails is no error: the real decode says what is wrong.
func stepPreview(ctx context.Context, s *state) (bool, error) {
	if err := s.preview(ctx); err != nil {
		return true, err
	}
	return false, nil
}

func (s *state) preview(ctx context.Context) error {
	if !s.fix || !s.dec.scalable || s.opts.FullDecode || s.m.Format != FormatJPEG ||
		!s.lim.hasFaces || s.workNum() >= 8 {
		return nil
	}
	a, err := s.finder()
	if err != nil {
		return nil // the faces step reports it
	}
	km, ok := a.(keyMeasurer)
	if !ok || km.Detector() == DetectorHOG {
		return nil
	}
	if pw, ph := codec.Scaled(s.hdr.Width, s.hdr.Height, 1); max(pw, ph) < previewMinSide {
		return nil
	}
	t0 := time.Now()
	img, err := safePreview(s.data)
	if err != nil {
		return nil // not progressive, or broken: the real decode says what is wrong
	}
	img = exif.Apply(img, exif.Orientation(s.m.Orientation))
	k := float64(img.Bounds().Dx()) / float64(s.m.Width) // preview pixels per upright input pixel
	t1 := time.Now()
	keys, err := km.DetectKeypoints(ctx, img, s.findOptions(k))
	t2 := time.Now()
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return nil
	}
	s.previewed = true
	s.preKeys = make([]facecheck.KeyFace, len(keys))
	est := make([]facecheck.Face, 0, len(keys))
	for i, key := range keys {
		s.preKeys[i] = key.Scaled(1 / k)
		if f, ok := estimate(s.preKeys[i]); ok {
			est = append(est, f)
		}
	}
	facecheck.SortBySize(est)
	s.preEst = est
	s.opts.Logger.Debug("preview", "size", img.Bounds().Size().String(), "faces", len(keys),
		"decode_ms", ms(t1.Sub(t0)), "detect_ms", ms(t2.Sub(t1)))
	return nil
}

// safePreview is codec.DecodeDC, a panic made an error.
func safePreview(b []byte) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("preview panicked: %v", r)
		}
	}()
	return codec.DecodeDC(b)
}

// estimate is what the keypoints tell of a face's measurements before
// its landmarks are fitted, on the small side (dlib's eye distance is
// about 0.93 times the keypoints', its size within 5-10 % of the box the
// keypoints place, on a preview made of 8x8 block means), so a plan made
// from it keeps enough pixels: a scale a step too large costs less than
// a second decode.
func estimate(k facecheck.KeyFace) (facecheck.Face, bool) {
	d, ok := k.Detection()
	if !ok {
		return facecheck.Face{}, false
	}
	re, le := k.Points[facecheck.RightEye], k.Points[facecheck.LeftEye]
	f := facecheck.Face{Box: d.Box, Score: k.Score, Size: 0.85 * float64(d.Box.Dx()), IPD: 0.8 * k.IPD()}
	f.Eyes.Right, f.Eyes.Left = re, le
	f.Pose.Roll = k.Roll()
	if math.IsNaN(f.Size) || f.Size <= 0 {
		return facecheck.Face{}, false
	}
	return f, true
}
