package ratelimit

import (
	"context"
	"fmt"
)

// wafFiltered is API Gateway's error type for a request its WAF blocked
// (status 403).
const wafFiltered = "WAF_FILTERED"

// ipThrottledSQL selects the responses a per-IP limit is held to have
// rejected: those the WAF blocked. A 429 on the same paths comes from the
// partner's own limits (usage plan, per-minute policy) and counts there;
// counting it here too would flag every client IP of a throttled partner.
const ipThrottledSQL = "(error_type = '" + wafFiltered + "')"

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
// request loaded twice share its IP, second and class. (FINAL, as the
// partner series uses, would merge every row of the window; the per-IP
// prefixes usually select a small share of them.)
func (c *computation) ips(ctx context.Context) ([]Row, error) {
	lims := c.plans.IPLimits
	nl := uint(len(lims))
	var q query
	q.sql("SELECT h, k, ip, n FROM (SELECT cityHash64(client_ip) AS h, toUInt64(toUInt32(time) - ").arg(c.from.Unix()).sql(") * ").arg(uint64(1) << (nl + 1))
	q.sql(" + toUInt64(" + ipThrottledSQL + ") * ").arg(uint64(1) << nl)
	for i := range lims {
		q.sql(" + toUInt64(").match(lims[i].Match).sql(") * ").arg(uint64(1) << i)
	}
	q.sql(" AS k, any(client_ip) AS ip, uniqExact(request_id) AS n FROM "+c.db.Table("requests")+" WHERE ").window(c.from, c.to).sql(" AND client_ip != '' AND (")
	for i := range lims {
		if i > 0 {
			q.sql(" OR ")
		}
		q.match(lims[i].Match)
	}
	q.sql(") GROUP BY h, k) ORDER BY h, k")
	rows, err := c.db.Conn.Query(ctx, q.String(), q.args...)
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
