// Package findings keeps what `report retry-storms` and `report
// rate-limits` print in ClickHouse (schema/0004_findings.sql), so
// dashboards read the answers: Write computes both analyses for a window
// with the very functions the reports call and stores their rows; Storms
// and Limits read them back.
//
// A storm still going on is written again by every pass under the same
// key (its sequence and first attempt) with its later end, more attempts
// and any new violation; readers take each key's row with the most attempts. A storm that
// began before a pass's horizon is seen from the horizon on, so a storm
// longer than the horizon is kept as successive pieces.
//
// Rate-limit rows are kept per pass window (limit_findings): the daemon's
// trailing horizon ending at each minute, a one-shot load's loaded days.
// Each pass also breaks its window's rows down by minute (limit_minutes,
// schema/0005): per partner × limit and per IP × IP limit, the minute's
// utilization, throttled count and state, which fold back into the
// window's rows (ratelimit.Aggregate); LimitMinutes reads each minute as
// its latest pass wrote it.
package findings
