package ratelimit

import (
	"context"
	"fmt"

	"github.com/ratescope/ratescope/internal/chquery"
)

// ipState measures one client IP against one per-IP limit.
type ipState struct {
	win       *Window
	requests  uint64
	throttled uint64
}

// ips measures every client IP against the per-IP limits. The query
// streams, per IP and second, the requests of each class (which limits'
// matches they satisfy, and whether they were rejected), IP after IP:
// grouped by a 64-bit hash of the IP and one UInt64 packing the second's
// offset from the window's start with the class (the keys ClickHouse
// groups fastest by), so only one IP's state is held at a time. Requests
// are counted by distinct request id within each group: the copies of a
// request loaded twice share its IP, second and class. A request counts as
// rejected when the WAF blocked it (chquery.RateLimitIPs): a 429 on the
// same paths comes from the partner's own limits.
func (c *computation) ips(ctx context.Context) ([]Row, error) {
	lims := c.plans.IPLimits
	nl := uint(len(lims))
	ms := make([]chquery.Match, nl)
	for i := range lims {
		ms[i] = lims[i].Match.chMatch()
	}
	rows, err := c.rd.Query(ctx, c.rd.Tables().RateLimitIPs(ms, c.from, c.to))
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
		states[i].win = NewWindow(lims[i].Per)
	}
	out := make([]Row, 0, len(lims))
	busiest := make([]*Row, len(lims)) // the busiest IP of each limit that is ok
	flagged := make([]bool, len(lims))
	finish := func() {
		for i := range states {
			s := &states[i]
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
		sec, rejected := int64(k>>(nl+1)), k>>nl&1 == 1
		for i := range states {
			if k>>i&1 == 0 {
				continue
			}
			s := &states[i]
			s.requests += n
			if rejected {
				s.throttled += n
			}
			s.win.Add(sec, n)
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
	return out, nil
}
