// Package chquery owns ratescope's read SQL: every statement a report
// sends to ClickHouse is built here, and nowhere else.
//
// Domain packages (report, ratelimit, retry) say what they want — "the
// error requests of this window by code and status", "each partner's
// requests per second and class" — by calling a statement constructor on
// Tables, and read the rows through a Reader. They never hold SQL text and
// never reach for the connection.
//
// # What is written once
//
//   - Table names and the membership operator: Tables (local tables and IN
//     today; Distributed names and GLOBAL IN on a cluster change there).
//   - The partner of a row: Tables.Partner (a key-id → name mapping changes
//     there).
//   - How one request is assembled from its rows — status, partner, route,
//     body precedence, code precedence, retry-after: the fold and its
//     rules (requests.go). The errors report, the summary's orphan bodies
//     and a request's attempts all read it.
//   - The dedup strategy, below.
//   - Arguments: a Builder writes each placeholder together with its value,
//     so arguments are never counted by hand; Statement.Text writes them in
//     as literals, so the same definition yields SQL a Grafana panel can
//     hold.
//
// # Dedup: by request id, never by merges
//
// Copies of a row are expected (a file loaded twice, a gzipped copy) and
// ReplacingMergeTree folds them only in background merges, which reports
// never wait for. Every statement therefore counts requests by distinct
// request id: it folds rows by rid, the stored 64-bit hash of request_id —
// GROUP BY rid when a request's fields are needed (argMaxIf by time_ms
// picks each kind's latest row; a request of one row is read from it, see
// foldColumns), uniqExact(rid) when only counts are. No
// statement uses FINAL. (The retry statements group by request_id itself,
// as their results carry it; the request look-up reads one id's rows.)
//
// # Both engines
//
// Every statement runs on Debian's ClickHouse 18.16 and on current
// releases (../shared/docs/clickhouse.md lists what that rules out). The
// conformance suite (internal/chconform, `make test` with chDB present)
// runs each statement the reports send on both and compares the rows.
//
// # Adding a statement
//
// Write a method on Tables that returns a Statement named for what it
// answers (its file named for the report), call it through a Reader from
// the domain package, and make the report run in the conformance suite's
// matrix (internal/chconform) if it is a new report: the suite records
// every statement a Reader sends, so a new statement of an existing report
// joins it on its own.
package chquery
