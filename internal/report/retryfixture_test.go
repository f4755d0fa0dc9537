package report

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/errbody"
)

// attempt is one request of a retry scenario: its access record, and its
// error body when it has one (inline in the access record, or logged
// separately a moment later).
type attempt struct {
	id                               string
	at                               time.Time
	partner, ip, method, route, idem string
	status                           uint16
	flags                            string
	retryAfter                       int32 // Retry-After header; -1 none
	code                             string
	bodyRetryAfter                   int32 // the body's retryAfter; -1 none
	body                             bodyPlace
}

// bodyPlace says where an attempt's error body is logged.
type bodyPlace uint8

const (
	noBody bodyPlace = iota
	inlineBody
	separateBody
)

// client is who sends a scenario's requests.
type client struct {
	partner, ip, method, route, idem string
}

// chain returns the attempts of client starting at start, the i-th after
// gaps[i-1], with statuses[i] (the last status repeats) and ids prefix-0,
// prefix-1, …
func (c client) chain(prefix string, start time.Time, gaps []time.Duration, statuses ...uint16) []attempt {
	out := make([]attempt, len(gaps)+1)
	at := start
	for i := range out {
		if i > 0 {
			at = at.Add(gaps[i-1])
		}
		out[i] = attempt{
			id: fmt.Sprintf("%s-%d", prefix, i), at: at,
			partner: c.partner, ip: c.ip, method: c.method, route: c.route, idem: c.idem,
			status: statuses[min(i, len(statuses)-1)], retryAfter: -1, bodyRetryAfter: -1,
		}
	}
	return out
}

// withRetryAfter sets the Retry-After header of every failed attempt.
func withRetryAfter(as []attempt, seconds int32) []attempt {
	for i := range as {
		if as[i].status >= 400 {
			as[i].retryAfter = seconds
		}
	}
	return as
}

// withErrorBody gives every failed attempt an error body with code and retryAfter
// (-1: none), logged at place.
func withErrorBody(as []attempt, place bodyPlace, code string, retryAfter int32) []attempt {
	for i := range as {
		if as[i].status >= 400 {
			as[i].body, as[i].code, as[i].bodyRetryAfter = place, code, retryAfter
		}
	}
	return as
}

// gapsOf returns n copies of d.
func gapsOf(n int, d time.Duration) []time.Duration {
	g := make([]time.Duration, n)
	for i := range g {
		g[i] = d
	}
	return g
}

func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

// insertAttempts stores the attempts through a chstore.RequestBatch, as
// ingest would.
func insertAttempts(t testing.TB, db *chstore.DB, as []attempt) {
	t.Helper()
	b := chstore.NewRequestBatch(len(as))
	var r accesslog.Record
	for i := range as {
		a := &as[i]
		r.Reset()
		r.TimeMs = a.at.UnixMilli()
		r.RequestID = []byte(a.id)
		r.Method, r.Path, r.Route = []byte(a.method), []byte(a.route), []byte(a.route)
		r.Status = a.status
		r.Partner, r.ClientIP = []byte(a.partner), []byte(a.ip)
		r.IdempotencyKey = []byte(a.idem)
		r.RetryAfter = a.retryAfter
		r.ResponseFlags = []byte(a.flags)
		r.LatencyMs, r.BytesSent = 12.5, 321
		var env *errbody.Envelope
		if a.body != noBody {
			env = &errbody.Envelope{
				Shape: errbody.ShapeErrorObject, Code: a.code, Message: "failed: " + a.code,
				RetryAfter: a.bodyRetryAfter, Status: a.status, RequestID: a.id,
				Raw: `{"error":{"code":"` + a.code + `"}}`,
			}
		}
		meta := chstore.Meta{Source: "access.log", Offset: uint64(i) * 100, Format: "jsonl"}
		if a.body == separateBody {
			b.Append(&r, chstore.KindAccess, nil, meta)
			var br accesslog.Record
			br.Reset()
			br.TimeMs = a.at.Add(300 * time.Millisecond).UnixMilli()
			br.RequestID = []byte(a.id)
			br.Status = a.status
			b.Append(&br, chstore.KindErrorBody, env, chstore.Meta{Source: "errors.log", Offset: uint64(i) * 100, Format: "jsonl"})
			continue
		}
		b.Append(&r, chstore.KindAccess, env, meta)
	}
	if err := db.InsertRequests(context.Background(), b, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
}
