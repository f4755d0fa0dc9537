package loggen

import (
	"fmt"
	"math/rand/v2"
)

// backend is the service behind a route; it decides the error envelope.
type backend uint8

const (
	beMovmo     backend = iota // message/status_code/details (seed 000), behind API Gateway
	beMoovLogic                // error string + errors[] + requestId (seed 001), behind nginx
	beMVMNT                    // error object with details[] (seed 002), behind nginx
	beSessions                 // success/errorCode/details/requestId (seed 003), behind the generic gateway
	beMoonborn                 // error object with details.retryAfter (seed 004), behind Envoy
	bePayments                 // RFC 7807 problem+json, behind Envoy
	beWebsite                  // the public website and legacy endpoints, nginx combined
)

// outcome is a weighted response: a status and, for error envelopes with
// machine codes, the code its body carries.
type outcome struct {
	status int
	code   string
	w      int
}

// route is one endpoint of the fictional API.
type route struct {
	be     backend
	method string
	tmpl   string // route template, logged where the format has one
	w      int    // weight among its front's routes
	path   func(r *rand.Rand) string
	outs   []outcome
	anon   bool // called without an API key (bearer-only or public)
	idem   bool // a write that usually carries an Idempotency-Key
}

func (rt *route) pick(r *rand.Rand) outcome {
	total := 0
	for _, o := range rt.outs {
		total += o.w
	}
	n := r.IntN(total)
	for _, o := range rt.outs {
		if n < o.w {
			return o
		}
		n -= o.w
	}
	return rt.outs[len(rt.outs)-1]
}

func pickRoute(routes []route, r *rand.Rand) *route {
	total := 0
	for i := range routes {
		total += routes[i].w
	}
	n := r.IntN(total)
	for i := range routes {
		if n < routes[i].w {
			return &routes[i]
		}
		n -= routes[i].w
	}
	return &routes[len(routes)-1]
}

func fixedPath(p string) func(*rand.Rand) string { return func(*rand.Rand) string { return p } }

func tagName(r *rand.Rand) string {
	b := []byte("BK-")
	for i := 0; i < 6; i++ {
		b = append(b, crockford[r.IntN(len(crockford))])
	}
	return string(b)
}

var airports = []string{"LHR", "JFK", "CDG", "FRA", "AMS", "MAD", "SFO", "NRT", "DXB", "SIN"}

// Movmo's flights and profile API behind AWS API Gateway (apigw files).
var apigwRoutes = []route{
	{be: beMovmo, method: "GET", tmpl: "/v1/bookings/{id}", w: 30,
		path: func(r *rand.Rand) string { return "/v1/bookings/" + newUUID(r) },
		outs: []outcome{{200, "", 940}, {404, "", 35}, {401, "", 8}, {403, "", 7}, {500, "", 5}, {502, "", 5}}},
	{be: beMovmo, method: "POST", tmpl: "/v1/bookings", w: 10, idem: true,
		path: fixedPath("/v1/bookings"),
		outs: []outcome{{201, "", 880}, {400, "", 50}, {409, "", 30}, {502, "", 25}, {500, "", 10}, {403, "", 5}}},
	{be: beMovmo, method: "GET", tmpl: "/v1/offers", w: 25,
		path: func(r *rand.Rand) string {
			a := r.IntN(len(airports))
			b := (a + 1 + r.IntN(len(airports)-1)) % len(airports)
			return fmt.Sprintf("/v1/offers?origin=%s&destination=%s&date=2026-12-%02d&adults=%d", airports[a], airports[b], 1+r.IntN(28), 1+r.IntN(3))
		},
		outs: []outcome{{200, "", 950}, {400, "", 30}, {502, "", 20}}},
	{be: beMovmo, method: "GET", tmpl: "/v1/users/me/contact/{kind}", w: 8,
		path: func(r *rand.Rand) string {
			return "/v1/users/me/contact/" + []string{"email", "phone", "address"}[r.IntN(3)]
		},
		outs: []outcome{{200, "", 950}, {404, "", 50}}},
	{be: beMovmo, method: "POST", tmpl: "/v1/users/me/phone/verify/{step}", w: 4,
		path: func(r *rand.Rand) string { return "/v1/users/me/phone/verify/" + []string{"start", "check"}[r.IntN(2)] },
		outs: []outcome{{200, "", 900}, {400, "", 70}, {401, "", 30}}},
	{be: beMovmo, method: "POST", tmpl: "/v1/oauth/register", w: 2, anon: true,
		path: fixedPath("/v1/oauth/register"),
		outs: []outcome{{201, "", 900}, {400, "", 60}, {409, "", 40}}},
	{be: beMovmo, method: "POST", tmpl: "/v1/mcp", w: 6, anon: true,
		path: fixedPath("/v1/mcp"),
		outs: []outcome{{200, "", 970}, {401, "", 30}}},
}

// MoovLogic's transfer bookings and MVMNT's vendors behind nginx with a JSON
// log_format (nginx-json.log).
var nginxJSONRoutes = []route{
	{be: beMoovLogic, method: "POST", tmpl: "/api/v1/auth/token", w: 3,
		path: fixedPath("/api/v1/auth/token"),
		outs: []outcome{{200, "", 940}, {401, "invalid_credentials", 50}, {400, "validation_error", 10}}},
	{be: beMoovLogic, method: "GET", tmpl: "/api/v1/bookings/{tagName}", w: 30,
		path: func(r *rand.Rand) string { return "/api/v1/bookings/" + tagName(r) },
		outs: []outcome{{200, "", 920}, {404, "booking_not_found", 50}, {401, "token_expired", 15}, {401, "token_missing", 5}, {403, "insufficient_permission", 10}}},
	{be: beMoovLogic, method: "POST", tmpl: "/api/v1/bookings", w: 15, idem: true,
		path: fixedPath("/api/v1/bookings"),
		outs: []outcome{{201, "", 850}, {400, "validation_error", 50}, {422, "pickup_in_past", 30}, {422, "no_pricing_available", 20}, {404, "service_type_not_found", 20}, {500, "", 15}}},
	{be: beMoovLogic, method: "POST", tmpl: "/api/v1/bookings/{tagName}/cancel", w: 5,
		path: func(r *rand.Rand) string { return "/api/v1/bookings/" + tagName(r) + "/cancel" },
		outs: []outcome{{200, "", 900}, {422, "booking_not_cancellable", 60}, {422, "invalid_status_transition", 40}}},
	{be: beMoovLogic, method: "GET", tmpl: "/api/v1/service-types", w: 7,
		path: fixedPath("/api/v1/service-types"),
		outs: []outcome{{200, "", 1000}}},
	{be: beMVMNT, method: "GET", tmpl: "/v1/vendors/{id}", w: 15,
		path: func(r *rand.Rand) string { return "/v1/vendors/" + newUUID(r) },
		outs: []outcome{{200, "", 940}, {404, "NOT_FOUND", 45}, {401, "UNAUTHORIZED", 15}}},
	{be: beMVMNT, method: "POST", tmpl: "/v1/vendors", w: 6, idem: true,
		path: fixedPath("/v1/vendors"),
		outs: []outcome{{201, "", 860}, {400, "BAD_REQUEST", 40}, {409, "DUPLICATE_KEY", 40}, {422, "VALIDATION_ERROR", 50}, {500, "INTERNAL_ERROR", 10}}},
	{be: beMVMNT, method: "PATCH", tmpl: "/v1/vendors/{id}", w: 5, idem: true,
		path: func(r *rand.Rand) string { return "/v1/vendors/" + newUUID(r) },
		outs: []outcome{{200, "", 930}, {422, "VALIDATION_ERROR", 50}, {404, "NOT_FOUND", 20}}},
	{be: beMVMNT, method: "DELETE", tmpl: "/v1/vendors/{id}", w: 2,
		path: func(r *rand.Rand) string { return "/v1/vendors/" + newUUID(r) },
		outs: []outcome{{204, "", 950}, {404, "NOT_FOUND", 50}}},
	{be: beMVMNT, method: "POST", tmpl: "/v1/vendors/filter", w: 12,
		path: fixedPath("/v1/vendors/filter"),
		outs: []outcome{{200, "", 970}, {503, "", 20}, {500, "INTERNAL_ERROR", 10}}},
}

// Moonborn's personas and a payments service speaking problem+json, behind
// Envoy (envoy.log).
var envoyRoutes = []route{
	{be: beMoonborn, method: "POST", tmpl: "/v1/personas/{id}/replies", w: 25,
		path: func(r *rand.Rand) string { return "/v1/personas/" + newUUID(r) + "/replies" },
		outs: []outcome{{200, "", 900}, {422, "validation_failed", 25}, {422, "moderation_blocked", 10}, {409, "drift_blocked", 10}, {409, "audit_blocked", 5},
			{429, "rate_limited", 10}, {429, "quota_exceeded", 3}, {502, "provider_error", 20}, {504, "provider_timeout", 12}, {500, "internal_error", 5}}},
	{be: beMoonborn, method: "GET", tmpl: "/v1/personas/{id}", w: 25,
		path: func(r *rand.Rand) string { return "/v1/personas/" + newUUID(r) },
		outs: []outcome{{200, "", 950}, {404, "not_found", 30}, {401, "unauthorized", 10}, {403, "forbidden", 10}}},
	{be: beMoonborn, method: "POST", tmpl: "/v1/personas", w: 5, idem: true,
		path: fixedPath("/v1/personas"),
		outs: []outcome{{201, "", 900}, {409, "idempotency_conflict", 40}, {422, "validation_failed", 60}}},
	{be: beMoonborn, method: "DELETE", tmpl: "/v1/personas/{id}", w: 2,
		path: func(r *rand.Rand) string { return "/v1/personas/" + newUUID(r) },
		outs: []outcome{{204, "", 900}, {409, "state_conflict", 100}}},
	{be: beMoonborn, method: "GET", tmpl: "/v1/audit/events", w: 5,
		path: func(r *rand.Rand) string { return fmt.Sprintf("/v1/audit/events?limit=50&page=%d", 1+r.IntN(5)) },
		outs: []outcome{{200, "", 980}, {500, "internal_error", 20}}},
	{be: bePayments, method: "POST", tmpl: "/v2/payments", w: 8, idem: true,
		path: fixedPath("/v2/payments"),
		outs: []outcome{{201, "", 880}, {400, "validation-error", 40}, {409, "duplicate-payment", 20}, {422, "payment-declined", 40}, {429, "rate-limited", 10}, {500, "internal-error", 10}}},
	{be: bePayments, method: "GET", tmpl: "/v2/payments/{id}", w: 8,
		path: func(r *rand.Rand) string { return "/v2/payments/" + newUUID(r) },
		outs: []outcome{{200, "", 960}, {404, "not-found", 40}}},
}

// The classes-and-sessions API behind a generic JSON-logging gateway
// (gateway.jsonl).
var jsonlRoutes = []route{
	{be: beSessions, method: "GET", tmpl: "/v1/sessions/{sessionId}", w: 25,
		path: func(r *rand.Rand) string { return fmt.Sprintf("/v1/sessions/%d", 1000+r.IntN(9000)) },
		outs: []outcome{{200, "", 950}, {404, "NOT_FOUND", 30}, {401, "UNAUTHENTICATED", 10}, {401, "TOKEN_EXPIRED", 10}}},
	{be: beSessions, method: "POST", tmpl: "/v1/sessions/{sessionId}/bookings", w: 15, idem: true,
		path: func(r *rand.Rand) string { return fmt.Sprintf("/v1/sessions/%d/bookings", 1000+r.IntN(9000)) },
		outs: []outcome{{201, "", 850}, {409, "SESSION_FULL", 50}, {409, "ALREADY_BOOKED", 30}, {400, "INVALID_REQUEST", 30}, {403, "PREMIUM_REQUIRED", 20}, {504, "UPSTREAM_TIMEOUT", 20}}},
	{be: beSessions, method: "GET", tmpl: "/v1/members/{memberId}", w: 15,
		path: func(r *rand.Rand) string { return fmt.Sprintf("/v1/members/%d", 100000+r.IntN(900000)) },
		outs: []outcome{{200, "", 940}, {403, "FORBIDDEN", 30}, {403, "PREMIUM_REQUIRED", 10}, {404, "NOT_FOUND", 20}}},
	{be: beSessions, method: "PATCH", tmpl: "/v1/members/{memberId}", w: 5, idem: true,
		path: func(r *rand.Rand) string { return fmt.Sprintf("/v1/members/%d", 100000+r.IntN(900000)) },
		outs: []outcome{{200, "", 920}, {400, "INVALID_REQUEST", 80}}},
	{be: beSessions, method: "GET", tmpl: "/v1/classes", w: 20,
		path: func(r *rand.Rand) string {
			return fmt.Sprintf("/v1/classes?category=%s&page=%d", []string{"yoga", "spin", "pilates", "boxing"}[r.IntN(4)], 1+r.IntN(4))
		},
		outs: []outcome{{200, "", 1000}}},
	{be: beSessions, method: "DELETE", tmpl: "/v1/sessions/{sessionId}/bookings/{bookingId}", w: 3,
		path: func(r *rand.Rand) string {
			return fmt.Sprintf("/v1/sessions/%d/bookings/%d", 1000+r.IntN(9000), 500000+r.IntN(500000))
		},
		outs: []outcome{{204, "", 950}, {404, "NOT_FOUND", 50}}},
}

// The public website and a legacy endpoint, nginx combined (nginx.log).
// Health checks come from their own source (see healthChecks).
var nginxRoutes = []route{
	{be: beWebsite, method: "GET", tmpl: "/", w: 20, path: fixedPath("/"),
		outs: []outcome{{200, "", 900}, {304, "", 100}}},
	{be: beWebsite, method: "GET", tmpl: "/static/js/{asset}", w: 30,
		path: func(r *rand.Rand) string {
			return fmt.Sprintf("/static/js/%s.%08x.js", []string{"app", "vendor", "runtime"}[r.IntN(3)], r.Uint32()&0xffff0000)
		},
		outs: []outcome{{200, "", 700}, {304, "", 300}}},
	{be: beWebsite, method: "GET", tmpl: "/v1/status", w: 10, path: fixedPath("/v1/status"),
		outs: []outcome{{200, "", 980}, {499, "", 20}}},
	{be: beWebsite, method: "POST", tmpl: "/contact", w: 3, path: fixedPath("/contact"),
		outs: []outcome{{303, "", 900}, {400, "", 60}, {413, "", 40}}},
	{be: beWebsite, method: "GET", tmpl: "/scan", w: 5,
		path: func(r *rand.Rand) string {
			return scanPaths[r.IntN(len(scanPaths))]
		},
		outs: []outcome{{404, "", 950}, {403, "", 50}}},
	{be: beWebsite, method: "GET", tmpl: "/v0/bookings", w: 4,
		path: func(r *rand.Rand) string { return fmt.Sprintf("/v0/bookings?id=%d", 40000+r.IntN(20000)) },
		outs: []outcome{{200, "", 900}, {401, "", 50}, {502, "", 30}, {504, "", 20}}},
}
