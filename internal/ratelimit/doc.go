// Package ratelimit measures API traffic against rate-limit plans: who is
// near or over a limit, before or while being throttled.
//
// # Plans
//
// A plans file (LoadPlans) names plans of limits, maps partners (by the
// key ids they are logged under, and by their own name) to plans, and sets
// per-IP limits. A limit is a token bucket (rate per second and burst, as
// API Gateway usage plans throttle; rate 0 blocks everything, as API
// Gateway's "0 RPS" method throttling), a count per sliding window (limit
// per 1m, 5m, 1d …), or a monthly quota. A match narrows what a limit
// counts: method (case-insensitive), path (exact, query string ignored; a
// trailing * makes it a prefix) or path_prefix, tested on the logged path.
// In a plan, a token bucket or window without a match counts the requests
// that no sibling of the same kind with a match counts — "ApiPolicy: all
// other endpoints" beside "AuthPolicy: POST /api/v1/auth/token". A quota
// counts all of a partner's requests. A partner's limits apply to its
// traffic summed over its key ids.
//
// # Measures
//
// Compute reads the access records of the window (error bodies logged apart
// only add their code), deduplicated by request id, from ClickHouse as
// per-millisecond counts (time_ms, the precision the logs carry), and
// derives for each partner and limit:
//
//   - sustained (token bucket): highest count in any 60 s ÷ (60 × rate);
//   - burst (token bucket): 1 − lowest level ÷ burst of a simulated bucket
//     (Bucket: full at the first request of the warm-up, refilled continuously at rate
//     per second up to burst — rate ÷ 1000 per millisecond, as API
//     Gateway refills — a token per request, throttled requests take
//     none; one millisecond's requests are taken together, and a bucket
//     run dry by more than its tokens gives a utilization above 1);
//   - window: highest count in any sliding window of the limit's length,
//     sliding at millisecond precision (Window) ÷ limit;
//   - quota: the month's requests so far (from the start of the window's
//     end's calendar month, UTC, to the window's end), projected linearly
//     to the month's end (Project) ÷ quota;
//   - headers: where the logs carry X-RateLimit-Limit and -Remaining, the
//     highest (limit − remaining) ÷ limit among the limit's requests (token
//     buckets and windows).
//
// The buckets and windows start before the window: each limit replays its
// warm-up (Limit.WarmUp: its longest look-back, 60 s to 1 h) before the
// window's start and measures only the window, so a bucket drained just
// before the window is still drained in it, and a minute's figures do not
// depend on where the window starts.
//
// A row's utilization is the highest of its limit's measures, rounded to
// 6 decimal places; a rate-0 limit's is the number of requests it saw.
// Throttled counts the 429s among the limit's requests — for a quota those
// marked QUOTA_EXCEEDED (gateway error type, or the error body's code,
// logged with the access line or apart), for the other limits the other
// 429s; a per-IP limit counts the IP's requests on its paths that the WAF
// rejected (WAF_FILTERED) — a 429 there is the partner's limits' doing. State: over when utilization is above 1, some requests were
// throttled, or a rate-0 limit saw any; near when utilization is at or
// above the warn level; else ok.
//
// # Performance
//
// ClickHouse only counts, grouped by one packed UInt64 key — partner,
// millisecond, and the set of matches a request satisfies — and streams the
// counts sorted, partner after partner (client IP after client IP), so
// memory holds one subject's windows at a time. The statements are built in
// package chquery (RateLimitSeries, RateLimitTotals, RateLimitMonth,
// RateLimitIPs) and run on ClickHouse 18.16 and current releases alike.
package ratelimit
