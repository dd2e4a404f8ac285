package server

import (
	"math/rand/v2"

	"github.com/facegate/facegate/prevalidate"
)

// nearMiss reports whether the fixed output fails only threshold rules the
// journal can calibrate, each by a little (within its measure's Near,
// prevalidate.Measure.NearMiss): the refusals worth sending now and then
// to learn where the provider's own cut-off is.
func nearMiss(p *prevalidate.Profile, o *prevalidate.Output) bool {
	if o == nil || len(o.Faces) == 0 {
		return false
	}
	v := o.Values()
	failed := false
	for _, is := range o.Issues {
		if is.Severity != prevalidate.SeverityError {
			continue
		}
		failed = true
		learnt := false
		for i := range p.Rules {
			r := &p.Rules[i]
			if r.Code != is.Code {
				continue
			}
			ms := r.Measure
			if ms == nil || !ms.Learnt || ms.Near <= 0 {
				return false // not a threshold the journal learns
			}
			x, ok := ms.Of(v)
			if !ok || (ms.Breaks(x, r.Threshold) && !ms.NearMiss(x, r.Threshold)) {
				return false
			}
			learnt = true
		}
		if !learnt {
			return false
		}
	}
	return failed
}

// explore decides whether a near-miss refusal is sent this time.
func (s *Server) explore(p *prevalidate.Profile, o *prevalidate.Output) bool {
	return s.opts.Explore > 0 && nearMiss(p, o) && rand.Float64() < s.opts.Explore
}
