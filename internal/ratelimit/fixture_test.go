package ratelimit

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chstore"
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
	b := chstore.NewRequestBatch(len(rows))
	var r accesslog.Record
	for _, f := range rows {
		r.Reset()
		r.TimeMs = f.at.UnixMilli()
		r.RequestID = []byte(f.id)
		r.Partner = []byte(f.partner)
		r.ClientIP = []byte(f.ip)
		r.Method = []byte(f.method)
		r.Path = []byte(f.path)
		r.Status = f.status
		r.ErrorType = []byte(f.errorType)
		if f.hasHeaders {
			r.RateLimitLimit, r.RateLimitRemaining = f.rlLimit, f.rlRemaining
		}
		kind := chstore.KindAccess
		var env *errbody.Envelope
		if f.body {
			kind = chstore.KindErrorBody
			env = &errbody.Envelope{Shape: errbody.ShapeErrorObject, Code: f.errCode, Status: f.status, RetryAfter: -1}
		} else if f.errCode != "" {
			env = &errbody.Envelope{Shape: errbody.ShapeErrorObject, Code: f.errCode, Status: f.status, RetryAfter: -1}
		}
		b.Append(&r, kind, env, chstore.Meta{Source: "fixture.log", Format: "jsonl"})
	}
	if err := db.InsertRequests(context.Background(), b, time.Now()); err != nil {
		t.Fatal(err)
	}
}
