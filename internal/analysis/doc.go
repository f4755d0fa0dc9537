// Package analysis runs the analyses ratescope keeps in ClickHouse, so
// dashboards and reports read answers instead of recomputing them: the
// hourly rollups (package rollup), and the retry storms and rate-limit
// rows of the reports (package findings). A pass (Pass) brings them up to
// date with what is stored; the daemon runs one every minute over a
// trailing horizon (Loop), a one-shot load one over the days it loaded,
// `ingest migrate` one to backfill an upgraded database.
package analysis
