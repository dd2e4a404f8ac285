package prevalidate

import (
	"context"
	"slices"
)

// stepKeep never lets Fix turn a passing face into a failing one: when the
// input passes every face rule and the scaled output does not, the input's
// own size is encoded and verified instead, and kept if it passes them.
func stepKeep(ctx context.Context, s *state) (bool, error) {
	before := s.opts.Profile.Judge(&s.m)
	if s.plan.scale >= 1 || !regressed(s.opts.Profile, before, s.rep.Output.Issues) {
		return false, nil
	}
	s.opts.Logger.Debug("output fails a face rule the input passes; trying the full size", "scale", s.plan.scale)
	p := s.fullSize()
	out, data, err := s.encode(ctx, p)
	if err != nil {
		return true, err
	}
	if done, err := s.verifyOutput(ctx, out, data); done {
		return true, err
	}
	if !regressed(s.opts.Profile, before, out.Issues) {
		s.plan, s.rep.Output, s.out = p, out, data
		s.rep.OK = noErrors(out.Issues)
	}
	return false, nil
}

// regressed reports whether before passes every face rule of p and
// after fails one.
func regressed(p *Profile, before, after []Issue) bool {
	failsFace := func(issues []Issue) bool {
		return slices.ContainsFunc(issues, func(is Issue) bool { return is.Severity == SeverityError && p.FaceCode(is.Code) })
	}
	return !failsFace(before) && failsFace(after)
}
