package report

import (
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
)

// row is one row of the requests table, with only the columns reports read.
type row struct {
	time          time.Time
	requestID     string
	kind          uint8 // 1 access record, 2 error body
	method        string
	route         string
	status        uint16
	partner       string
	errorType     string
	responseFlags string
	errShape      string
	errCode       string
	errStatus     uint16
	source        string
	offset        uint64
}

// request is a fixture request: its rows and the ground truth a report must find for it.
type request struct {
	name string
	rows []row
	// want: whether the request is in the test window, and its status, code,
	// partner and route as the package doc defines them.
	in      bool
	status  uint16
	code    string
	partner string
	route   string
}

// The test window: [winFrom, winTo).
var (
	winFrom = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	winTo   = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
)

func at(hh, mm, ss int) time.Time { return winFrom.Add(time.Duration(hh*3600+mm*60+ss) * time.Second) }

func access(id string, t time.Time, method, route string, status uint16, partner string) row {
	return row{time: t, requestID: id, kind: 1, method: method, route: route, status: status, partner: partner, source: "access.log"}
}

func body(id string, t time.Time, status uint16, shape, code string, claimed uint16) row {
	return row{time: t, requestID: id, kind: 2, status: status, errShape: shape, errCode: code, errStatus: claimed, source: "errors.log"}
}

func withBody(r row, shape, code string, claimed uint16) row {
	r.errShape, r.errCode, r.errStatus = shape, code, claimed
	return r
}

func withGateway(r row, errorType, flags string) row {
	r.errorType, r.responseFlags = errorType, flags
	return r
}

// fixture is the ground truth the integration tests share.
func fixture() []request {
	const bookings, users = "/v1/bookings/{id}", "/v1/users"
	return []request{
		{name: "access then body", rows: []row{
			access("a1", at(10, 0, 0), "POST", bookings, 429, "acme"),
			body("a1", at(10, 0, 1), 429, "error_object", "rate_limit_exceeded", 429),
		}, in: true, status: 429, code: "rate_limit_exceeded", partner: "acme", route: bookings},
		{name: "body then access", rows: []row{
			body("a2", at(11, 0, 1), 400, "error_string", "invalid_request", 0),
			access("a2", at(11, 0, 0), "POST", users, 400, "acme"),
		}, in: true, status: 400, code: "invalid_request", partner: "acme", route: users},
		{name: "access record with its own body", rows: []row{
			withBody(access("a3", at(12, 0, 0), "POST", bookings, 429, "acme"), "problem", "rate_limit_exceeded", 429),
		}, in: true, status: 429, code: "rate_limit_exceeded", partner: "acme", route: bookings},
		{name: "own body wins over a logged one", rows: []row{
			withBody(access("b1", at(12, 30, 0), "PUT", bookings, 409, "initech"), "problem", "out_of_stock", 409),
			body("b1", at(12, 30, 0), 409, "error_object", "conflict", 409),
		}, in: true, status: 409, code: "out_of_stock", partner: "initech", route: bookings},
		{name: "gateway error type", rows: []row{
			withGateway(access("g1", at(13, 0, 0), "GET", users, 429, "globex"), "THROTTLED", ""),
		}, in: true, status: 429, code: "THROTTLED", partner: "globex", route: users},
		{name: "gateway error type again", rows: []row{
			withGateway(access("g2", at(13, 5, 0), "GET", users, 429, "globex"), "THROTTLED", ""),
		}, in: true, status: 429, code: "THROTTLED", partner: "globex", route: users},
		{name: "envoy flags", rows: []row{
			withGateway(access("e1", at(14, 0, 0), "GET", "/api", 503, ""), "", "UF,URX"),
		}, in: true, status: 503, code: "UF,URX", partner: "", route: "/api"},
		{name: "body code beats gateway type", rows: []row{
			withGateway(access("g3", at(14, 10, 0), "GET", users, 429, "globex"), "THROTTLED", ""),
			body("g3", at(14, 10, 0), 429, "message_status", "too_many_requests", 429),
		}, in: true, status: 429, code: "too_many_requests", partner: "globex", route: users},
		{name: "orphan body, status from the body", rows: []row{
			body("o1", at(15, 0, 0), 0, "error_object", "internal", 500),
		}, in: true, status: 500, code: "internal", partner: "", route: ""},
		{name: "orphan body of unknown shape", rows: []row{
			body("o2", at(15, 30, 0), 502, "unknown", "", 0),
		}, in: true, status: 502, code: "", partner: "", route: ""},
		{name: "body after the window attaches", rows: []row{
			access("x1", at(23, 59, 50), "GET", bookings, 500, "globex"),
			body("x1", winTo.Add(30*time.Second), 500, "error_object", "upstream_timeout", 500),
		}, in: true, status: 500, code: "upstream_timeout", partner: "globex", route: bookings},
		{name: "success", rows: []row{
			access("ok1", at(9, 0, 0), "GET", users, 200, "acme"),
		}, in: true, status: 200, partner: "acme", route: users},
		{name: "success, another partner", rows: []row{
			access("ok2", at(9, 1, 0), "GET", users, 204, "hooli"),
		}, in: true, status: 204, partner: "hooli", route: users},
		{name: "at the window's start", rows: []row{
			access("edge1", winFrom, "GET", users, 200, ""),
		}, in: true, status: 200, route: users},
		{name: "at the window's end", rows: []row{
			access("edge2", winTo, "GET", users, 500, "acme"),
		}, in: false},
		{name: "orphan body at the window's end", rows: []row{
			body("o3", winTo, 500, "error_object", "internal", 500),
		}, in: false},
		{name: "orphan body at the window's start", rows: []row{
			body("o4", winFrom, 503, "error_object", "unavailable", 503),
		}, in: true, status: 503, code: "unavailable"},
		{name: "access before the window, body inside", rows: []row{
			access("out1", winFrom.Add(-time.Minute), "GET", users, 500, "acme"),
			body("out1", at(0, 0, 5), 500, "error_object", "late_body", 500),
		}, in: false},
		{name: "before the window", rows: []row{
			access("out2", winFrom.Add(-time.Hour), "GET", users, 404, "acme"),
		}, in: false},
	}
}

// rejectedLine is a row of the rejected table. A line is identified by
// its content and offset, not by the file it was read from.
type rejectedLine struct {
	ingestedAt time.Time
	source     string
	offset     uint64
	raw        string
}

// rejectedFixture holds 3 distinct lines rejected in the window: one
// rejected twice (a file loaded again), one read again from a copy of its
// file under another name, one rejected outside the window.
func rejectedFixture() []rejectedLine {
	return []rejectedLine{
		{at(1, 0, 0), "a.log", 10, "{"},
		{at(2, 0, 0), "a.log", 10, "{"},
		{at(1, 0, 0), "a.log", 20, "{"},
		{at(1, 0, 0), "b.log", 10, "garbage"},
		{at(1, 0, 0), "a.log.1", 10, "{"},
		{winTo.Add(time.Hour), "c.log", 10, "late"},
	}
}

// insertRequests stores every row of reqs through the ingest batch.
func insertRequests(t *testing.T, db *chstore.DB, reqs []request) {
	t.Helper()
	f := chtest.NewRows()
	for _, req := range reqs {
		for _, r := range req.rows {
			f.Add(r.fixture())
		}
	}
	f.Insert(t, db, winTo)
}

// fixture returns r as a chtest row.
func (r row) fixture() chtest.Request {
	q := chtest.Request{
		ID: r.requestID, Time: r.time, Kind: chstore.Kind(r.kind), Method: r.method, Path: r.route, Route: r.route,
		Status: r.status, Partner: r.partner, ErrorType: r.errorType, ResponseFlags: r.responseFlags,
		Source: r.source, Offset: r.offset,
	}
	if r.errShape != "" {
		q.Body = chtest.Body(r.errShape, r.errCode, r.errStatus)
	}
	return q
}

func insertRejected(t *testing.T, db *chstore.DB, lines []rejectedLine) {
	t.Helper()
	f := chtest.NewRows()
	for _, l := range lines {
		f.Reject(chtest.Rejected{Time: l.ingestedAt, Source: l.source, Offset: l.offset, Line: 1, Raw: l.raw})
	}
	f.Insert(t, db, winTo)
}
