package report

import (
	"fmt"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
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

// insertAttempts stores the attempts through the ingest batch.
func insertAttempts(t testing.TB, db *chstore.DB, as []attempt) {
	t.Helper()
	f := chtest.NewRows()
	for i := range as {
		a := &as[i]
		q := chtest.Request{
			ID: a.id, Time: a.at, Method: a.method, Path: a.route, Route: a.route, Status: a.status,
			Partner: a.partner, ClientIP: a.ip, IdempotencyKey: a.idem, RetryAfter: chtest.Ptr(a.retryAfter),
			ResponseFlags: a.flags, LatencyMs: chtest.Ptr(12.5), BytesSent: chtest.Ptr(int64(321)),
			Source: "access.log", Offset: uint64(i) * 100,
		}
		var env *errbody.Envelope
		if a.body != noBody {
			env = &errbody.Envelope{
				Shape: errbody.ShapeErrorObject, Code: a.code, Message: "failed: " + a.code,
				RetryAfter: a.bodyRetryAfter, Status: a.status, RequestID: a.id,
				Raw: `{"error":{"code":"` + a.code + `"}}`,
			}
		}
		if a.body == separateBody {
			f.Add(q)
			f.Add(chtest.Request{
				ID: a.id, Time: a.at.Add(300 * time.Millisecond), Kind: chstore.KindErrorBody, Status: a.status, Body: env,
				Source: "errors.log", Offset: uint64(i) * 100,
			})
			continue
		}
		q.Body = env
		f.Add(q)
	}
	f.Insert(t, db, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
}
