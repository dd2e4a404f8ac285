package prevalidate

import "context"

// stepPlan decides the scale to decode at, once, before decoding: the
// smallest that covers the output Fix would make and keeps a face of the
// minimum size measurable (workNum), raised to what the faces found on
// the preview (stepPreview) need for their landmarks and Fix's plan.
func stepPlan(_ context.Context, s *state) (bool, error) {
	s.planNum = s.workNum()
	if len(s.preEst) == 0 {
		return false, nil
	}
	num := max(s.planNumFor(s.preEst), s.planNum)
	// The landmarks' own need, as landmarkNum will find it after the
	// decode (but for a borderline measure, which needs the landmarks).
	s.planNum = landmarkNumFor(s.preEst[0].Size, num, false)
	s.opts.Logger.Debug("plan", "preview_faces", len(s.preKeys), "num", s.planNum)
	return false, nil
}
