package ratelimit

import (
	"cmp"
	"slices"
	"time"
)

// Subject kinds of a MinuteRow.
const (
	SubjectPartner = "partner" // a partner of the plans file against its plan's limit
	SubjectIP      = "ip"      // a client IP against a per-IP limit
)

// MinuteRow is one subject measured against one limit over one minute of
// a report window (ComputeMinutes): the report's row for the window,
// broken down by the minute in which each measure was reached. Over the
// minutes of a window, the highest Utilization, the summed Throttled and
// the worst State are the window's row's (Aggregate), except that a rate-0
// limit's utilization (the requests it saw) is the minutes' sum.
type MinuteRow struct {
	Minute  time.Time `json:"minute"`
	Subject string    `json:"subject"` // SubjectPartner or SubjectIP
	// Partner is the partner's name (SubjectPartner), IP the client IP
	// (SubjectIP); the other is empty.
	Partner string `json:"partner,omitempty"`
	IP      string `json:"ip,omitempty"`
	Limit   string `json:"limit"`
	Kind    Kind   `json:"kind"`
	// Measure is the utilization that was highest in the minute.
	Measure Measure `json:"measure"`
	// Utilization is the highest the limit's measures reached at a
	// millisecond of the minute, rounded to 6 decimal places.
	Utilization float64 `json:"utilization"`
	// Throttled counts the minute's requests the limit rejected.
	Throttled uint64 `json:"throttled"`
	State     State  `json:"state"`
	// Peak is the highest 60 s (token bucket) or window count reached at
	// a millisecond of the minute.
	Peak uint64 `json:"peak"`
	// From and To are the window of the computation the minute comes from
	// (its simulations replayed the limit's warm-up before From: see
	// Limit.WarmUp, so a minute's figures do not depend on the window).
	From time.Time `json:"window_from"`
	To   time.Time `json:"window_to"`
}

// name is the subject's name as a Row names it.
func (m *MinuteRow) name() string {
	if m.Subject == SubjectIP {
		return m.IP
	}
	return m.Partner
}

// Aggregate folds minute rows into the rows report rate-limits prints for
// the window they cover: per subject and limit, the highest utilization
// (with its measure, preferred among equals as the report prefers them),
// the highest peak, the summed throttled count and the worst state — a
// rate-0 limit's utilization is the minutes' sum — and, per IP limit, the
// IPs near or over it, else its busiest IP (the lowest among equals), as
// the report keeps them. Quotas have no minutes, and a partner × limit
// without requests has none either (the report prints it at 0, ok).
func Aggregate(minutes []MinuteRow) []Row {
	type key struct{ subject, name, limit string }
	idx := map[key]int{}
	var (
		out      []Row
		subjects []string
	)
	for i := range minutes {
		m := &minutes[i]
		k := key{m.Subject, m.name(), m.Limit}
		j, ok := idx[k]
		switch {
		case !ok:
			j = len(out)
			idx[k] = j
			out = append(out, Row{Partner: m.name(), Limit: m.Limit, Kind: m.Kind, Measure: m.Measure, Utilization: m.Utilization, State: StateOK})
			subjects = append(subjects, m.Subject)
		case m.Measure == MeasureBlocked:
			out[j].Utilization = round6(out[j].Utilization + m.Utilization)
		case m.Utilization > out[j].Utilization || (m.Utilization == out[j].Utilization && m.Measure.rank() < out[j].Measure.rank()):
			out[j].Utilization, out[j].Measure = m.Utilization, m.Measure
		}
		r := &out[j]
		r.Throttled += m.Throttled
		r.Peak = max(r.Peak, m.Peak)
		if m.State.rank() < r.State.rank() {
			r.State = m.State
		}
	}
	// Per IP limit: the flagged IPs, else the busiest.
	flagged := map[string]bool{}
	busiest := map[string]int{}
	for j := range out {
		if subjects[j] != SubjectIP {
			continue
		}
		r := &out[j]
		if r.State != StateOK {
			flagged[r.Limit] = true
			continue
		}
		if b, ok := busiest[r.Limit]; !ok || r.Utilization > out[b].Utilization || (r.Utilization == out[b].Utilization && r.Partner < out[b].Partner) {
			busiest[r.Limit] = j
		}
	}
	kept := out[:0:0]
	for j, r := range out {
		if subjects[j] == SubjectIP && r.State == StateOK && (flagged[r.Limit] || busiest[r.Limit] != j) {
			continue
		}
		kept = append(kept, r)
	}
	SortRows(kept)
	return kept
}

// rank orders measures as the report prefers them among equal
// utilizations: sustained before burst, either before headers.
func (m Measure) rank() int {
	switch m {
	case MeasureSustained, MeasureWindow, MeasureBlocked:
		return 0
	case MeasureBurst:
		return 1
	}
	return 2
}

// minuteFig is what a subject's traffic reached against one limit in one
// minute.
type minuteFig struct {
	minute    int64   // Unix ms ÷ 60,000
	requests  uint64  // the limit's requests in the minute
	throttled uint64  // per-IP limits: the minute's rejected requests
	peak      uint64  // highest window count reached in the minute
	burst     float64 // the bucket's utilization in the minute
}

// minuteTrack splits one subject's run against one limit into minutes.
type minuteTrack struct {
	cur       minuteFig
	open      bool
	requests  uint64 // of the current minute
	throttled uint64 // of the current minute
	done      []minuteFig
}

// at makes minute the current one, ending the previous one; call it
// before counting a millisecond's requests in bucket and win.
func (m *minuteTrack) at(minute int64, bucket *Bucket, win *Window) {
	if m.open && m.cur.minute == minute {
		return
	}
	m.end(bucket, win)
	m.cur, m.open = minuteFig{minute: minute}, true
}

// end closes the current minute, if any.
func (m *minuteTrack) end(bucket *Bucket, win *Window) {
	if !m.open {
		return
	}
	m.cur.requests, m.cur.throttled = m.requests, m.throttled
	if bucket != nil {
		m.cur.burst = bucket.EndPeriod()
	}
	if win != nil {
		m.cur.peak = win.EndPeriod()
	}
	m.done = append(m.done, m.cur)
	m.open, m.requests, m.throttled = false, 0, 0
}

// take returns the closed minutes and forgets them.
func (m *minuteTrack) take() []minuteFig {
	d := m.done
	m.done = nil
	return d
}

// minuteOf returns the minute (Unix ms ÷ 60,000) of a millisecond offset
// from the series' origin.
func (c *computation) minuteOf(ms int64) int64 {
	return (c.origin.UnixMilli() + ms) / 60_000
}

// warmFrom returns the offset from the series' origin at which limit l's
// replay starts: its own warm-up before the window's start.
func (c *computation) warmFrom(l *Limit) int64 {
	return c.warm - l.WarmUp().Milliseconds()
}

// minuteRow completes a minute row of a subject against limit l.
func (c *computation) minuteRow(r Row, minute int64, blocked bool, requests uint64) MinuteRow {
	r = c.verdict(r, blocked, requests)
	return MinuteRow{Minute: time.UnixMilli(minute * 60_000).UTC(), Limit: r.Limit, Kind: r.Kind, Measure: r.Measure,
		Utilization: r.Utilization, Throttled: r.Throttled, State: r.State, Peak: r.Peak, From: c.from, To: c.to}
}

// partnerMinutes adds the minute rows of partner p against one of its
// (non-quota) limits: the minutes it had requests in, and any minute its
// totals (429s, rate-limit headers) name.
func (c *computation) partnerMinutes(p *Partner, s *limitState, t *partnerTotals) {
	l := s.lim
	figs := s.minutes.take()
	seen := make(map[int64]bool, len(figs))
	for _, f := range figs {
		seen[f.minute] = true
	}
	if t != nil {
		for m, tf := range t.minutes {
			if !seen[m] && (tf.throttled[s.sel] > 0 || tf.headers[s.sel] > 0) {
				figs = append(figs, minuteFig{minute: m})
			}
		}
	}
	slices.SortFunc(figs, func(a, b minuteFig) int { return cmp.Compare(a.minute, b.minute) })
	for _, f := range figs {
		r := Row{Partner: p.Name, Limit: l.Name, Kind: l.Kind, Peak: f.peak}
		var headers float64
		if t != nil {
			if tf := t.minutes[f.minute]; tf != nil {
				headers, r.Throttled = tf.headers[s.sel], tf.throttled[s.sel]
			}
		}
		switch {
		case l.Blocks():
			r.Utilization, r.Measure = float64(f.requests), MeasureBlocked
		case l.Kind == KindTokenBucket:
			r.Utilization, r.Measure = best(Sustained(f.peak, l.Rate), MeasureSustained, f.burst, MeasureBurst)
			r.Utilization, r.Measure = best(r.Utilization, r.Measure, headers, MeasureHeaders)
		default:
			r.Utilization, r.Measure = best(float64(f.peak)/float64(l.Count), MeasureWindow, headers, MeasureHeaders)
		}
		mr := c.minuteRow(r, f.minute, l.Blocks(), f.requests)
		mr.Subject, mr.Partner = SubjectPartner, p.Name
		c.addMinute(mr)
	}
}

// WithMinutes returns the rows of report rate-limits that minute rows can
// stand for (see Aggregate): all but quotas, and but the partner × limit
// rows without traffic (utilization 0, nothing throttled).
func WithMinutes(rows []Row) []Row {
	out := []Row{}
	for _, r := range rows {
		if r.Kind == KindQuota || (r.Utilization == 0 && r.Throttled == 0 && r.Kind != KindIPWindow) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// MinuteBatch is how many minute rows ComputeMinutes hands its emit
// function at a time by default (Query.MinuteBatch; the last batch may be
// shorter): a long window's
// minutes are written as they come, never all held.
const MinuteBatch = 50_000

// addMinute queues a minute row, handing a full batch to emit.
func (c *computation) addMinute(m MinuteRow) {
	c.mins = append(c.mins, m)
	if len(c.mins) >= c.batch {
		c.flushMinutes()
	}
}

// flushMinutes hands the queued minute rows to emit; the first error is
// kept (c.err) and later rows are dropped.
func (c *computation) flushMinutes() {
	if len(c.mins) == 0 {
		return
	}
	if c.err == nil {
		c.err = c.emit(c.mins)
	}
	c.mins = c.mins[:0]
}
