package ratelimit

import (
	"math"
	"time"
)

// MinWarmUp and MaxWarmUp bound a limit's warm-up (WarmUp).
const (
	MinWarmUp = time.Minute
	MaxWarmUp = time.Hour
)

// WarmUp is how much traffic before a report window a simulation of l
// replays before it measures: a computation over [from, to) reads the
// requests from from − WarmUp and reports only what falls in [from, to),
// so a minute's figures carry the history that led to it — a bucket
// drained before from, the requests still inside a sliding window — and
// do not depend on where the window (an analysis pass's, a --since)
// starts.
//
// The warm-up is the longest span the limit's measures look back over,
// in whole seconds: a window limit's Per; for a token bucket, the
// sustained measure's 60 s and the time an empty bucket takes to refill
// (Burst ÷ Rate, rounded up); at least MinWarmUp, at most MaxWarmUp.
// Quotas count the calendar month and have none (0).
//
// Sliding windows and the sustained measure only see the last Per (60 s)
// of traffic, so with their span replayed they are exact. A bucket starts
// its replay full: exact whenever it was full at some instant of the
// warm-up, which an idle stretch of Burst ÷ Rate ensures; a subject that
// keeps its bucket from refilling for longer than the warm-up is measured
// as if it had been full at its start (a lower bound). A window longer
// than MaxWarmUp is measured with MaxWarmUp of history only.
func (l *Limit) WarmUp() time.Duration {
	var w time.Duration
	switch l.Kind {
	case KindQuota:
		return 0
	case KindTokenBucket:
		w = SustainedWindow
		if l.Rate > 0 {
			refill := math.Ceil(float64(l.Burst) / l.Rate)
			if refill >= MaxWarmUp.Seconds() {
				return MaxWarmUp
			}
			w = max(w, time.Duration(refill)*time.Second)
		}
	default:
		w = l.Per.Truncate(time.Second)
		if l.Per%time.Second != 0 {
			w += time.Second
		}
	}
	return min(max(w, MinWarmUp), MaxWarmUp)
}

// warmUp is the longest warm-up of the limits a computation measures.
func (p *Plans) warmUp() time.Duration {
	var w time.Duration
	for _, pl := range p.Plans {
		for i := range pl.Limits {
			w = max(w, pl.Limits[i].WarmUp())
		}
	}
	for i := range p.IPLimits {
		w = max(w, p.IPLimits[i].WarmUp())
	}
	return w
}
