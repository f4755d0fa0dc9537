// Package report answers ratescope's report questions — the summary, the
// errors breakdown, retry storms and one request's story — over the
// requests and rejected tables.
//
// The SQL lives in package chquery, which owns every read statement: how a
// request is assembled from its rows (status, partner, route, code
// precedence, body precedence), how copies are folded, and how windows
// are applied. This package says what it wants, reads the rows through a
// chquery.Reader and shapes the results.
//
// # Windows
//
// A request belongs to the window [from, to) when its access record's time
// does (an orphan body: its own time). Error bodies logged outside the window
// still attach to access records inside it, and a body inside the window
// whose access record lies outside it does not count.
package report
