package prevalidate

import (
	"context"

	"github.com/facegate/facegate/resize"
)

// stepFix chooses the output size from the profile's thresholds, scales
// once, encodes a metadata-free JPEG that fits the byte limit, then judges
// the output bytes as they would be submitted.
func stepFix(ctx context.Context, s *state) (bool, error) {
	p := s.opts.Profile
	limit := func(c Code) int {
		t, _ := p.Threshold(c)
		return int(t)
	}
	w, h := resize.Size(s.img)
	w, h = resize.Plan(w, h, resize.Limits{
		MaxHeight: limit(HeightAboveRecommended),
		MaxSide:   limit(ImageTooLarge),
		MinSide:   limit(ImageTooSmall),
	})
	enc, err := resize.EncodeFit(ctx, s.img, w, h, resize.FitOptions{MaxBytes: limit(FileTooLarge)})
	if err != nil {
		return true, err
	}
	s.out = enc.Data
	s.rep.Output = &Output{Width: enc.Width, Height: enc.Height, Bytes: int64(len(enc.Data)), Quality: enc.Quality, Issues: verify(enc.Data, &s.opts)}
	s.opts.Logger.Debug("fixed", "width", enc.Width, "height", enc.Height, "bytes", len(enc.Data), "quality", enc.Quality, "encodes", enc.Attempts)
	return false, nil
}

// verify judges output bytes from their header, as Progeny would see them.
func verify(out []byte, opts *Options) []Issue {
	var m Measurements
	if _, _, ok := measureHeader(out, &m, opts.MaxPixels); ok {
		m.Decoded = true // we encoded these pixels ourselves
	}
	return opts.Profile.Judge(&m)
}
