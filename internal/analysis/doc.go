// Package analysis runs the analyses ratescope keeps in ClickHouse, so
// dashboards and reports read answers instead of recomputing them: the
// per-minute rollups (package rollup). A pass (Pass) brings them up to
// date with what is stored; the daemon runs one every minute (Loop), a
// one-shot load one after its files, `ingest migrate` one to backfill an
// upgraded database.
package analysis
