package ratelimit

import (
	"math"
	"time"
)

// The simulations below consume a subject's traffic as per-millisecond
// counts — the precision the logs carry (time_ms) — in increasing order of
// the millisecond, and never hold more than one window of it.
// Milliseconds are any monotonic clock (offsets from the start of the
// warm-up before the report window: see WarmUp).

// Bucket simulates a token bucket as API Gateway runs one: it holds up to
// Burst tokens, refills continuously at Rate tokens per second, and each
// request takes a token; a request that finds none is throttled and takes
// nothing. The bucket starts full.
//
// Requests are counted per millisecond: the bucket refills by Rate ÷ 1000
// for every millisecond that passed since the previous requests, then the
// millisecond's requests are taken together. The bucket's level just after
// a millisecond's requests (negative when some found no token) is tracked;
// its lowest value gives the burst utilization. Requests counted by Warm
// (the warm-up before a report window) take tokens but are not measured.
type Bucket struct {
	Rate  float64
	Burst float64

	started  bool    // a request was counted (warm-up or not): level is tracked
	measured bool    // a request was counted by Add: low holds a level
	ms       int64   // the millisecond being counted
	pending  uint64  // its requests so far
	pendWarm bool    // they are all warm-up requests (Warm)
	level    float64 // tokens before the pending millisecond's requests
	low      float64 // lowest level after a measured millisecond's requests, may be < 0
	plow     float64 // the same since the period began (EndPeriod)
	inPer    bool    // plow holds a level
}

// NewBucket returns a full bucket.
func NewBucket(rate float64, burst int64) *Bucket {
	return &Bucket{Rate: rate, Burst: float64(burst)}
}

// Add counts n requests at millisecond ms. Milliseconds should not
// decrease (an earlier one counts as the latest seen: time never refills
// backwards); several calls for one millisecond add up.
func (b *Bucket) Add(ms int64, n uint64) { b.add(ms, n, false) }

// Warm counts n requests at millisecond ms as Add does, but as warm-up:
// they take tokens (so the level the measured requests find carries the
// history before a report window) without being measured — Utilization
// and EndPeriod see only the levels after Add's requests. Warm-up
// requests come before the measured ones.
func (b *Bucket) Warm(ms int64, n uint64) { b.add(ms, n, true) }

func (b *Bucket) add(ms int64, n uint64, warm bool) {
	if n == 0 {
		return
	}
	if b.started && ms < b.ms {
		ms = b.ms
	}
	switch {
	case !b.started:
		b.started, b.level, b.pendWarm = true, b.Burst, true
	case ms != b.ms:
		b.flush()
		b.level = math.Min(b.Burst, b.level+b.Rate*float64(ms-b.ms)/1000)
	}
	if !warm {
		if !b.measured {
			b.measured, b.low = true, math.Inf(1)
		}
		b.pendWarm = false
	}
	b.ms = ms
	b.pending += n
}

// flush takes the pending millisecond's requests from the bucket.
func (b *Bucket) flush() {
	if b.pending == 0 {
		return
	}
	after := b.level - float64(b.pending)
	if !b.pendWarm {
		b.low = math.Min(b.low, after)
		if !b.inPer || after < b.plow {
			b.plow, b.inPer = after, true
		}
	}
	b.level = math.Max(after, 0)
	b.pending, b.pendWarm = 0, true
}

// Utilization is 1 − lowest level ÷ burst, computed as (burst − lowest) ÷
// burst so that levels at exact fractions give exact ratios: 0 without
// requests, 1 when the bucket ran dry, above 1 when requests found no
// token. A bucket of size 0 returns 0 (see Limit.Blocks).
func (b *Bucket) Utilization() float64 {
	if !b.measured || b.Burst <= 0 {
		return 0
	}
	low := b.low
	if b.pending > 0 && !b.pendWarm {
		low = math.Min(low, b.level-float64(b.pending))
	}
	return (b.Burst - low) / b.Burst
}

// EndPeriod returns the utilization (as Utilization computes it) of the
// requests counted since the previous EndPeriod — the lowest level after
// any of their milliseconds — and begins a new period; 0 when none were
// counted. The highest over a run's periods is its Utilization: a report
// window's minutes split it so.
func (b *Bucket) EndPeriod() float64 {
	b.flush()
	if !b.inPer || b.Burst <= 0 {
		return 0
	}
	b.inPer = false
	return (b.Burst - b.plow) / b.Burst
}

// Window finds the highest count of requests in any window of Per
// milliseconds, sliding at millisecond precision: a window of 60 s counts
// the requests of any 60,000 consecutive milliseconds.
type Window struct {
	Per int64 // milliseconds, ≥ 1

	mss    []int64
	counts []uint64
	head   int
	sum    uint64
	peak   uint64
	ppeak  uint64 // peak since the period began (EndPeriod)
}

// NewWindow returns a sliding window of per (whole milliseconds, at least 1).
func NewWindow(per time.Duration) *Window {
	return &Window{Per: max(int64(per/time.Millisecond), 1)}
}

// Add counts n requests at millisecond ms (ms must not decrease).
func (w *Window) Add(ms int64, n uint64) {
	if w.add(ms, n) {
		w.peak = max(w.peak, w.sum)
		w.ppeak = max(w.ppeak, w.sum)
	}
}

// Warm counts n requests at millisecond ms as warm-up: they fill the
// window (the counts measured after them include them while they are
// within Per) but reach no peak themselves. Warm-up requests come before
// the measured ones.
func (w *Window) Warm(ms int64, n uint64) { w.add(ms, n) }

// add counts n requests at ms; false when n is 0.
func (w *Window) add(ms int64, n uint64) bool {
	if n == 0 {
		return false
	}
	for w.head < len(w.mss) && w.mss[w.head] <= ms-w.Per {
		w.sum -= w.counts[w.head]
		w.head++
	}
	if w.head > 1024 && w.head*2 > len(w.mss) {
		w.mss = append(w.mss[:0], w.mss[w.head:]...)
		w.counts = append(w.counts[:0], w.counts[w.head:]...)
		w.head = 0
	}
	if k := len(w.mss) - 1; k >= w.head && w.mss[k] == ms {
		w.counts[k] += n
	} else {
		w.mss = append(w.mss, ms)
		w.counts = append(w.counts, n)
	}
	w.sum += n
	return true
}

// EndPeriod returns the highest count reached by an Add since the previous
// EndPeriod (0: none) and begins a new period. The highest over a run's
// periods is its Peak.
func (w *Window) EndPeriod() uint64 {
	p := w.ppeak
	w.ppeak = 0
	return p
}

// Peak returns the highest count in any window so far.
func (w *Window) Peak() uint64 { return w.peak }

// Reset empties the window for another subject, keeping its memory.
func (w *Window) Reset() {
	w.mss, w.counts = w.mss[:0], w.counts[:0]
	w.head, w.sum, w.peak, w.ppeak = 0, 0, 0, 0
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

// Exhaustion returns when the month's requests reach quota at the rate of
// the n requests seen from covered (as ProjectFrom counts them: a zero
// covered means the month's start) up to asOf, that rate held from the
// month's start, and whether that is before the month's end. Already
// reached: a time at or before asOf (the rate's, not the logged moment).
func Exhaustion(n uint64, quota int64, covered, asOf time.Time) (time.Time, bool) {
	if n == 0 || quota <= 0 {
		return time.Time{}, false
	}
	start := MonthStart(asOf.Add(-time.Nanosecond))
	end := start.AddDate(0, 1, 0)
	from := start
	if covered.After(start) && covered.Before(asOf) {
		from = covered
	}
	elapsed := max(asOf.Sub(from), MinElapsed)
	at := start.Add(time.Duration(float64(elapsed) * float64(quota) / float64(n))).Truncate(time.Second)
	if !at.Before(end) {
		return time.Time{}, false
	}
	return at, true
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
