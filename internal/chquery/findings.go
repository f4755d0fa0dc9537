package chquery

import "time"

// StormFindings is the storm findings table, qualified.
func (t Tables) StormFindings() string { return t.table("storm_findings") }

// LimitFindings is the limit findings table, qualified.
func (t Tables) LimitFindings() string { return t.table("limit_findings") }

// FindingsStorms reads the kept retry storms (storm_findings) that lie in
// [from, to) — first attempt at or after from, last before to — each at
// its latest pass (the most attempts: a storm only grows), optionally only partner's: partner, client_ip, method,
// route, idempotency_key, start_ms, end_ms, attempts, retries,
// median_gap_ms, violations, first_request_id.
func (t Tables) FindingsStorms(from, to time.Time, partner string) Statement {
	var b Builder
	b.SQL(`SELECT partner, client_ip, method, route, idempotency_key, start_ms,
    argMax(end_ms, attempts) AS e, max(attempts), argMax(retries, attempts),
    argMax(median_gap_ms, attempts), argMax(violations, attempts), argMax(first_request_id, attempts)
FROM `, t.StormFindings(), " WHERE ")
	window(&b, "start", from, to)
	b.SQL(" AND start_ms >= ").Arg(from.UnixMilli())
	if partner != "" {
		b.SQL(" AND partner = ").Arg(partner)
	}
	b.SQL("\nGROUP BY partner, client_ip, method, route, idempotency_key, start_ms\nHAVING e < ").Arg(to.UnixMilli())
	return b.Statement("findings.storms")
}

// FindingsLimits reads the kept rate-limit rows (limit_findings) of the
// pass whose window is [from, to), each at its latest computation:
// partner, limit_name, kind, measure, utilization, throttled, state,
// peak, projected_from_days, exhausts_at (0: none).
func (t Tables) FindingsLimits(from, to time.Time) Statement {
	var b Builder
	b.SQL(`SELECT partner, limit_name, argMax(kind, computed_ms), argMax(measure, computed_ms), argMax(utilization, computed_ms),
    argMax(throttled, computed_ms), argMax(state, computed_ms), argMax(peak, computed_ms), argMax(projected_from_days, computed_ms), argMax(exhausts_at, computed_ms)
FROM `, t.LimitFindings(), " WHERE window_to = ").Arg(to.UTC()).SQL(" AND window_from = ").Arg(from.UTC())
	return b.SQL("\nGROUP BY partner, limit_name").Statement("findings.limits")
}

// FindingsLimitSeries reads, per partner and limit, the utilization,
// throttled count and state of every pass whose window ended in [from,
// to): the headroom minute by minute. window_to, partner, limit_name,
// utilization, throttled, state, sorted by window_to.
func (t Tables) FindingsLimitSeries(from, to time.Time) Statement {
	var b Builder
	b.SQL(`SELECT window_to, partner, limit_name, argMax(utilization, computed_ms), argMax(throttled, computed_ms), argMax(state, computed_ms)
FROM `, t.LimitFindings(), " WHERE ")
	window(&b, "window_to", from, to)
	return b.SQL("\nGROUP BY window_to, partner, limit_name\nORDER BY window_to, partner, limit_name").Statement("findings.limit_series")
}

// FindingsDailyPeaks reads, per partner and limit, the highest
// utilization the kept rate-limit rows of each day (UTC) of [from, to)
// show: partner, limit_name, day (YYYYMMDD, UInt32), peak, sorted by partner, limit
// and day. Each row is taken at its latest computation.
func (t Tables) FindingsDailyPeaks(from, to time.Time) Statement {
	var b Builder
	b.SQL("SELECT partner, limit_name, toYYYYMMDD(window_to) AS d, max(u) FROM (SELECT window_to, partner, limit_name, argMax(utilization, computed_ms) AS u FROM ",
		t.LimitFindings(), " WHERE ")
	window(&b, "window_to", from, to)
	b.SQL(" GROUP BY window_to, partner, limit_name)\nGROUP BY partner, limit_name, d\nORDER BY partner, limit_name, d")
	return b.Statement("findings.daily_peaks")
}

// LimitMinutes is the per-minute limit findings table, qualified.
func (t Tables) LimitMinutes() string { return t.table("limit_minutes") }

// LimitMinuteColumns are the columns FindingsLimitMinutes returns, in
// order.
const LimitMinuteColumns = "minute, subject, partner, ip, limit_name, kind, measure, utilization, throttled, state, peak, window_from, window_to"

// FindingsLimitMinutes reads the kept per-minute limit rows
// (limit_minutes) of the minutes in [from, to), each minute as the latest
// pass that covered it wrote it (rows an older pass wrote and a newer one
// did not are left out), optionally of one subject kind ("partner" or
// "ip"; empty: both): LimitMinuteColumns, sorted by minute, subject,
// partner, ip and limit. utilization is that minute's highest, throttled
// its rejected requests, state ok, near or over (schema/0005).
func (t Tables) FindingsLimitMinutes(from, to time.Time, subject string) Statement {
	var b Builder
	b.SQL("SELECT ", LimitMinuteColumns, "\nFROM ", t.LimitMinutes(), " WHERE ")
	window(&b, "minute", from, to)
	if subject != "" {
		b.SQL(" AND subject = ").Arg(subject)
	}
	b.SQL("\n  AND (minute, computed_ms) ", t.In(), " (SELECT minute, max(computed_ms) FROM ", t.LimitMinutes(), " WHERE ")
	window(&b, "minute", from, to)
	b.SQL(" GROUP BY minute)\nORDER BY minute, subject, partner, ip, limit_name\nLIMIT 1 BY minute, subject, partner, ip, limit_name")
	return b.Statement("findings.limit_minutes")
}

// FindingsMinuteDays lists the days (YYYYMMDD, UInt32) that hold kept
// per-minute limit rows, sorted: what a backfill after upgrading to
// limit_minutes (schema 0005) compares with the days holding requests.
func (t Tables) FindingsMinuteDays() Statement {
	var b Builder
	b.SQL("SELECT toUInt32(toYYYYMMDD(minute)) AS d FROM ", t.LimitMinutes(), " GROUP BY d ORDER BY d")
	return b.Statement("findings.minute_days")
}
