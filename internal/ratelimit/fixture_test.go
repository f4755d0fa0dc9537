package ratelimit

import (
	"fmt"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/errbody"
)

// fx is one row of the requests table as the scenario tests write it.
type fx struct {
	at                   time.Time
	id                   string
	body                 bool // a separately logged error body (kind 2)
	partner, ip          string
	method, path         string
	status               uint16
	errorType, errCode   string
	rlLimit, rlRemaining int64
	hasHeaders           bool
}

// gen hands out request ids and builds fixture rows.
type gen struct {
	n    int
	rows []fx
}

// add appends a request at t and returns its index in g.rows.
func (g *gen) add(t time.Time, partner, ip, method, path string, status uint16) *fx {
	g.n++
	g.rows = append(g.rows, fx{at: t, id: fmt.Sprintf("r%06d", g.n), partner: partner, ip: ip, method: method, path: path, status: status})
	return &g.rows[len(g.rows)-1]
}

// steady adds perSec requests in each of secs seconds from start.
func (g *gen) steady(start time.Time, secs, perSec int, partner, method, path string) {
	for s := range secs {
		for i := range perSec {
			// Spread within the second; the report counts per second.
			at := start.Add(time.Duration(s)*time.Second + time.Duration(i)*time.Second/time.Duration(perSec+1))
			g.add(at, partner, "", method, path, 200)
		}
	}
}

// insert writes rows through the ingest batch path.
func insert(t *testing.T, db *chstore.DB, rows []fx) {
	t.Helper()
	f := chtest.NewRows()
	for _, r := range rows {
		q := chtest.Request{
			ID: r.id, Time: r.at, Partner: r.partner, ClientIP: r.ip, Method: r.method, Path: r.path,
			Status: r.status, ErrorType: r.errorType,
		}
		if r.hasHeaders {
			q.RateLimitLimit, q.RateLimitRemaining = chtest.Ptr(r.rlLimit), chtest.Ptr(r.rlRemaining)
		}
		if r.body {
			q.Kind = chstore.KindErrorBody
		}
		if r.body || r.errCode != "" {
			q.Body = chtest.Body(errbody.ShapeErrorObject, r.errCode, r.status)
		}
		f.Add(q)
	}
	f.Insert(t, db, time.Now())
}
