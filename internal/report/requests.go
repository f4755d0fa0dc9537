// Package report answers ratescope's report questions with ClickHouse
// queries over the requests and rejected tables.
//
// # Requests
//
// A request is a distinct request_id. Its rows are access records (kind 1)
// and separately logged error bodies (kind 2); duplicates of either (a file
// loaded twice) are expected, since reports never rely on
// ReplacingMergeTree's background merges: every query groups rows by
// request_id first. Per request:
//
//   - status: the access record's status; for an orphan body (no access
//     record) the body line's status, else the status the body claims;
//   - partner, route, method, gateway error type and Envoy response flags:
//     from the access record (for an orphan body, from its own row);
//   - the error body: the access record's own body when it carried one,
//     else the separately logged one;
//   - code: the body's error code, else the gateway error type (THROTTLED,
//     QUOTA_EXCEEDED, …), else the Envoy response flags (RL, URX, …), else "".
//
// Where rows of one request disagree (not mere duplicates), each kind's
// latest row by time_ms is taken.
//
// # Windows
//
// A request belongs to the window [from, to) when its access record's time
// does (an orphan body: its own time). Error bodies logged outside the window
// still attach to access records inside it, and a body inside the window
// whose access record lies outside it does not count. Queries filter on the
// DateTime column time so ClickHouse prunes daily partitions.
//
// Every statement is valid on ClickHouse 18.16 and current releases; values
// are bound with clickhouse-go's positional parameters and only table names
// (chstore.DB.Table) are spliced into SQL.
package report

import (
	"strings"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
)

// requestsSQL returns a subquery with one row per request in the window:
// rid (the request id's 64-bit hash, which stands for it: queries that
// do not select request_id never read the strings), request_id, r_status (UInt16), r_partner, r_route, r_method and r_code
// (String). Its parameters are windowArgs(from, to). With errorsOnly,
// access records with status < 400 are read only where an error body in the
// window needs them (to tell an orphan body from an attached one): the
// result then holds every error request but not every other one, so use it
// only under a filter r_status >= 400.
func requestsSQL(db *chstore.DB, errorsOnly bool) string {
	t := db.Table("requests")
	inWindow := "(time >= ? AND time < ?"
	if errorsOnly {
		inWindow += " AND (kind = 2 OR status >= 400)"
	}
	inWindow += ")"
	// Layer 1 collects, per request, each kind's fields (a_: the access
	// record, b_: the separately logged body). Layer 2 applies the rules.
	// Only layer-1 column names are referenced in layer 2, so no expression
	// depends on an alias defined beside it.
	// r_partner is the partner's name by the partner map (PartnerExpr).
	return strings.NewReplacer("{requests}", t, "{inWindow}", inWindow,
		"{partner}", db.PartnerExpr("if(a_rows > 0, a_partner, b_partner)")).Replace(`
SELECT
    rid,
    request_id,
    if(a_rows > 0, a_status, if(b_status > 0, b_status, b_err_status)) AS r_status,
    {partner} AS r_partner,
    if(a_rows > 0, a_route, b_route) AS r_route,
    if(a_rows > 0, a_method, b_method) AS r_method,
    multiIf(
        if(a_bodies > 0, a_code, b_code) != '', if(a_bodies > 0, a_code, b_code),
        if(a_rows > 0, a_error_type, b_error_type) != '', if(a_rows > 0, a_error_type, b_error_type),
        if(a_rows > 0, a_flags, b_flags)) AS r_code
FROM
(
    SELECT
        rid,
        any(request_id) AS request_id,
        countIf(kind = 1) AS a_rows,
        argMaxIf(time, time_ms, kind = 1) AS a_time,
        argMaxIf(status, time_ms, kind = 1) AS a_status,
        argMaxIf(partner, time_ms, kind = 1) AS a_partner,
        argMaxIf(route, time_ms, kind = 1) AS a_route,
        argMaxIf(method, time_ms, kind = 1) AS a_method,
        argMaxIf(error_type, time_ms, kind = 1) AS a_error_type,
        argMaxIf(response_flags, time_ms, kind = 1) AS a_flags,
        countIf(kind = 1 AND err_shape != '') AS a_bodies,
        argMaxIf(err_code, time_ms, kind = 1 AND err_shape != '') AS a_code,
        argMaxIf(status, time_ms, kind = 2) AS b_status,
        argMaxIf(err_status, time_ms, kind = 2) AS b_err_status,
        argMaxIf(partner, time_ms, kind = 2) AS b_partner,
        argMaxIf(route, time_ms, kind = 2) AS b_route,
        argMaxIf(method, time_ms, kind = 2) AS b_method,
        argMaxIf(error_type, time_ms, kind = 2) AS b_error_type,
        argMaxIf(response_flags, time_ms, kind = 2) AS b_flags,
        argMaxIf(err_code, time_ms, kind = 2) AS b_code
    FROM {requests}
    WHERE {inWindow}
       OR (kind = 2 AND rid IN
              (SELECT rid FROM {requests} WHERE kind = 1 AND time >= ? AND time < ? AND status >= 400))
       OR (kind = 1 AND rid IN
              (SELECT rid FROM {requests} WHERE kind = 2 AND time >= ? AND time < ?))
    GROUP BY rid
)
WHERE a_rows = 0 OR (a_time >= ? AND a_time < ?)`)
}

// windowArgs returns the parameters of requestsSQL.
func windowArgs(from, to time.Time) []any {
	from, to = chstore.QueryTime(from), chstore.QueryTime(to)
	return []any{from, to, from, to, from, to, from, to}
}
