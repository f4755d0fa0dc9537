package ratelimit

import (
	"math"
	"time"
)

// The simulations below consume a subject's traffic as per-second counts,
// in increasing order of the second, and never hold more than one window
// of it. Seconds are any monotonic whole-second clock (offsets from the
// report window's start).

// Bucket simulates a token bucket as API Gateway runs one: it holds up to
// Burst tokens, refills at Rate tokens per second, and each request takes a
// token; a request that finds none is throttled and takes nothing. The
// bucket starts full.
//
// Requests are counted per second and all of a second's requests are taken
// at its start, before that second's refill: a second's burst is seen
// whole, however it was spread within the second. The bucket's level just
// after a second's requests (negative when some found no token) is tracked;
// its lowest value gives the burst utilization.
type Bucket struct {
	Rate  float64
	Burst float64

	started bool
	sec     int64  // the second being counted
	pending uint64 // its requests so far
	level   float64
	low     float64 // lowest level after a second's requests, may be < 0
}

// NewBucket returns a full bucket.
func NewBucket(rate float64, burst int64) *Bucket {
	return &Bucket{Rate: rate, Burst: float64(burst)}
}

// Add counts n requests at second sec. Seconds must not decrease; several
// calls for one second add up.
func (b *Bucket) Add(sec int64, n uint64) {
	if n == 0 {
		return
	}
	switch {
	case !b.started:
		b.started, b.level, b.low = true, b.Burst, b.Burst
	case sec != b.sec:
		b.flush()
		b.level = math.Min(b.Burst, b.level+b.Rate*float64(sec-b.sec))
	}
	b.sec = sec
	b.pending += n
}

// flush takes the pending second's requests from the bucket.
func (b *Bucket) flush() {
	if b.pending == 0 {
		return
	}
	after := b.level - float64(b.pending)
	b.low = math.Min(b.low, after)
	b.level = math.Max(after, 0)
	b.pending = 0
}

// Utilization is 1 − lowest level ÷ burst, computed as (burst − lowest) ÷
// burst so that levels at exact fractions give exact ratios: 0 without
// requests, 1 when the bucket ran dry, above 1 when requests found no
// token. A bucket of size 0 returns 0 (see Limit.Blocks).
func (b *Bucket) Utilization() float64 {
	if !b.started || b.Burst <= 0 {
		return 0
	}
	low := math.Min(b.low, b.level-float64(b.pending))
	return (b.Burst - low) / b.Burst
}

// Window finds the highest count of requests in any window of Per whole
// seconds: the windows start on whole seconds, so a window of 60 s covers
// the counts of 60 consecutive seconds.
type Window struct {
	Per int64 // seconds, ≥ 1

	secs   []int64
	counts []uint64
	head   int
	sum    uint64
	peak   uint64
}

// NewWindow returns a sliding window of per (whole seconds, at least 1).
func NewWindow(per time.Duration) *Window {
	return &Window{Per: max(int64(per/time.Second), 1)}
}

// Add counts n requests at second sec (sec must not decrease).
func (w *Window) Add(sec int64, n uint64) {
	if n == 0 {
		return
	}
	for w.head < len(w.secs) && w.secs[w.head] <= sec-w.Per {
		w.sum -= w.counts[w.head]
		w.head++
	}
	if w.head > 1024 && w.head*2 > len(w.secs) {
		w.secs = append(w.secs[:0], w.secs[w.head:]...)
		w.counts = append(w.counts[:0], w.counts[w.head:]...)
		w.head = 0
	}
	if k := len(w.secs) - 1; k >= w.head && w.secs[k] == sec {
		w.counts[k] += n
	} else {
		w.secs = append(w.secs, sec)
		w.counts = append(w.counts, n)
	}
	w.sum += n
	w.peak = max(w.peak, w.sum)
}

// Peak returns the highest count in any window so far.
func (w *Window) Peak() uint64 { return w.peak }

// Reset empties the window for another subject, keeping its memory.
func (w *Window) Reset() {
	w.secs, w.counts = w.secs[:0], w.counts[:0]
	w.head, w.sum, w.peak = 0, 0, 0
}

// SustainedWindow is the window over which the sustained rate is averaged.
const SustainedWindow = 60 * time.Second

// Sustained returns the sustained utilization of a token bucket: the
// highest count in any 60-second window ÷ (60 × rate).
func Sustained(peak60 uint64, rate float64) float64 {
	if rate <= 0 {
		return 0
	}
	return float64(peak60) / (SustainedWindow.Seconds() * rate)
}

// MinElapsed is the shortest stretch of a month that Project extrapolates
// from, so that the first minutes of a month do not project a handful of
// requests into millions.
const MinElapsed = time.Hour

// Project extrapolates n requests counted from the start of a calendar
// month (UTC) up to asOf linearly to the month's end. The month is the one
// holding the instant just before asOf, so at exactly midnight on the 1st
// it is the month that just ended (and the projection is n). The elapsed
// time counts as at least MinElapsed.
func Project(n uint64, asOf time.Time) float64 {
	p, _ := ProjectFrom(n, time.Time{}, asOf)
	return p
}

// ProjectFrom extrapolates n requests seen from covered (the start of the
// data, or of the month if later) up to asOf to the whole calendar month:
// n ÷ the covered time × the month's length, since what came before the
// data is not known. It returns the projection and the covered time in
// days, what the projection stands on. A zero covered means the month's
// start. The covered time counts as at least MinElapsed.
func ProjectFrom(n uint64, covered, asOf time.Time) (projection, days float64) {
	start := MonthStart(asOf.Add(-time.Nanosecond))
	end := start.AddDate(0, 1, 0)
	from := start
	if covered.After(start) && covered.Before(asOf) {
		from = covered
	}
	elapsed := max(asOf.Sub(from), MinElapsed)
	return float64(n) * end.Sub(start).Seconds() / elapsed.Seconds(), asOf.Sub(from).Hours() / 24
}

// MinConfidentDays is the least coverage of a month from which a quota
// projection above the quota is called "over"; below it the state is at
// most "near" (unless the quota is already used up or quota rejections
// were seen): a few hours of data cannot say how a month ends.
const MinConfidentDays = 1.0

// MonthStart returns the start of t's calendar month in UTC.
func MonthStart(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}
