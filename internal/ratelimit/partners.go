package ratelimit

import (
	"context"
	"fmt"
	"math"
	"math/bits"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/rollup"
)

// partnerKeys returns the ids partners appear under in the logs (each
// partner's name and key ids) and, beside each, its partner's 1-based
// index in plans.Partners.
func partnerKeys(plans *Plans) (ids []string, idx []uint32) {
	seen := map[string]bool{}
	for i, p := range plans.Partners {
		for _, id := range append([]string{p.Name}, p.Keys...) {
			if !seen[id] { // a partner may list its name as a key
				seen[id] = true
				ids = append(ids, id)
				idx = append(idx, uint32(i+1))
			}
		}
	}
	return ids, idx
}

// partnerIndex returns the plans' partner ids and indexes for chquery.
func (c *computation) partnerIndex() chquery.PartnerIndex {
	ids, idx := partnerKeys(c.plans)
	return chquery.PartnerIndex{IDs: ids, Index: idx}
}

// totalsFig are a partner's throttled counts and rate-limit headers over a
// window or a minute, per selection.
type totalsFig struct {
	throttled []uint64  // 429s (not quota rejections) per selection
	headers   []float64 // highest 1 − remaining ÷ limit per selection
	quota     uint64    // quota rejections
}

func newTotalsFig(n int) *totalsFig {
	return &totalsFig{throttled: make([]uint64, n), headers: make([]float64, n)}
}

// add folds o into t: counts summed, headers at their highest.
func (t *totalsFig) add(o *totalsFig) {
	for i := range t.throttled {
		t.throttled[i] += o.throttled[i]
		t.headers[i] = max(t.headers[i], o.headers[i])
	}
	t.quota += o.quota
}

// partnerTotals are a partner's window-wide figures, and (when minutes are
// kept) the same minute by minute.
type partnerTotals struct {
	totalsFig
	minutes map[int64]*totalsFig // by minute (Unix ms ÷ 60,000)
}

// limitState measures one partner against one limit.
type limitState struct {
	lim      *Limit
	sel      int      // its selection
	set      classSet // the same, as classes
	bucket   *Bucket
	win      *Window // a token bucket's 60 s window, or the limit's window
	begin    int64   // the offset its replay starts at (computation.warmFrom)
	requests uint64  // in the window, warm-up excluded
	minutes  minuteTrack
}

// partnerState measures one partner against its plan.
type partnerState struct {
	limits []limitState
	month  uint64 // requests this month (quotas)
}

func (c *computation) newPartnerState(p *Partner) *partnerState {
	plan := c.plans.Plan(p.Plan)
	selIDs := c.sels.of[plan.Name]
	ps := &partnerState{limits: make([]limitState, len(plan.Limits))}
	for i := range plan.Limits {
		l := &plan.Limits[i]
		s := limitState{lim: l, sel: selIDs[i], set: c.sels.sets[selIDs[i]], begin: c.warmFrom(l)}
		switch l.Kind {
		case KindTokenBucket:
			s.bucket = NewBucket(l.Rate, l.Burst)
			s.win = NewWindow(SustainedWindow)
		case KindWindow:
			s.win = NewWindow(l.Per)
		}
		ps.limits[i] = s
	}
	return ps
}

// partners measures every partner of the plans file.
func (c *computation) partners(ctx context.Context) ([]Row, error) {
	totals, err := c.partnerTotals(ctx)
	if err != nil {
		return nil, err
	}
	month, err := c.monthBefore(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]Row, 0, len(c.plans.Partners)*2)
	done := make([]bool, len(c.plans.Partners))
	finish := func(i int, ps *partnerState) {
		done[i] = true
		ps.month += month[uint32(i+1)]
		rows = append(rows, c.partnerRows(&c.plans.Partners[i], ps, totals[uint32(i+1)])...)
	}
	if err := c.partnerSeries(ctx, finish); err != nil {
		return nil, err
	}
	for i := range c.plans.Partners {
		if !done[i] {
			finish(i, c.newPartnerState(&c.plans.Partners[i]))
		}
	}
	return rows, nil
}

// partnerSeries streams each partner's requests per millisecond and class
// (which of the limits' matches they satisfy), partner after partner, and
// calls finish with each partner's measured state (by 0-based index) as
// soon as its last millisecond is read. Only one partner's state is held at a
// time.
//
// Requests are the access records from the warm-up's start (origin) to the
// window's end, counted by distinct request id (chquery's dedup); those
// before the window's start are replayed as warm-up (Limit.WarmUp). ClickHouse only counts per (partner,
// millisecond, class), grouped by one UInt64 (partner index, millisecond offset from
// the origin and class, packed high to low: the key it groups and
// sorts fastest by); which limits count which class is decided here.
func (c *computation) partnerSeries(ctx context.Context, finish func(int, *partnerState)) error {
	m := uint(len(c.sels.matchers))
	if bits.Len(uint(len(c.plans.Partners)))+int(m) > 64-chquery.MsBits {
		return fmt.Errorf("%s: too many partners (%d) for %d distinct matches", c.plans.File, len(c.plans.Partners), m)
	}
	rows, err := c.rd.Query(ctx, c.rd.Tables().RateLimitSeries(c.partnerIndex(), c.sels.chMatchers(), c.origin, c.to))
	if err != nil {
		return fmt.Errorf("query rate-limit series: %w", err)
	}
	defer rows.Close()
	var k, n uint64
	dest := []any{&k, &n}
	monthOff := max(c.monthStart.UnixMilli()-c.origin.UnixMilli(), c.warm) // monthBefore counts the rest
	cur := -1
	var ps *partnerState
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read rate-limit series: %w", err)
		}
		p := int(k>>(chquery.MsBits+m)) - 1
		ms := int64(k >> m & (1<<chquery.MsBits - 1))
		cls := class(k & (1<<m - 1))
		if p < 0 || p >= len(c.plans.Partners) {
			continue // not a partner of the plans file: the WHERE clause keeps none
		}
		if p != cur {
			if ps != nil {
				finish(cur, ps)
			}
			cur, ps = p, c.newPartnerState(&c.plans.Partners[p])
		}
		for i := range ps.limits {
			s := &ps.limits[i]
			if !s.set.has(cls) || ms < s.begin {
				continue
			}
			if ms < c.warm { // warm-up: history, not measured
				if s.bucket != nil {
					s.bucket.Warm(ms, n)
				}
				if s.win != nil {
					s.win.Warm(ms, n)
				}
				continue
			}
			if c.minutes {
				s.minutes.at(c.minuteOf(ms), s.bucket, s.win)
				s.minutes.requests += n
			}
			s.requests += n
			if s.bucket != nil {
				s.bucket.Add(ms, n)
			}
			if s.win != nil {
				s.win.Add(ms, n)
			}
		}
		if ms >= monthOff {
			ps.month += n
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read rate-limit series: %w", err)
	}
	if ps != nil {
		finish(cur, ps)
	}
	return nil
}

// partnerTotals reads each partner's throttled requests and rate-limit
// headers in the window (by 1-based partner index). Only 429s and records
// with headers are read; 429s are counted by distinct request id.
func (c *computation) partnerTotals(ctx context.Context) (map[uint32]*partnerTotals, error) {
	n := len(c.sels.list)
	sels := make([]chquery.Selection, n)
	for i, s := range c.sels.list {
		sels[i] = s.chSelection()
	}
	rows, err := c.rd.Query(ctx, c.rd.Tables().RateLimitTotals(c.partnerIndex(), sels, c.from, c.to))
	if err != nil {
		return nil, fmt.Errorf("query rate-limit totals: %w", err)
	}
	defer rows.Close()
	out := map[uint32]*partnerTotals{}
	for rows.Next() {
		t := newTotalsFig(n)
		var (
			p uint32
			m int64
		)
		dest := []any{&p, &m}
		for i := range n {
			dest = append(dest, &t.throttled[i])
		}
		for i := range n {
			dest = append(dest, &t.headers[i])
		}
		dest = append(dest, &t.quota)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read rate-limit totals: %w", err)
		}
		pt := out[p]
		if pt == nil {
			pt = &partnerTotals{totalsFig: *newTotalsFig(n)}
			out[p] = pt
		}
		pt.add(t)
		if c.minutes {
			if pt.minutes == nil {
				pt.minutes = map[int64]*totalsFig{}
			}
			pt.minutes[m] = t
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rate-limit totals: %w", err)
	}
	return out, nil
}

// monthBefore counts each partner's requests from the start of the month
// to the window's start (by 1-based partner index), when the plans have a
// quota and the month started before the window; the series adds the
// window's own.
func (c *computation) monthBefore(ctx context.Context) (map[uint32]uint64, error) {
	out := map[uint32]uint64{}
	if !c.hasQuota() || !c.monthStart.Before(c.from) {
		return out, nil
	}
	// Whole days are summed from what the rollups recorded of them where
	// that is exact; the rest is counted from the requests.
	counts, spans, err := rollup.AccessCounts(ctx, c.rd, c.monthStart, c.from)
	if err != nil {
		return nil, fmt.Errorf("month-to-date requests: %w", err)
	}
	ids, idx := partnerKeys(c.plans)
	for i, id := range ids {
		if n := counts[id]; n > 0 {
			out[idx[i]] += n
		}
	}
	if len(spans) == 0 {
		return out, nil
	}
	rows, err := c.rd.Query(ctx, c.rd.Tables().RateLimitMonth(c.partnerIndex(), spans))
	if err != nil {
		return nil, fmt.Errorf("query month-to-date requests: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p uint32
		var n uint64
		if err := rows.Scan(&p, &n); err != nil {
			return nil, fmt.Errorf("read month-to-date requests: %w", err)
		}
		out[p] += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read month-to-date requests: %w", err)
	}
	return out, nil
}

// hasQuota reports whether some partner's plan has a quota.
func (c *computation) hasQuota() bool {
	for _, p := range c.plans.Partners {
		for _, l := range c.plans.Plan(p.Plan).Limits {
			if l.Kind == KindQuota {
				return true
			}
		}
	}
	return false
}

// partnerRows turns a partner's measured state into its rows.
func (c *computation) partnerRows(p *Partner, ps *partnerState, t *partnerTotals) []Row {
	rows := make([]Row, 0, len(ps.limits))
	for i := range ps.limits {
		s := &ps.limits[i]
		l := s.lim
		if c.minutes && l.Kind != KindQuota {
			s.minutes.end(s.bucket, s.win)
			c.partnerMinutes(p, s, t)
		}
		r := Row{Partner: p.Name, Limit: l.Name, Kind: l.Kind}
		var headers float64
		if t != nil {
			headers = t.headers[s.sel]
			r.Throttled = t.throttled[s.sel]
		}
		switch l.Kind {
		case KindTokenBucket:
			r.Peak = s.win.Peak()
			if l.Blocks() {
				r.Utilization, r.Measure = float64(s.requests), MeasureBlocked
				break
			}
			r.Utilization, r.Measure = best(Sustained(r.Peak, l.Rate), MeasureSustained, s.bucket.Utilization(), MeasureBurst)
			r.Utilization, r.Measure = best(r.Utilization, r.Measure, headers, MeasureHeaders)
		case KindWindow:
			r.Peak = s.win.Peak()
			r.Utilization, r.Measure = best(float64(r.Peak)/float64(l.Count), MeasureWindow, headers, MeasureHeaders)
		case KindQuota:
			r.Peak = ps.month
			var proj float64
			proj, r.ProjectedFromDays = ProjectFrom(ps.month, c.coverage, c.to)
			r.ProjectedFromDays = math.Round(r.ProjectedFromDays*10) / 10
			r.Utilization, r.Measure = proj/float64(l.Quota), MeasureQuota
			if at, ok := Exhaustion(ps.month, l.Quota, c.coverage, c.to); ok {
				r.ExhaustsAt = &at
			}
			r.Throttled = 0
			if t != nil {
				r.Throttled = t.quota
			}
		}
		row := c.verdict(r, l.Blocks(), s.requests)
		if l.Kind == KindQuota && row.State == StateOver && row.Throttled == 0 &&
			row.ProjectedFromDays < MinConfidentDays && ps.month < uint64(l.Quota) {
			row.State = StateNear // a projection from hours of data is no verdict
		}
		rows = append(rows, row)
	}
	return rows
}
