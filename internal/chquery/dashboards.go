package chquery

import "strconv"

// The statements of ratescope's Grafana panels (dashboards/). They hold the
// macros of the Grafana ClickHouse plugin (v4.x) and its variables instead
// of arguments, so Statement.Text gives the panel's rawSql as is:
//
//	$__fromTime, $__toTime   the panel's range, toDateTime(unix seconds)
//	$__timeFilter(c)         c within the range (both ends included)
//	$__interval_s            the panel's interval in whole seconds
//	$__conditionalAll(c, $v) c, or 1=1 when the variable v is All
//	${partner:singlequote}   the selected partners, quoted (quotes escaped,
//	                         backslashes not: Grafana's format)
//
// Only macros that expand to SQL both ClickHouse 18.16 and current
// releases run are used ($__timeInterval, $__fromTime_ms and the other
// toStartOfInterval/DateTime64 macros fail on 18.16): windows are written
// [from, to) as the reports take them, and time is bucketed with
// intDiv(toUInt32(t), n) * n.
//
// The variables every ClickHouse dashboard defines: partner (names from
// the configuration's partner map, multi-value, All), route (multi, All)
// and code (the error code the requests table shows).
const (
	// PartnerVar and RouteVar name the dashboards' filter variables.
	PartnerVar = "partner"
	RouteVar   = "route"
	// CodeVar names the Errors dashboard's code variable (set by the top
	// codes table's link).
	CodeVar = "code"
)

// macroWindow appends "col in [$__fromTime, $__toTime)".
func macroWindow(b *Builder, col string) *Builder {
	return b.SQL(col, " >= $__fromTime AND ", col, " < $__toTime")
}

// varFilter appends the plugin's conditional filter "expr IN (the
// variable's values)", 1=1 when the variable is All.
func varFilter(b *Builder, expr, v string) *Builder {
	return b.SQL("$__conditionalAll(", expr, " IN (${", v, ":singlequote}), $", v, ")")
}

// bucket is the expression of the start of the time bucket of col (a
// DateTime or Unix seconds): buckets of the panel's interval, at least
// minSeconds wide.
func bucket(col string, minSeconds int) string {
	n := "greatest($__interval_s, " + strconv.Itoa(minSeconds) + ")"
	return "toDateTime(intDiv(toUInt32(" + col + "), " + n + ") * " + n + ")"
}

// bucketSeconds is the bucket's width in seconds (see bucket).
func bucketSeconds(minSeconds int) string {
	return "greatest($__interval_s, " + strconv.Itoa(minSeconds) + ")"
}

// statusClass names a status's class: 2xx … 5xx (0: "network").
const statusClass = "multiIf(status >= 500, '5xx', status >= 400, '4xx', status >= 300, '3xx', status >= 200, '2xx', status >= 100, '1xx', 'network')"

// nonRetryableSQL is retry.Retryable's negation over a failed status s
// (Envoy flags aside): the 4xx but 408 and 429, and 501 and 505.
func nonRetryableSQL(s string) string {
	return "((" + s + " >= 400 AND " + s + " < 500 AND " + s + " NOT IN (408, 429)) OR " + s + " IN (501, 505))"
}

// PanelSummary gives the window's summary figures as `report summary`
// computes them: the whole hours of the window on days whose hourly
// rollup is complete from the rollups (SummaryRollup), the rest from the
// requests table (SummaryAccess — one status per request, its latest
// access record's — and SummaryOrphans): requests, errors, error_rate,
// throttled, throttled_share (0 without requests), for the partners the
// variable selects. One row.
//
// A day's rollup counts as complete when its latest check saw as many rows
// of the requests table as the day holds now (rollupCurrent): the
// report's rule (rollup.CoverOf) but for a late error body filed on
// another day than its request, which the report also catches and the
// panel sees after the next refresh pass (a minute in the daemon).
func (t Tables) PanelSummary() Statement {
	var access Builder
	access.SQL("kind = 1 AND ")
	macroWindow(&access, "time").SQL(" AND NOT ")
	t.hourCover(&access, "time").SQL(" AND ")
	varFilter(&access, t.Partner(), PartnerVar)

	var orphans Builder
	orphans.SQL("kind = 2 AND ")
	macroWindow(&orphans, "time").SQL(" AND NOT ")
	t.hourCover(&orphans, "time")
	orphans.SQL("\n      AND rid ", t.NotIn(), "\n          (SELECT rid FROM ", t.Requests(),
		"\n           WHERE kind = 1 AND time >= $__fromTime - ", strconv.Itoa(int(OrphanSlack.Seconds())),
		" AND time < $__toTime + ", strconv.Itoa(int(OrphanSlack.Seconds())),
		" AND rid ", t.In(), "\n               (SELECT rid FROM ", t.Requests(), " WHERE kind = 2 AND ")
	macroWindow(&orphans, "time").SQL("))")
	var having Builder
	varFilter(&having, "r_partner", PartnerVar)

	var b Builder
	b.SQL(`SELECT requests, errors, if(requests = 0, 0, errors / requests) AS error_rate,
    throttled, if(requests = 0, 0, throttled / requests) AS throttled_share
FROM
(
    SELECT sum(n) AS requests, sum(e) AS errors, sum(th) AS throttled
    FROM
    (
        SELECT sum(requests) AS n, sumIf(requests, status >= 400) AS e, sumIf(requests, status = 429) AS th
        FROM `, t.Rollup(), ` WHERE `)
	t.hourCover(&b, "hour").SQL(" AND ")
	varFilter(&b, t.Partner(), PartnerVar)
	b.SQL(`
        UNION ALL
        SELECT count(), countIf(s >= 400), countIf(s = 429)
        FROM (SELECT argMax(status, time_ms) AS s FROM `, t.Requests(), ` WHERE `).Append(&access).SQL(` GROUP BY rid)
        UNION ALL
        SELECT count(), countIf(r_status >= 400), countIf(r_status = 429) FROM (`)
	t.assembled(&b, &orphans, &having, false)
	return b.SQL(`)
    )
)`).Statement("panel.summary")
}

// hourCover appends the boolean expression "col lies in a whole hour of
// the panel's window on a day whose rollup is current" (see PanelSummary).
func (t Tables) hourCover(b *Builder, col string) *Builder {
	b.SQL("(", col, " >= toStartOfHour($__fromTime) + if(toStartOfHour($__fromTime) < $__fromTime, 3600, 0) AND ",
		col, " < toStartOfHour($__toTime) AND toYYYYMMDD(", col, ") ", t.In(), " (")
	return t.rollupCurrent(b).SQL("))")
}

// rollupCurrent appends the subquery of the days (YYYYMMDD) whose latest
// rollup check (rollup_builds) saw as many rows of the requests table as
// the day's active parts hold now (RollupChecks and RollupDays).
func (t Tables) rollupCurrent(b *Builder) *Builder {
	b.SQL("SELECT day FROM (SELECT day, argMax(rows, toUInt64(recorded_at) * 4294967296 + toUInt32(checked_at)) AS checked_rows FROM ", t.RollupBuilds(),
		" GROUP BY day) AS checks ANY INNER JOIN (SELECT toUInt32(partition) AS day, sum(rows) AS now_rows FROM system.parts WHERE database = ").Arg(t.Database)
	return b.SQL(" AND table = 'requests' AND active GROUP BY day) AS parts USING day WHERE checked_rows = now_rows")
}

// rollupWhere appends the window and the variables' filters over the
// hourly rollups (the partner by name: Tables.Partner).
func (t Tables) rollupWhere(b *Builder) *Builder {
	macroWindow(b, "hour").SQL(" AND ")
	varFilter(b, t.Partner(), PartnerVar).SQL(" AND ")
	return varFilter(b, "route", RouteVar)
}

// PanelRequestRates gives requests per second by status class from the
// hourly rollups: time, class, rps; sorted by time. Buckets are at least
// an hour (the rollups' grain).
func (t Tables) PanelRequestRates() Statement {
	var b Builder
	b.SQL("SELECT ", bucket("hour", 3600), " AS time, ", statusClass, " AS class, sum(requests) / ", bucketSeconds(3600), " AS rps\nFROM ", t.Rollup(), "\nWHERE ")
	t.rollupWhere(&b)
	return b.SQL("\nGROUP BY time, class\nORDER BY time, class").Statement("panel.request_rates")
}

// PanelErrorClasses gives client (4xx) and server (5xx) errors per second
// from the rollups: time, 4xx, 5xx; sorted by time.
func (t Tables) PanelErrorClasses() Statement {
	var b Builder
	n := bucketSeconds(3600)
	b.SQL("SELECT ", bucket("hour", 3600), " AS time, sumIf(requests, status >= 400 AND status < 500) / ", n, " AS `4xx`, sumIf(requests, status >= 500) / ", n, " AS `5xx`\nFROM ", t.Rollup(), "\nWHERE ")
	t.rollupWhere(&b)
	return b.SQL("\nGROUP BY time\nORDER BY time").Statement("panel.error_classes")
}

// PanelCodeRates gives the error requests (status >= 400) per second of
// the window's ten commonest codes, from the rollups: time, code, rps;
// sorted by time.
func (t Tables) PanelCodeRates() Statement {
	var top Builder
	top.SQL("SELECT code FROM ", t.Rollup(), " WHERE status >= 400 AND ")
	t.rollupWhere(&top).SQL(" GROUP BY code ORDER BY sum(requests) DESC, code LIMIT 10")
	var b Builder
	b.SQL("SELECT ", bucket("hour", 3600), " AS time, if(code = '', '(none)', code) AS error_code, sum(requests) / ", bucketSeconds(3600), " AS rps\nFROM ", t.Rollup(),
		"\nWHERE status >= 400 AND code ", t.In(), " (").Append(&top).SQL(") AND ")
	t.rollupWhere(&b)
	return b.SQL("\nGROUP BY time, error_code\nORDER BY time, error_code").Statement("panel.code_rates")
}

// PanelTopCodes lists the window's 20 commonest error codes from the
// rollups with an example: code, requests, example_message (an error
// body's message carrying the code, "" for codes without a body),
// example_request; most requests first.
func (t Tables) PanelTopCodes() Statement {
	var b Builder
	b.SQL("SELECT code, requests, example_message, example_request\nFROM\n(\n    SELECT code, sum(requests) AS requests FROM ", t.Rollup(), " WHERE status >= 400 AND ")
	t.rollupWhere(&b).SQL(`
    GROUP BY code ORDER BY requests DESC, code LIMIT 20
) AS top
ANY LEFT JOIN
(
    SELECT err_code AS code, argMin(err_message, request_id) AS example_message, min(request_id) AS example_request
    FROM `, t.Requests(), " WHERE err_code != '' AND ")
	macroWindow(&b, "time")
	return b.SQL("\n    GROUP BY err_code\n) AS ex USING code\nORDER BY requests DESC, code").Statement("panel.top_codes")
}

// PanelErrorsBy counts the window's error requests by col (ColPartner or
// ColRoute) and code from the rollups: partner or route, code, requests;
// the 50 largest, most first.
func (t Tables) PanelErrorsBy(col string) Statement {
	expr, name := "route", "route"
	if col == ColPartner {
		expr, name = t.Partner(), "partner"
	}
	var b Builder
	b.SQL("SELECT ", expr, " AS ", name, "_name, code, sum(requests) AS requests\nFROM ", t.Rollup(), "\nWHERE status >= 400 AND ")
	t.rollupWhere(&b)
	b.SQL("\nGROUP BY ", name, "_name, code\nORDER BY requests DESC, ", name, "_name, code\nLIMIT 50")
	return b.Statement("panel.errors_by_" + name)
}

// PanelLatency gives p50, p95 and p99 latency (ms) of the window's eight
// busiest routes from the rollups' t-digests: time, route, p50, p95, p99;
// sorted by time.
func (t Tables) PanelLatency() Statement {
	var top Builder
	top.SQL("SELECT route FROM ", t.Rollup(), " WHERE ")
	t.rollupWhere(&top).SQL(" GROUP BY route ORDER BY sum(requests) DESC, route LIMIT 8")
	var b Builder
	b.SQL("SELECT time, route, q[1] AS p50, q[2] AS p95, q[3] AS p99\nFROM\n(\n    SELECT ", bucket("hour", 3600), " AS time, route, quantilesTDigestMerge(0.5, 0.95, 0.99)(latency) AS q\n    FROM ", t.Rollup(),
		"\n    WHERE route ", t.In(), " (").Append(&top).SQL(") AND ")
	t.rollupWhere(&b)
	return b.SQL("\n    GROUP BY time, route\n)\nORDER BY time, route").Statement("panel.latency")
}

// PanelCodeRequests lists the latest 100 requests of the window that
// carry the code the code variable holds (as a body code, gateway error
// type or Envoy flags; none while the variable is empty): time,
// request_id, partner, route, status, message; latest first.
func (t Tables) PanelCodeRequests() Statement {
	var b Builder
	// The partner is named outside the query of the requests table: on a
	// cluster, where that table is Distributed, 18.16 fails on the partner
	// map's scalar subqueries in what it sends to the shards.
	b.SQL("SELECT t, request_id, ", t.PartnerOf("lp"), " AS partner_name, route_name, status_code, message\nFROM\n(\n    SELECT min(time) AS t, request_id, any(partner) AS lp, any(route) AS route_name, max(status) AS status_code, max(err_message) AS message\n    FROM ", t.Requests(),
		"\n    WHERE ")
	macroWindow(&b, "time").SQL(" AND ${", CodeVar, ":singlequote} != '' AND (err_code = ${", CodeVar, ":singlequote} OR error_type = ${", CodeVar, ":singlequote} OR response_flags = ${", CodeVar, ":singlequote}) AND ")
	varFilter(&b, t.Partner(), PartnerVar)
	return b.SQL("\n    GROUP BY request_id\n    ORDER BY t DESC, request_id\n    LIMIT 100\n)\nORDER BY t DESC, request_id").Statement("panel.code_requests")
}

// retries appends the subquery of the window's retries: one row per
// access record that follows a failed attempt of its sequence (partner,
// client IP, method, route, idempotency key; retry.Key) within 60 s (the
// retry window): t_ms, partner_name, route, method, idempotency_key,
// prev_status (the failed attempt's status). Requests are folded by
// request id (the latest access row) and ordered by time, then by rid (a
// sequence's attempts of one millisecond pair up alike on every engine).
// A failure is retry.Failed with any Envoy flag taken as a network
// failure (FailureSQL's superset); an attempt whose predecessor lies
// before the window is not counted.
//
// Only the access records in the same or the next minute as a failure of
// their sequence are read (as StormRows reads them, with its argument):
// a retry and the failure before it both are, and so is anything between
// them, so no pair that matters is lost and none is made up. The records
// are picked by the sequence without its partner (sequenceHashUnmapped):
// a few more are read (those of another partner's sequence of the same
// client IP, method, route and key), which changes no pair — a record
// read only so lies in no minute of a failure of its own sequence, so it
// neither follows a failure within 60 s nor falls between a failure and
// its retry.
func (t Tables) retries(b *Builder) *Builder {
	b.SQL(`SELECT tupleElement(cur, 1) AS t_ms, p AS partner_name, r AS route, m AS method, k AS idempotency_key, tupleElement(prev, 3) AS prev_status
    FROM
    (
        SELECT `, t.PartnerOf("lp"), ` AS p, ip, m, r, k, arraySort(groupArray(tuple(ms, rid, st, fl))) AS a
        FROM
        (
            SELECT rid, argMax(partner, time_ms) AS lp, argMax(client_ip, time_ms) AS ip, argMax(method, time_ms) AS m,
                argMax(route, time_ms) AS r, argMax(idempotency_key, time_ms) AS k, max(time_ms) AS ms,
                argMax(status, time_ms) AS st, argMax(response_flags, time_ms) AS fl
            FROM `, t.Requests(), `
            WHERE kind = 1 AND `)
	macroWindow(b, "time")
	b.SQL(`
                AND cityHash64(`, sequenceHashUnmapped, `, `, minuteSQL, `) `, t.In(), `
                    (SELECT arrayJoin([cityHash64(f_seq, f_minute), cityHash64(f_seq, toUInt32(f_minute + 1))])
                     FROM (SELECT `, sequenceHashUnmapped, ` AS f_seq, `, minuteSQL, ` AS f_minute FROM `, t.Requests(), `
                           WHERE kind = 1 AND `)
	macroWindow(b, "time")
	return b.SQL(` AND `, FailureSQL, `))
            GROUP BY rid
        )
        GROUP BY p, ip, m, r, k
    )
    ARRAY JOIN arrayPopBack(a) AS prev, arrayPopFront(a) AS cur
    WHERE (tupleElement(prev, 3) >= 400 OR tupleElement(prev, 3) = 0 OR tupleElement(prev, 4) != '')
        AND tupleElement(cur, 1) - tupleElement(prev, 1) <= 60000`)
}

// sequenceHashUnmapped is the hash of a retry sequence without its
// partner, for the retries' choice of records: the partner's name needs
// the partner map's scalar subqueries, which 18.16 fails on in a
// non-aggregated query of a Distributed table (the requests table on a
// cluster), and the dashboards' SQL is one for a single node and a
// cluster. The partner is named after the records are folded.
const sequenceHashUnmapped = "cityHash64(client_ip, method, route, idempotency_key)"

// retryFilter appends the variables' filters over the retries subquery.
func retryFilter(b *Builder) *Builder {
	varFilter(b, "partner_name", PartnerVar).SQL(" AND ")
	return varFilter(b, "route", RouteVar)
}

// PanelRetryRates gives retries per minute by partner and route: time,
// series ("partner route"), retries_per_minute; sorted by time.
func (t Tables) PanelRetryRates() Statement {
	var b Builder
	b.SQL("SELECT ", bucket("intDiv(t_ms, 1000)", 60), " AS time, concat(partner_name, ' ', route) AS series, count() * 60 / ", bucketSeconds(60), " AS retries_per_minute\nFROM\n(\n    ")
	t.retries(&b).SQL("\n)\nWHERE ")
	retryFilter(&b)
	return b.SQL("\nGROUP BY time, series\nORDER BY time, series").Statement("panel.retry_rates")
}

// PanelNonRetryable counts the retries of responses that must not be
// retried (retry.Retryable false) by status, partner and route: status,
// partner, route, retries; most first.
func (t Tables) PanelNonRetryable() Statement {
	var b Builder
	b.SQL("SELECT prev_status AS status, partner_name, route, count() AS retries\nFROM\n(\n    ")
	t.retries(&b).SQL("\n)\nWHERE ", nonRetryableSQL("prev_status"), " AND ")
	retryFilter(&b)
	return b.SQL("\nGROUP BY status, partner_name, route\nORDER BY retries DESC, status, partner_name, route\nLIMIT 50").Statement("panel.non_retryable")
}

// PanelUnkeyedRetries counts the POST and PATCH retries sent without an
// idempotency key by partner, route and method: partner, route, method,
// retries; most first.
func (t Tables) PanelUnkeyedRetries() Statement {
	var b Builder
	b.SQL("SELECT partner_name, route, method, count() AS retries\nFROM\n(\n    ")
	t.retries(&b).SQL("\n)\nWHERE upper(method) IN ('POST', 'PATCH') AND idempotency_key = '' AND ")
	retryFilter(&b)
	return b.SQL("\nGROUP BY partner_name, route, method\nORDER BY retries DESC, partner_name, route, method\nLIMIT 50").Statement("panel.unkeyed_retries")
}

// storms appends the subquery of the kept storms (storm_findings) that
// lie in the window, as FindingsStorms reads them: each at its latest
// pass; columns partner, client_ip, method, route, start_ms, end_ms,
// attempts, retries, median_gap_ms, violations, first_request_id.
func (t Tables) storms(b *Builder) *Builder {
	b.SQL(`SELECT partner, client_ip, method, route, idempotency_key, start_ms,
        argMax(end_ms, attempts) AS e, max(attempts) AS n, argMax(retries, attempts) AS rs,
        argMax(median_gap_ms, attempts) AS gap, argMax(violations, attempts) AS v, argMax(first_request_id, attempts) AS first
    FROM `, t.StormFindings(), " WHERE ")
	macroWindow(b, "start").SQL(" AND start_ms >= toInt64(toUnixTimestamp($__fromTime)) * 1000 AND ")
	varFilter(b, "partner", PartnerVar).SQL(" AND ")
	varFilter(b, "route", RouteVar)
	return b.SQL("\n    GROUP BY partner, client_ip, method, route, idempotency_key, start_ms\n    HAVING e < toInt64(toUnixTimestamp($__toTime)) * 1000")
}

// StormNowSeconds is how recent a storm's last attempt must be for the
// dashboards to call it going on.
const StormNowSeconds = 300

// PanelStormCounts counts the window's storms (what `report
// retry-storms` lists for the window, as kept by the analysis passes) and
// those whose last attempt lies in the window's last StormNowSeconds:
// storms, storms_now. One row.
func (t Tables) PanelStormCounts() Statement {
	var b Builder
	b.SQL("SELECT count() AS storms, countIf(e >= (toInt64(toUnixTimestamp($__toTime)) - ", strconv.Itoa(StormNowSeconds), ") * 1000) AS storms_now\nFROM\n(\n    ")
	t.storms(&b)
	return b.SQL("\n)").Statement("panel.storm_counts")
}

// PanelStorms lists the window's storms with their violations: start,
// end, partner, client_ip, method, route, attempts, retries,
// median_gap_ms, violations (comma-separated), first_request_id; the
// latest first.
func (t Tables) PanelStorms() Statement {
	var b Builder
	b.SQL(`SELECT toDateTime(intDiv(start_ms, 1000)) AS started, toDateTime(intDiv(e, 1000)) AS ended, partner, client_ip, method, route,
    n AS attempts, rs AS retries, gap AS median_gap_ms, arrayStringConcat(v, ', ') AS violations, first AS first_request_id
FROM
(
    `)
	t.storms(&b)
	return b.SQL("\n)\nORDER BY start_ms DESC, partner, client_ip, route\nLIMIT 200").Statement("panel.storms")
}

// PanelStormStarts counts the storms starting in each bucket by partner:
// time, partner, storms; sorted by time.
func (t Tables) PanelStormStarts() Statement {
	var b Builder
	b.SQL("SELECT ", bucket("intDiv(start_ms, 1000)", 60), " AS time, partner, count() AS storms\nFROM\n(\n    ")
	t.storms(&b)
	return b.SQL("\n)\nGROUP BY time, partner\nORDER BY time, partner").Statement("panel.storm_starts")
}

// latestPass appends the filter of the limit findings of one analysis
// pass: of the passes whose window overlaps the panel's, the one ending
// nearest to the panel's end, one ending inside the panel's window
// preferred (the daemon's passes end every minute; a one-shot load's
// window is the whole days it loaded), the latest computed of passes over
// the same window.
func (t Tables) latestPass(b *Builder) *Builder {
	b.SQL("(window_to, window_from) ", t.In(), " (SELECT window_to, window_from FROM ", t.LimitFindings(),
		" WHERE window_from < $__toTime AND window_to > $__fromTime",
		" ORDER BY window_to > $__toTime, abs(toInt64(toUInt32(window_to)) - toInt64(toUInt32($__toTime))), computed_ms DESC LIMIT 1)")
	return b
}

// limitRows appends the subquery of the latest pass's rows (see
// latestPass), each at its latest computation: partner, limit_name, k
// (kind), ms (measure), u (utilization), th (throttled), st (state), pk
// (peak), pfd (projected_from_days), ex (exhausts_at).
func (t Tables) limitRows(b *Builder) *Builder {
	b.SQL(`SELECT partner, limit_name, argMax(kind, computed_ms) AS k, argMax(measure, computed_ms) AS ms,
        argMax(utilization, computed_ms) AS u, argMax(throttled, computed_ms) AS th, argMax(state, computed_ms) AS st,
        argMax(peak, computed_ms) AS pk, argMax(projected_from_days, computed_ms) AS pfd, argMax(exhausts_at, computed_ms) AS ex
    FROM `, t.LimitFindings(), " WHERE ")
	t.latestPass(b)
	return b.SQL("\n    GROUP BY partner, limit_name")
}

// PanelLimitUrgent lists the partners' limits near or over in the latest
// pass, most urgent first (over before near, then by utilization):
// partner, limit_name, kind, measure, utilization, throttled, state,
// exhausts (the quota's projected exhaustion, "" when none).
func (t Tables) PanelLimitUrgent() Statement {
	var b Builder
	b.SQL(`SELECT partner, limit_name, k AS kind, ms AS measure, u AS utilization, th AS throttled, st AS state,
    if(toUInt32(ex) = 0, '', toString(ex)) AS exhausts
FROM
(
    `)
	t.limitRows(&b)
	b.SQL("\n)\nWHERE k != 'ip_window' AND st IN ('near', 'over') AND ")
	varFilter(&b, "partner", PartnerVar)
	return b.SQL("\nORDER BY st = 'over' DESC, u DESC, partner, limit_name").Statement("panel.limit_urgent")
}

// PanelLimitCounts counts the partners with a limit near or over in the
// latest pass, and those over: near_or_over, over. One row.
func (t Tables) PanelLimitCounts() Statement {
	var b Builder
	b.SQL("SELECT uniqExactIf(partner, st IN ('near', 'over')) AS near_or_over, uniqExactIf(partner, st = 'over') AS over_limit\nFROM\n(\n    ")
	t.limitRows(&b)
	b.SQL("\n)\nWHERE k != 'ip_window' AND ")
	varFilter(&b, "partner", PartnerVar)
	return b.Statement("panel.limit_counts")
}

// PanelQuotas lists the monthly quotas of the latest pass: partner,
// limit_name, utilization (month-end projection ÷ quota), state,
// exhausts (projected exhaustion, "" when none), projected_from_days;
// soonest exhaustion first.
func (t Tables) PanelQuotas() Statement {
	var b Builder
	b.SQL(`SELECT partner, limit_name, u AS utilization, st AS state, if(toUInt32(ex) = 0, '', toString(ex)) AS exhausts, pfd AS projected_from_days
FROM
(
    `)
	t.limitRows(&b)
	b.SQL("\n)\nWHERE k = 'quota' AND ")
	varFilter(&b, "partner", PartnerVar)
	return b.SQL("\nORDER BY toUInt32(ex) = 0, ex, u DESC, partner").Statement("panel.quotas")
}

// limitMinutes appends the subquery of the per-minute limit rows
// (limit_minutes, schema/0005) of the minutes in the window, each minute
// as its latest pass wrote it (as FindingsLimitMinutes reads them), of
// subject ("partner" or "ip"): minute, subject, partner, ip, limit_name, kind,
// measure, utilization, throttled, state, peak.
func (t Tables) limitMinutes(b *Builder, subject string) *Builder {
	b.SQL("SELECT minute, subject, partner, ip, limit_name, kind, measure, utilization, throttled, state, peak\n    FROM ", t.LimitMinutes(), " WHERE ")
	macroWindow(b, "minute").SQL(" AND subject = ").Arg(subject)
	b.SQL("\n        AND (minute, computed_ms) ", t.In(), " (SELECT minute, max(computed_ms) FROM ", t.LimitMinutes(), " WHERE ")
	macroWindow(b, "minute")
	return b.SQL(" GROUP BY minute)\n    LIMIT 1 BY minute, subject, partner, ip, limit_name")
}

// PanelUtilization gives the utilization of every partner limit minute by
// minute (the highest of a bucket's minutes; token buckets and windows:
// quotas are monthly, see PanelQuotas): time, series ("partner ·
// limit"), utilization; sorted by time.
func (t Tables) PanelUtilization() Statement {
	var b Builder
	b.SQL("SELECT ", bucket("minute", 60), " AS time, concat(partner, ' · ', limit_name) AS series, max(utilization) AS utilization\nFROM\n(\n    ")
	t.limitMinutes(&b, "partner").SQL("\n)\nWHERE ")
	varFilter(&b, "partner", PartnerVar)
	return b.SQL("\nGROUP BY time, series\nORDER BY time, series").Statement("panel.utilization")
}

// PanelIPPeaks lists the client IPs under the per-IP limits over the
// window's minutes: client_ip, limit_name, peak (the highest count in one
// window), utilization (the highest), throttled (the WAF's rejections),
// state (the worst); the 50 highest.
func (t Tables) PanelIPPeaks() Statement {
	var b Builder
	b.SQL(`SELECT ip AS client_ip, limit_name, max(peak) AS peak_count, max(utilization) AS max_utilization, sum(throttled) AS rejected,
    multiIf(max(state = 'over') = 1, 'over', max(state = 'near') = 1, 'near', 'ok') AS worst_state
FROM
(
    `)
	t.limitMinutes(&b, "ip")
	return b.SQL("\n)\nGROUP BY client_ip, limit_name\nORDER BY max_utilization DESC, client_ip, limit_name\nLIMIT 50").Statement("panel.ip_peaks")
}

// PanelIPUtilization gives the utilization of the per-IP limits minute by
// minute for the five client IPs that came nearest to one in the window:
// time, series ("ip · limit"), utilization; sorted by time.
func (t Tables) PanelIPUtilization() Statement {
	var top Builder
	top.SQL("SELECT ip FROM (")
	t.limitMinutes(&top, "ip").SQL(") GROUP BY ip ORDER BY max(utilization) DESC, ip LIMIT 5")
	var b Builder
	b.SQL("SELECT ", bucket("minute", 60), " AS time, concat(ip, ' · ', limit_name) AS series, max(utilization) AS utilization\nFROM\n(\n    ")
	t.limitMinutes(&b, "ip").SQL("\n)\nWHERE ip ", t.In(), " (").Append(&top)
	return b.SQL(")\nGROUP BY time, series\nORDER BY time, series").Statement("panel.ip_utilization")
}

// ThrottledErrorTypes are the gateway error types of the requests a
// limit turned away: API Gateway's throttling, quota and WAF rejections.
var ThrottledErrorTypes = []string{"THROTTLED", "QUOTA_EXCEEDED", "WAF_FILTERED"}

// PanelThrottled gives the requests per second that a limit turned away
// (status 429, or a gateway error type of ThrottledErrorTypes) by partner
// and error type, from the rollups: time, series ("partner TYPE", the
// status when the gateway gave no type), rps; sorted by time.
func (t Tables) PanelThrottled() Statement {
	types := make([]any, len(ThrottledErrorTypes))
	for i, s := range ThrottledErrorTypes {
		types[i] = s
	}
	var b Builder
	b.SQL("SELECT ", bucket("hour", 3600), " AS time, concat(", t.Partner(), ", ' ', if(error_type = '', toString(status), error_type)) AS series, sum(requests) / ", bucketSeconds(3600), " AS rps\nFROM ", t.Rollup(),
		"\nWHERE (status = 429 OR error_type IN (").Args(types...).SQL(")) AND ")
	t.rollupWhere(&b)
	return b.SQL("\nGROUP BY time, series\nORDER BY time, series").Statement("panel.throttled")
}

// VarPartners lists the partner names of the latest partner map (the
// configuration's partners): the partner variable's options.
func (t Tables) VarPartners() Statement {
	var b Builder
	b.SQL("SELECT name FROM (SELECT arrayJoin(names) AS name FROM ", t.PartnerMap(), " WHERE version = (SELECT max(version) FROM ", t.PartnerMap(), ")) GROUP BY name ORDER BY name")
	return b.Statement("var.partners")
}

// VarRoutes lists the routes of the window's rollups: the route
// variable's options.
func (t Tables) VarRoutes() Statement {
	var b Builder
	b.SQL("SELECT route FROM ", t.Rollup(), " WHERE $__timeFilter(hour) GROUP BY route ORDER BY route")
	return b.Statement("var.routes")
}
