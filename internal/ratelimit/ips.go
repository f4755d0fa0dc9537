package ratelimit

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/ratescope/ratescope/internal/chquery"
)

// ipState measures one client IP against one per-IP limit.
type ipState struct {
	win       *Window
	begin     int64  // the offset its replay starts at (computation.warmFrom)
	requests  uint64 // in the window, warm-up excluded
	throttled uint64
	minutes   minuteTrack
}

// ips measures every client IP against the per-IP limits. The query
// streams, per IP and millisecond, the requests of each class (which limits'
// matches they satisfy, and whether they were rejected), IP after IP:
// grouped by a 64-bit hash of the IP and one UInt64 packing the millisecond's
// offset from the window's start with the class (the keys ClickHouse
// groups fastest by), so only one IP's state is held at a time. The
// series starts at the warm-up's start (origin): an IP's requests before
// the window's start are replayed, not measured (Limit.WarmUp). Requests
// are counted by distinct request id within each group: the copies of a
// request loaded twice share its IP, millisecond and class. A request counts as
// rejected when the WAF blocked it (chquery.RateLimitIPs): a 429 on the
// same paths comes from the partner's own limits.
func (c *computation) ips(ctx context.Context) ([]Row, error) {
	lims := c.plans.IPLimits
	nl := uint(len(lims))
	if int(nl)+1 > 64-chquery.MsBits {
		return nil, fmt.Errorf("%s: too many per-IP limits (%d)", c.plans.File, nl)
	}
	ms := make([]chquery.Match, nl)
	for i := range lims {
		ms[i] = lims[i].Match.chMatch()
	}
	rows, err := c.rd.Query(ctx, c.rd.Tables().RateLimitIPs(ms, c.origin, c.to))
	if err != nil {
		return nil, fmt.Errorf("query per-IP series: %w", err)
	}
	defer rows.Close()
	var (
		h, prev, k, n uint64
		ip, cur       string
		states        = make([]ipState, len(lims))
		started       bool
		dest          = []any{&h, &k, &ip, &n}
	)
	for i := range states {
		states[i].win, states[i].begin = NewWindow(lims[i].Per), c.warmFrom(&lims[i])
	}
	out := make([]Row, 0, len(lims))
	busiest := make([]*Row, len(lims)) // the busiest IP of each limit that is ok
	flagged := make([]bool, len(lims))
	// per limit and minute, the busiest IP that was ok (minutes kept)
	busiestMin := make([]map[int64]MinuteRow, len(lims))
	for i := range busiestMin {
		busiestMin[i] = map[int64]MinuteRow{}
	}
	finish := func() {
		for i := range states {
			s := &states[i]
			if c.minutes {
				s.minutes.end(nil, s.win)
				c.ipMinutes(cur, &lims[i], s.minutes.take(), busiestMin[i])
			}
			if s.requests > 0 {
				l := &lims[i]
				r := Row{Partner: cur, Limit: l.Name, Kind: l.Kind, Measure: MeasureWindow, Peak: s.win.Peak(), Throttled: s.throttled}
				r.Utilization = float64(r.Peak) / float64(l.Count)
				r = c.verdict(r, false, s.requests)
				if r.State != StateOK {
					out = append(out, r)
					flagged[i] = true
				} else if b := busiest[i]; b == nil || r.Utilization > b.Utilization || (r.Utilization == b.Utilization && r.Partner < b.Partner) {
					busiest[i] = &r
				}
			}
			s.win.Reset()
			s.requests, s.throttled = 0, 0
		}
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read per-IP series: %w", err)
		}
		if !started || h != prev {
			if started {
				finish()
			}
			started, prev, cur = true, h, ip
		}
		at, rejected := int64(k>>(nl+1)), k>>nl&1 == 1
		for i := range states {
			if k>>i&1 == 0 {
				continue
			}
			s := &states[i]
			if at < s.begin {
				continue
			}
			if at < c.warm { // warm-up: history, not measured
				s.win.Warm(at, n)
				continue
			}
			if c.minutes {
				s.minutes.at(c.minuteOf(at), nil, s.win)
				s.minutes.requests += n
				if rejected {
					s.minutes.throttled += n
				}
			}
			s.requests += n
			if rejected {
				s.throttled += n
			}
			s.win.Add(at, n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read per-IP series: %w", err)
	}
	if started {
		finish()
	}
	for i, b := range busiest {
		if b != nil && !flagged[i] {
			out = append(out, *b)
		}
	}
	for _, bm := range busiestMin {
		keys := slices.Sorted(maps.Keys(bm))
		for _, m := range keys {
			c.addMinute(bm[m])
		}
	}
	return out, nil
}

// ipMinutes adds the minute rows of client IP ip against per-IP limit l
// that are near or over it, and keeps in busiest, per minute, the busiest
// IP that was ok (the highest utilization; the lowest IP among equals).
func (c *computation) ipMinutes(ip string, l *Limit, figs []minuteFig, busiest map[int64]MinuteRow) {
	for _, f := range figs {
		r := Row{Partner: ip, Limit: l.Name, Kind: l.Kind, Measure: MeasureWindow, Peak: f.peak, Throttled: f.throttled}
		r.Utilization = float64(f.peak) / float64(l.Count)
		mr := c.minuteRow(r, f.minute, false, f.requests)
		mr.Subject, mr.IP = SubjectIP, ip
		if mr.State != StateOK {
			c.addMinute(mr)
			continue
		}
		if b, ok := busiest[f.minute]; !ok || mr.Utilization > b.Utilization || (mr.Utilization == b.Utilization && ip < b.IP) {
			busiest[f.minute] = mr
		}
	}
}
