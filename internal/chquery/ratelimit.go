package chquery

import (
	"time"
)

// Match selects requests by method and path, as a rate limit's match
// does (ratelimit.Match). The zero Match selects every request.
type Match struct {
	Method     string // upper-case; the request's method must be it
	Path       string // the path without its query string must equal it
	PathPrefix string // the path must start with it; never holds '?'
}

// Selection is the set of requests a partner limit counts: those matching
// Only (the zero Match: all), minus those matching any of Except.
type Selection struct {
	Only   Match
	Except []Match
}

// PartnerIndex maps the ids partners appear under in the logs to their
// 1-based index in a plans file (ratelimit numbers them); requests of
// other ids map to 0.
type PartnerIndex struct {
	IDs   []string
	Index []uint32
}

// requestPath is the column a Match tests: the request's path as logged
// (query string included, credentials redacted).
const requestPath = "path"

// match appends a boolean expression selecting the requests m matches. The
// query string is ignored: Path matches "/p" and "/p?…"; a PathPrefix never
// holds '?', so it may test the path with its query string.
func match(b *Builder, m Match) *Builder {
	if m == (Match{}) {
		return b.SQL("1")
	}
	b.SQL("(")
	and := false
	sep := func() {
		if and {
			b.SQL(" AND ")
		}
		and = true
	}
	if m.Method != "" {
		sep()
		b.SQL("upper(method) = ").Arg(m.Method)
	}
	if m.Path != "" {
		sep()
		b.SQL("(", requestPath, " = ").Arg(m.Path).SQL(" OR startsWith(", requestPath, ", ").Arg(m.Path + "?").SQL("))")
	}
	if m.PathPrefix != "" {
		sep()
		b.SQL("startsWith(", requestPath, ", ").Arg(m.PathPrefix).SQL(")")
	}
	return b.SQL(")")
}

// selection appends the boolean expression of s.
func selection(b *Builder, s Selection) *Builder {
	if len(s.Except) == 0 {
		return match(b, s.Only)
	}
	b.SQL("NOT (")
	for i, m := range s.Except {
		if i > 0 {
			b.SQL(" OR ")
		}
		match(b, m)
	}
	return b.SQL(")")
}

// accessWindow appends the filter of access records in [from, to).
func accessWindow(b *Builder, from, to time.Time) *Builder {
	b.SQL("kind = 1 AND ")
	return window(b, "time", from, to)
}

// partnerNumber appends the expression giving a row's 1-based partner
// index in p (0: not a partner of p).
func (t Tables) partnerNumber(b *Builder, p PartnerIndex) *Builder {
	return b.SQL("transform(", t.LoggedPartner(), ", ").Arg(p.IDs).SQL(", ").Arg(p.Index).SQL(", 0)")
}

// throttledSQL selects 429 responses; quotaExceeded tells those of a
// monthly quota apart.
const throttledSQL = "status = 429"

// quotaCode is the code of a quota rejection: API Gateway's error type
// QUOTA_EXCEEDED, or an error body's quota_exceeded (any case).
const quotaCode = "QUOTA_EXCEEDED"

// quotaExceeded appends the expression telling a quota rejection: by the
// access record's gateway error type or own error body, or by an error
// body logged apart within a day of the window.
func (t Tables) quotaExceeded(b *Builder, from, to time.Time) *Builder {
	b.SQL("(error_type = '", quotaCode, "' OR upper(err_code) = '", quotaCode, "' OR rid ", t.In(), " (SELECT rid FROM ", t.Requests(), " WHERE kind = 2 AND ")
	window(b, "time", from.Add(-24*time.Hour), to.Add(24*time.Hour))
	return b.SQL(" AND upper(err_code) = '", quotaCode, "'))")
}

// MsBits is how many bits the millisecond offset takes in the keys of
// RateLimitSeries and RateLimitIPs: 2^40 ms is about 34 years of window.
const MsBits = 40

// RateLimitSeries counts each partner's requests per millisecond (time_ms)
// and class in [from, to): one row (k, n) per group, ordered by k, where k
// packs high to low the 1-based partner index (p), the millisecond's offset
// from from, and the class (bit i set: the request satisfies matchers[i]),
// each shifted by as many bits as the fields below it take (MsBits for the
// millisecond, len(matchers) for the class); n counts distinct requests
// (rid). Only the partners of p are read.
func (t Tables) RateLimitSeries(p PartnerIndex, matchers []Match, from, to time.Time) Statement {
	m := uint(len(matchers))
	var b Builder
	b.SQL("SELECT k, n FROM (SELECT toUInt64(")
	t.partnerNumber(&b, p).SQL(") * ").Arg(uint64(1) << (MsBits + m))
	b.SQL(" + toUInt64(time_ms - ").Arg(from.UnixMilli()).SQL(") * ").Arg(uint64(1) << m)
	for i, mt := range matchers {
		b.SQL(" + toUInt64(")
		match(&b, mt).SQL(") * ").Arg(uint64(1) << i)
	}
	b.SQL(" AS k, uniqExact(rid) AS n FROM ", t.Requests(), " WHERE ")
	accessWindow(&b, from, to).SQL(" AND ")
	t.partnerNumber(&b, p).SQL(" != 0 GROUP BY k) ORDER BY k")
	return b.Statement("ratelimit.series")
}

// RateLimitTotals reads each partner's figures in [from, to) minute by
// minute (UTC), one row per partner and minute with any: p (UInt32, the
// 1-based index), m (Int64, the minute: time_ms ÷ 60,000), then per
// selection the distinct 429s that are not quota rejections, then per
// selection the highest 1 − remaining ÷ limit of the rate-limit headers,
// then the distinct quota rejections. Only 429s and records with headers
// are read. A window's figures are the sums (highest) over its minutes.
func (t Tables) RateLimitTotals(p PartnerIndex, sels []Selection, from, to time.Time) Statement {
	var b Builder
	b.SQL("SELECT toUInt32(")
	t.partnerNumber(&b, p).SQL(") AS p, intDiv(time_ms, 60000) AS m")
	for _, s := range sels {
		b.SQL(", uniqExactIf(rid, ", throttledSQL, " AND NOT ")
		t.quotaExceeded(&b, from, to).SQL(" AND ")
		selection(&b, s).SQL(")")
	}
	for _, s := range sels {
		b.SQL(", maxIf((rl_limit - rl_remaining) / rl_limit, rl_limit > 0 AND rl_remaining >= 0 AND ")
		selection(&b, s).SQL(")")
	}
	b.SQL(", uniqExactIf(rid, ", throttledSQL, " AND ")
	t.quotaExceeded(&b, from, to).SQL(")")
	b.SQL(" FROM ", t.Requests(), " WHERE ")
	accessWindow(&b, from, to).SQL(" AND p != 0 AND (", throttledSQL, " OR rl_limit > 0) GROUP BY p, m")
	return b.Statement("ratelimit.totals")
}

// Span is a time range [From, To).
type Span struct{ From, To time.Time }

// RateLimitMonth counts each partner's distinct requests (by access
// record) in the spans (parts of the month before a window; at least
// one): p (UInt32, the 1-based index), count.
func (t Tables) RateLimitMonth(p PartnerIndex, spans []Span) Statement {
	var b Builder
	b.SQL("SELECT toUInt32(")
	t.partnerNumber(&b, p).SQL(") AS p, uniqExact(rid) FROM ", t.Requests(), " WHERE kind = 1 AND (")
	for i, s := range spans {
		if i > 0 {
			b.SQL(" OR ")
		}
		b.SQL("(")
		window(&b, "time", s.From, s.To).SQL(")")
	}
	b.SQL(") AND p != 0 GROUP BY p")
	return b.Statement("ratelimit.month")
}

// wafFiltered is API Gateway's error type for a request its WAF blocked
// (status 403).
const wafFiltered = "WAF_FILTERED"

// ipThrottledSQL selects the responses a per-IP limit is held to have
// rejected: those the WAF blocked. A 429 on the same paths comes from the
// partner's own limits (usage plan, per-minute policy) and counts there;
// counting it here too would flag every client IP of a throttled partner.
const ipThrottledSQL = "(error_type = '" + wafFiltered + "')"

// RateLimitIPs counts, per client IP and millisecond (time_ms) of
// [from, to), the distinct requests of each class: h (a 64-bit hash of the
// IP), k, ip, n, ordered by h and k, where k packs high to low the
// millisecond's offset from from, whether the request was rejected
// (ipThrottledSQL) and the class (bit i: it satisfies lims[i]). Only
// requests some limit matches are read.
func (t Tables) RateLimitIPs(lims []Match, from, to time.Time) Statement {
	nl := uint(len(lims))
	var b Builder
	b.SQL("SELECT h, k, ip, n FROM (SELECT cityHash64(client_ip) AS h, toUInt64(time_ms - ").Arg(from.UnixMilli()).SQL(") * ").Arg(uint64(1) << (nl + 1))
	b.SQL(" + toUInt64(", ipThrottledSQL, ") * ").Arg(uint64(1) << nl)
	for i := range lims {
		b.SQL(" + toUInt64(")
		match(&b, lims[i]).SQL(") * ").Arg(uint64(1) << i)
	}
	b.SQL(" AS k, any(client_ip) AS ip, uniqExact(rid) AS n FROM ", t.Requests(), " WHERE ")
	accessWindow(&b, from, to).SQL(" AND client_ip != '' AND (")
	for i := range lims {
		if i > 0 {
			b.SQL(" OR ")
		}
		match(&b, lims[i])
	}
	b.SQL(") GROUP BY h, k) ORDER BY h, k")
	return b.Statement("ratelimit.ips")
}
