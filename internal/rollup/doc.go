// Package rollup keeps the hourly rollups of the requests (table
// requests_1h, schema/0003_rollups.sql) exact, and tells readers which
// part of a window they may answer from them.
//
// # Why rebuild instead of a materialized view
//
// A materialized view sees inserted blocks, never the ReplacingMergeTree's
// dedup, so a file loaded twice counts twice; and a request's code, status
// class and even its hour come from the fold of all its rows (an error
// body arriving minutes later changes the code; an orphan body becomes an
// attached one), which no insert-time aggregate can revise. Counting
// distinct request-id hashes per bucket (uniqState) fixes the first but
// not the second: the late body's request stays counted under its old
// code. So a day's rollup is computed from the deduplicated, assembled
// requests (chquery.RollupBuild, the same fold the reports use) into a
// scratch table and swapped in with ALTER TABLE … REPLACE PARTITION,
// atomically, whenever something touching that day was ingested.
//
// Measured (internal/rollup benchmarks, 18.16 on 2 cores): see README
// "Rollups".
//
// # Knowing when a day's rollup is complete
//
// rollup_builds records, for each day, when a refresh pass last found its
// rollup complete (checked_at, the server's clock at the pass's start) and
// how many rows of the requests table the day held then. Rows are only
// ever added (or folded by merges, or dropped with a partition), so a day
// whose row count differs from its check is stale. A change on one day can
// change another's rollup — an error body filed on the day it was logged
// (or ingested) attaches to an access record of an earlier day — so the
// days sharing a request id with the rows of a stale day that were
// ingested since its check (less Margin, which absorbs the time between
// an ingester stamping a batch and ClickHouse committing it, and clock
// skew) are stale too (chquery.RollupLinked).
//
// A pass (Refresh) rebuilds the stale days and the days never built, and
// records the others as checked. Readers (CoverOf) decide the same way
// without writing: a report is exact whether or not a pass ran since the
// last load — stale days are read from the requests table.
//
// # What a check also records
//
// Beside each rollup_builds record, a rollup_links row (schema 0006, same
// day, checked_at, recorded_at and rows) keeps the day's facts: the other
// days holding rows of its request ids (links), those holding access
// records of its access records' ids, and its distinct requests by access
// record per partner as logged. A reader believes them only beside the
// record it believes, and only for a clean day: a change that could make
// them wrong (a body filed on another day for one of the day's requests)
// makes the day stale first. CoverOf uses the links so that the rest of
// a window is read from its days and their links only (Cover.Near);
// AccessCounts sums the per-partner counts of whole days where no request
// id meets another day or two partners, for the month before a
// rate-limits window. A pass computes the facts of every day it rebuilds,
// and of every clean day without them (a database upgraded to 0006).
package rollup
