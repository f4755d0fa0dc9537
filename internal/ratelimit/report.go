package ratelimit

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
)

// Query is what Compute reports on.
type Query struct {
	// From and To are the window [From, To), in whole seconds.
	From, To time.Time
	// Warn is the warn level; 0 takes the plans file's.
	Warn float64
	// MinuteBatch is how many minute rows ComputeMinutes hands emit at a
	// time; 0 takes MinuteBatch.
	MinuteBatch int
	// Coverage is when the data starts (the first request seen this month,
	// or a configured quota_start); quotas project from it. Zero: the
	// month's start.
	Coverage time.Time
}

// State says how close a subject is to a limit.
type State string

// The states, most urgent first.
const (
	// StateOver: the limit was exceeded (utilization above 1), or 429s were
	// observed for it, or it allows no request and saw some.
	StateOver State = "over"
	// StateNear: utilization at or above the warn level.
	StateNear State = "near"
	// StateOK: neither.
	StateOK State = "ok"
)

func (s State) rank() int {
	switch s {
	case StateOver:
		return 0
	case StateNear:
		return 1
	}
	return 2
}

// Measure names the utilization that was highest for a row.
type Measure string

// The measures.
const (
	MeasureSustained Measure = "sustained" // highest 60 s average rate ÷ rate
	MeasureBurst     Measure = "burst"     // 1 − lowest simulated bucket level ÷ burst
	MeasureWindow    Measure = "window"    // highest count in a sliding window ÷ limit
	MeasureQuota     Measure = "quota"     // month-end projection ÷ quota
	MeasureHeaders   Measure = "headers"   // 1 − lowest X-RateLimit-Remaining ÷ X-RateLimit-Limit
	MeasureBlocked   Measure = "blocked"   // a rate-0 limit: requests it saw
)

// Row is one subject (a partner, or a client IP for per-IP limits)
// measured against one limit. Its JSON form is the stable contract of
// `report rate-limits --format json`.
type Row struct {
	// Partner is the partner's name from the plans file, or the client IP
	// for a per-IP limit.
	Partner string `json:"partner"`
	// Limit is the limit's name.
	Limit string `json:"limit"`
	// Utilization is the highest of the limit's utilizations (see Measure),
	// rounded to 6 decimal places; above 1 the limit was exceeded.
	Utilization float64 `json:"utilization"`
	// Throttled counts the requests the limit is held to have rejected.
	Throttled uint64 `json:"throttled"`
	State     State  `json:"state"`
	Kind      Kind   `json:"kind"`
	// Measure is the utilization that was highest.
	Measure Measure `json:"measure"`
	// Peak is the highest count of requests in any 60 s window (token
	// buckets) or window of the limit's length, or the month's requests so
	// far (quotas).
	Peak uint64 `json:"peak"`
	// ProjectedFromDays is, for a quota, the days of data the month-end
	// projection stands on.
	ProjectedFromDays float64 `json:"projected_from_days,omitempty"`
	// ExhaustsAt, for a quota, is when the month's requests reach the
	// quota at the month's rate so far (Exhaustion): absent when that is
	// after the month's end.
	ExhaustsAt *time.Time `json:"exhausts_at,omitempty"`
	// PeakTrend and ThrottlesBy come from the findings the daemon keeps
	// (package findings), when it kept a week's daily peaks: the daily
	// peak utilization's gain per day, and the day that trend reaches 1.
	PeakTrend   *float64   `json:"peak_trend_per_day,omitempty"`
	ThrottlesBy *time.Time `json:"throttles_by,omitempty"`
}

// Compute measures every partner of plans against its plan's limits, and
// every client IP against the per-IP limits, over q's window. Rows come
// most urgent first: over, near, ok, then by utilization, highest first.
// Every partner of the plans file gets a row per limit of its plan, traffic
// or not; a per-IP limit gets a row for each IP near or over it, or else
// one for its busiest IP (none without traffic).
func Compute(ctx context.Context, rd *chquery.Reader, plans *Plans, q Query) ([]Row, error) {
	return compute(ctx, rd, plans, q, nil)
}

// ComputeMinutes is Compute, also breaking its rows down by minute (UTC)
// for the token buckets and windows: every minute of the window in which a
// partner had requests a limit counts (or throttled ones), and, per IP
// limit, the minutes in which an IP was near or over it or was the
// busiest of the IPs that were not (see MinuteRow and Aggregate). The
// minutes are handed to emit as they are measured, in batches of up to
// MinuteBatch rows (the slice is reused after emit returns); an error from
// emit ends the computation.
func ComputeMinutes(ctx context.Context, rd *chquery.Reader, plans *Plans, q Query, emit func([]MinuteRow) error) ([]Row, error) {
	if emit == nil {
		return nil, fmt.Errorf("rate limits: ComputeMinutes without an emit function")
	}
	return compute(ctx, rd, plans, q, emit)
}

func compute(ctx context.Context, rd *chquery.Reader, plans *Plans, q Query, emit func([]MinuteRow) error) ([]Row, error) {
	warn := q.Warn
	if warn == 0 {
		warn = plans.Warn
	}
	sels, err := newSelections(plans)
	if err != nil {
		return nil, err
	}
	c := &computation{rd: rd, plans: plans, from: q.From.UTC(), to: q.To.UTC(), warn: warn, sels: sels, coverage: q.Coverage.UTC(),
		minutes: emit != nil, emit: emit, batch: q.MinuteBatch}
	if c.batch <= 0 {
		c.batch = MinuteBatch
	}
	if !c.from.Before(c.to) {
		return nil, fmt.Errorf("rate limits: empty window %s to %s", c.from.Format(time.RFC3339), c.to.Format(time.RFC3339))
	}
	c.monthStart = MonthStart(c.to.Add(-time.Nanosecond))
	c.warm = plans.warmUp().Milliseconds()
	c.origin = c.from.Add(-time.Duration(c.warm) * time.Millisecond)
	var rows []Row
	if len(plans.Partners) > 0 {
		pr, err := c.partners(ctx)
		if err == nil {
			err = c.err
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, pr...)
	}
	if len(plans.IPLimits) > 0 {
		ir, err := c.ips(ctx)
		if err == nil {
			err = c.err
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, ir...)
	}
	if c.minutes {
		c.flushMinutes()
		if c.err != nil {
			return nil, c.err
		}
	}
	SortRows(rows)
	return rows, nil
}

// SortRows sorts rows most urgent first: by state (over, near, ok), then
// utilization (highest first), partner and limit.
func SortRows(rows []Row) {
	slices.SortStableFunc(rows, func(a, b Row) int {
		return cmp.Or(
			cmp.Compare(a.State.rank(), b.State.rank()),
			cmp.Compare(b.Utilization, a.Utilization),
			cmp.Compare(a.Partner, b.Partner),
			cmp.Compare(a.Limit, b.Limit))
	})
}

// computation is one Compute call's state.
type computation struct {
	rd         *chquery.Reader
	plans      *Plans
	from, to   time.Time
	monthStart time.Time
	// The series are read from origin, the longest warm-up (Limit.WarmUp)
	// before from, and their milliseconds are offsets from it: a limit
	// replays those at or after warm − its own warm-up, and measures
	// those at or after warm (from).
	origin   time.Time
	warm     int64
	warn     float64
	sels     *selections
	coverage time.Time               // when the data starts (Query.Coverage)
	minutes  bool                    // break the rows down by minute
	emit     func([]MinuteRow) error // where the minutes go, in batches
	mins     []MinuteRow             // queued for emit
	err      error                   // emit's first error
	batch    int                     // minute rows per emit
}

// verdict turns a measured limit into a row: utilization rounded, state
// decided.
func (c *computation) verdict(r Row, blocked bool, requests uint64) Row {
	r.Utilization = round6(r.Utilization)
	switch {
	case r.Utilization > 1 || r.Throttled > 0 || (blocked && requests > 0):
		r.State = StateOver
	case r.Utilization >= c.warn:
		r.State = StateNear
	default:
		r.State = StateOK
	}
	return r
}

// round6 rounds u to 6 decimal places, so float noise neither shows in
// output nor moves a value across the warn level (0.7999999999 is 0.8).
func round6(u float64) float64 {
	if math.IsNaN(u) || math.IsInf(u, 0) {
		return 0
	}
	return math.Round(u*1e6) / 1e6
}

// best returns the higher of two measured utilizations.
func best(u float64, m Measure, u2 float64, m2 Measure) (float64, Measure) {
	if u2 > u {
		return u2, m2
	}
	return u, m
}
