package chquery

import (
	"strings"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
)

// The request-assembly rule, written once. A request is one request id.
// Its rows are access records (kind 1) and separately logged error bodies
// (kind 2); copies of either are expected (a file loaded twice). Rows are
// folded per request by rid, the stored 64-bit hash of the request id
// (see the package doc for the dedup strategy), in two layers:
//
// Layer 1 (fold) collects each kind's fields, the latest row by time_ms
// winning where rows of one kind disagree: a_… from the access records,
// a_code/a_err_retry_after from an access record that carried its own
// error body, b_… from the separately logged bodies.
//
// Layer 2 (the rules) reads only layer-1 names, so no expression depends on
// an alias defined beside it (current releases' analyzer and 18.16 agree):
//
//	r_status       the access record's status; for an orphan body the
//	               body line's status, else the status the body claims
//	r_partner, r_route, r_method, r_flags
//	               the access record's, for an orphan body its own row's
//	r_code         the body's code (the access record's own body wins over
//	               a separately logged one), else the gateway error type,
//	               else the Envoy response flags, else ""
//	r_retry_after  the largest of the Retry-After header and the body's
//	               retryAfter (same body precedence), -1 without any
//	r_time_ms      the access record's time_ms
//	r_time         the time the request belongs to a window by: its
//	               access record's, for an orphan body the body's
//	r_error_type   the gateway's error type (access record, else body row)
//	r_latency      the access record's latency
//
// plus rid, request_id, a_rows (0: an orphan body) and a_time.
//
// Most requests have one row (an access record without a body logged
// apart, loaded once): where a whole window is read (assembled with
// split), layer 1 of such a request is its row's fields, read straight
// (foldColumn.expr), and only the requests with several rows are folded.
// The aggregate states of the fold — 27 per request, most of them
// strings — were most of a rollup build's and a report's time:
// 0.54–0.58 s for a day of 400k requests, 0.22–0.29 s split (make bench's
// machine; every request with two rows, as after loading a file twice
// before the copies are merged, 0.74–0.82 s against 1.11–1.17).
var foldColumns = []foldColumn{
	{"request_id", "any", "request_id", ""},
	{"a_rows", "countIf", "", "kind = 1"},
	{"a_time", "argMaxIf", "time", "kind = 1"},
	{"a_time_ms", "maxIf", "time_ms", "kind = 1"},
	{"a_status", "argMaxIf", "status", "kind = 1"},
	{"a_partner", "argMaxIf", "partner", "kind = 1"},
	{"a_route", "argMaxIf", "route", "kind = 1"},
	{"a_method", "argMaxIf", "method", "kind = 1"},
	{"a_error_type", "argMaxIf", "error_type", "kind = 1"},
	{"a_flags", "argMaxIf", "response_flags", "kind = 1"},
	{"a_retry_after", "argMaxIf", "retry_after", "kind = 1"},
	{"a_latency", "argMaxIf", "latency_ms", "kind = 1"},
	{"a_bodies", "countIf", "", "kind = 1 AND err_shape != ''"},
	{"a_code", "argMaxIf", "err_code", "kind = 1 AND err_shape != ''"},
	{"a_err_retry_after", "argMaxIf", "err_retry_after", "kind = 1 AND err_shape != ''"},
	{"b_rows", "countIf", "", "kind = 2"},
	{"b_time", "argMaxIf", "time", "kind = 2"},
	{"b_status", "argMaxIf", "status", "kind = 2"},
	{"b_err_status", "argMaxIf", "err_status", "kind = 2"},
	{"b_partner", "argMaxIf", "partner", "kind = 2"},
	{"b_route", "argMaxIf", "route", "kind = 2"},
	{"b_method", "argMaxIf", "method", "kind = 2"},
	{"b_error_type", "argMaxIf", "error_type", "kind = 2"},
	{"b_flags", "argMaxIf", "response_flags", "kind = 2"},
	{"b_code", "argMaxIf", "err_code", "kind = 2"},
	{"b_err_retry_after", "argMaxIf", "err_retry_after", "kind = 2"},
}

// foldColumn is a column of layer 1: how the fold computes it.
type foldColumn struct {
	name string
	agg  string // any, countIf, maxIf or argMaxIf
	col  string // the column; "" for countIf
	cond string // the rows it reads
}

// expr is c's expression over a request's rows (GROUP BY rid), or over its
// one row (oneRow): the same value, in the same type.
func (c foldColumn) expr(oneRow bool) string {
	switch {
	case c.agg == "any" && oneRow:
		return c.col
	case c.agg == "any":
		return "any(" + c.col + ")"
	case c.agg == "countIf" && oneRow:
		return "toUInt64(" + c.cond + ")"
	case c.agg == "countIf":
		return "countIf(" + c.cond + ")"
	case oneRow: // maxIf, argMaxIf: the row's value, else the type's default
		return "if(" + c.cond + ", " + c.col + ", defaultValueOfArgumentType(" + c.col + "))"
	case c.agg == "maxIf":
		return "maxIf(" + c.col + ", " + c.cond + ")"
	default:
		return "argMaxIf(" + c.col + ", time_ms, " + c.cond + ")"
	}
}

// layer1 selects layer 1 from the requests table: over a request's rows,
// to be grouped by rid (argMaxIf by time_ms picks each kind's latest row,
// and a kind without rows gives its columns' defaults: empty strings,
// zeros), or from a request's one row (oneRow).
func (t Tables) layer1(oneRow bool) string {
	var b strings.Builder
	b.WriteString("\n    SELECT\n        rid")
	for _, c := range foldColumns {
		b.WriteString(",\n        " + c.expr(oneRow) + " AS " + c.name)
	}
	b.WriteString("\n    FROM " + t.Requests())
	return b.String()
}

// accessOr picks the access record's field, else the body row's.
func accessOr(field string) string {
	return "if(a_rows > 0, a_" + field + ", b_" + field + ")"
}

// bodyCode is the error body's code: the access record's own body wins.
const bodyCode = "if(a_bodies > 0, a_code, b_code)"

// codeRule is the code of a request from its body's code, gateway error
// type and Envoy response flags (expressions): the first that is not empty.
func codeRule(bodyCode, errorType, flags string) string {
	return "multiIf(" + bodyCode + " != '', " + bodyCode + ", " + errorType + " != '', " + errorType + ", " + flags + ")"
}

// retryAfterRule is the wait a request's response asked for (layer-1
// names): the larger of the Retry-After header and the error body's
// retryAfter (the access record's own body wins over a separately logged
// one), -1 without either.
const retryAfterRule = "toInt32(greatest(a_retry_after, if(a_bodies > 0, a_err_retry_after, if(b_rows > 0, b_err_retry_after, -1))))"

// rules is layer 2 of the assembly (see foldColumns). The partner is mapped to
// its name (Tables.PartnerOf) once per request, after the fold; the
// logged partner is kept as r_logged_partner (the rollups store it, so a
// later partner map applies to them too).
func (t Tables) rules() string {
	return `
    rid,
    request_id,
    a_rows,
    a_time,
    a_time_ms AS r_time_ms,
    if(a_rows > 0, a_status, if(b_status > 0, b_status, b_err_status)) AS r_status,
    ` + t.PartnerOf(accessOr("partner")) + ` AS r_partner,
    ` + accessOr("partner") + ` AS r_logged_partner,
    ` + accessOr("route") + ` AS r_route,
    ` + accessOr("method") + ` AS r_method,
    ` + accessOr("flags") + ` AS r_flags,
    ` + codeRule(bodyCode, accessOr("error_type"), accessOr("flags")) + ` AS r_code,
    ` + retryAfterRule + ` AS r_retry_after,
    ` + timeRule + ` AS r_time,
    ` + accessOr("error_type") + ` AS r_error_type,
    a_latency AS r_latency`
}

// timeRule is the time a request belongs to a window by (layer-1 names):
// its access record's, for an orphan body the body's.
const timeRule = "if(a_rows > 0, a_time, b_time)"

// assembled appends the subquery of assembled requests (see foldColumns) over the
// rows that where selects, keeping those that having selects (nil: all).
// With split, the requests with several of those rows are folded and the
// others read from their one row (see foldColumns): where is then read
// three times, so split pays where it selects many rows (a window's), not
// a few (one sequence's, the orphan bodies), nor none.
func (t Tables) assembled(b *Builder, where, having *Builder, split bool) *Builder {
	b.SQL("SELECT", t.rules(), "\nFROM\n(", t.layer1(false), "\n    WHERE ")
	if !split {
		b.Append(where).SQL("\n    GROUP BY rid\n)")
	} else {
		var several Builder
		several.SQL("\n        (SELECT rid FROM ", t.Requests(), " WHERE ").Append(where).SQL(" GROUP BY rid HAVING count() > 1)")
		b.SQL("(").Append(where).SQL(")\n      AND rid ", t.In()).Append(&several).
			SQL("\n    GROUP BY rid\n    UNION ALL", t.layer1(true), "\n    WHERE (").Append(where).SQL(")\n      AND rid ", t.NotIn()).Append(&several).SQL("\n)")
	}
	if having != nil {
		b.SQL("\nWHERE ").Append(having)
	}
	return b
}

// window appends "col >= from AND col < to", the bounds clamped to what a
// DateTime parameter can hold (chstore.QueryTime).
func window(b *Builder, col string, from, to time.Time) *Builder {
	return b.SQL(col, " >= ").Arg(chstore.QueryTime(from)).SQL(" AND ", col, " < ").Arg(chstore.QueryTime(to))
}

// requests appends the subquery of the requests in the window [from, to):
// the assembled columns (see foldColumns) of every request whose access record's
// time lies in the window (an orphan body: its own time). Error bodies
// logged outside the window attach to access records inside it; a body
// inside the window whose access record lies outside it does not count.
//
// With errorsOnly, access records with status < 400 are read only where an
// error body in the window needs them (to tell an orphan body from an
// attached one): the result then holds every error request but not every
// other one, so use it only under a filter r_status >= 400.
//
// The minutes of cover are left out of the window (the rollups answer for
// them): the result holds the requests whose time (r_time) lies in the
// window but not in cover. The other rows of those requests are looked
// for on the days of cover.Near only, when known.
func (t Tables) requests(b *Builder, from, to time.Time, errorsOnly bool, cover Cover) *Builder {
	win := func(b *Builder, col string) *Builder {
		return cover.rest(b, col, from, to)
	}
	var where Builder
	where.SQL("(")
	win(&where, "time")
	if errorsOnly {
		where.SQL(" AND (kind = 2 OR status >= 400)")
	}
	where.SQL(")")
	// The first branch reads every row of the window's whole days (but
	// access records below 400 with errorsOnly): the other branches look
	// for the other rows of its requests only on the near days beyond
	// them, and are left out when there are none.
	far := cover.beyond(from, to)
	if !far.NearKnown || len(far.Near) > 0 {
		where.SQL("\n       OR (kind = 2")
		far.near(&where, "time")
		where.SQL(" AND rid ", t.In(), " (SELECT rid FROM ", t.Requests(), " WHERE kind = 1 AND ")
		win(&where, "time")
		where.SQL(" AND status >= 400))")
	}
	access := far
	if errorsOnly {
		access = cover
	}
	if !access.NearKnown || len(access.Near) > 0 {
		where.SQL("\n       OR (kind = 1")
		access.near(&where, "time")
		where.SQL(" AND rid ", t.In(), " (SELECT rid FROM ", t.Requests(), " WHERE kind = 2 AND ")
		win(&where, "time")
		where.SQL("))")
	}
	var having Builder
	having.SQL("(a_rows = 0 OR (")
	window(&having, "a_time", from, to)
	having.SQL("))")
	cover.outside(&having, "r_time")
	// Without a cover the whole window is read from the rows (a rollup
	// build, a report on days not rolled up yet): split. With one, the
	// rows read are the window's edges, too few to pay for reading where
	// three times (+20 ms on a 24 h errors report whose edges hold no row).
	return t.assembled(b, &where, &having, cover.Empty())
}

// RequestList lists the requests of the window [from, to) (see requests),
// one row each: request_id, r_status, r_code, r_partner, r_route.
func (t Tables) RequestList(from, to time.Time, errorsOnly bool) Statement {
	var b Builder
	b.SQL("SELECT request_id, r_status, r_code, r_partner, r_route FROM (")
	t.requests(&b, from, to, errorsOnly, Cover{})
	return b.SQL(")").Statement("requests.list")
}
