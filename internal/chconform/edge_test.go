//go:build chdb

package chconform

import (
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/errbody"
	"github.com/ratescope/ratescope/internal/loggen"
)

// oddPartner is a partner whose name needs every escape a literal has.
const oddPartner = "o'dd \\ \"partner\"\t\nünï ?"

// edgeIDs are request ids of the edge rows worth looking up one by one.
var edgeIDs = []string{"edge-orphan", "edge-orphan-unknown", "edge-precedence", "edge-disagree", "edge-odd", "edge-late-body", "edge-quota"}

// edgeRows are the cases the demo sample lacks or holds too few of, laid
// around the sample's windows (see runMatrix): orphan error bodies, bodies
// outside the window of their access record, rows at the windows' edges,
// disagreeing copies, every code source, quota and WAF rejections,
// rate-limit headers, field errors, and text that needs escaping.
func edgeRows(m *loggen.Manifest) *chtest.Rows {
	start, end := m.Start.Add(-time.Hour), m.End.Add(time.Hour) // the full window
	mid := m.Start.Add(m.End.Sub(m.Start) / 2).Truncate(time.Second)
	partner := m.PartnerIDs[0]
	at := m.Start.Add(17*time.Minute + 123*time.Millisecond)
	body := func(code string, status uint16) *errbody.Envelope { return chtest.Body("error_object", code, status) }
	access := func(id string, t time.Time, status uint16) chtest.Request {
		return chtest.Request{ID: id, Time: t, Method: "POST", Path: "/v1/edge/" + id, Route: "/v1/edge/{id}", Status: status,
			Partner: partner, ClientIP: "203.0.113.9", Source: "edge.log"}
	}
	separate := func(id string, t time.Time, status uint16, b *errbody.Envelope) chtest.Request {
		return chtest.Request{ID: id, Time: t, Kind: chstore.KindErrorBody, Status: status, Body: b, Source: "edge-errors.log"}
	}
	f := chtest.NewRows()
	f.Add(separate("edge-orphan", at, 0, body("internal", 500)))
	f.Add(chtest.Request{ID: "edge-orphan-unknown", Time: at, Kind: chstore.KindErrorBody, Status: 502, Partner: "edge-orphan-partner",
		Body: &errbody.Envelope{Shape: "unknown", RetryAfter: -1, Raw: "<html>"}, Source: "edge-errors.log"})
	f.Add(separate("edge-orphan-at-mid", mid, 503, body("unavailable", 503)))

	// Own body beats the separately logged one; body code beats gateway type.
	own := access("edge-precedence", at, 429)
	own.ErrorType = "THROTTLED"
	own.Body = body("own_code", 429)
	own.Body.Fields = []errbody.FieldError{{Field: "email", Message: "invalid"}, {Field: "name", Message: "it's required"}}
	f.Add(own).Add(separate("edge-precedence", at.Add(time.Second), 429, body("logged_code", 429)))
	gw := access("edge-gateway", at, 429)
	gw.ErrorType = "THROTTLED"
	f.Add(gw)
	envoy := access("edge-envoy", at, 503)
	envoy.ResponseFlags = "UF,URX"
	f.Add(envoy)

	// Disagreeing copies: the latest row of each kind wins.
	f.Add(access("edge-disagree", at, 500)).Add(access("edge-disagree", at.Add(2*time.Second), 404))

	// Windows' edges: bodies attach across them, access records decide.
	f.Add(access("edge-late-body", end.Add(-10*time.Second), 500)).Add(separate("edge-late-body", end.Add(30*time.Second), 500, body("upstream_timeout", 500)))
	f.Add(access("edge-early", start.Add(-time.Minute), 500)).Add(separate("edge-early", start.Add(5*time.Second), 500, body("late_body", 500)))
	f.Add(access("edge-at-start", start, 400)).Add(access("edge-at-end", end, 400)).Add(access("edge-at-mid", mid, 400))

	// Rate limits: a quota rejection told by a separately logged body, a
	// WAF block, headers.
	f.Add(access("edge-quota", at, 429)).Add(separate("edge-quota", at.Add(time.Second), 429, body("quota_exceeded", 429)))
	waf := access("edge-waf", at, 403)
	waf.ErrorType = "WAF_FILTERED"
	f.Add(waf)
	hdr := access("edge-headers", at, 200)
	hdr.RateLimitLimit, hdr.RateLimitRemaining, hdr.RateLimitReset = chtest.Ptr(int64(1000)), chtest.Ptr(int64(3)), chtest.Ptr(int64(30))
	hdr.LatencyMs, hdr.BytesSent, hdr.RetryAfter = chtest.Ptr(0.1), chtest.Ptr(int64(512)), chtest.Ptr(int32(12))
	f.Add(hdr)

	// Text that needs escaping, as partner, path, route and message; a
	// synthetic id.
	odd := access("edge-odd", at, 422)
	odd.Partner, odd.Path, odd.Route = oddPartner, "/v1/o'dd\\path?q=\"x\"", "/v1/o'dd\\{id}"
	odd.UserAgent, odd.IdempotencyKey = "agent\twith\ttabs", "key'1"
	odd.Body = body("odd'code\\", 422)
	odd.Body.Message = "line one\nline two ✓"
	f.Add(odd)
	syn := access("s-edge-synthetic", at, 500)
	syn.Synthetic = true
	f.Add(syn)
	return f
}
