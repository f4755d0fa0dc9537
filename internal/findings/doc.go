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
// Rate-limit rows are kept per pass window: the daemon's trailing horizon
// ending at each minute gives each partner and limit a utilization,
// throttled count and state minute by minute (LimitSeries); a one-shot
// load's rows cover the days it loaded.
package findings
