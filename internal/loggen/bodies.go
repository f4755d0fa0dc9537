package loggen

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/ratescope/ratescope/internal/errbody"
)

// body is an error body as a service sends it, with what ratescope's
// normaliser is expected to make of it.
type body struct {
	shape      string // errbody.Shape*
	code       string // the normalised code; "" when the envelope has no machine code
	status     int    // the status the body claims; 0 when it claims none
	retryAfter int    // seconds the body asks to wait; -1 when none
	fields     int    // field errors it lists
	v          obj
}

// bare reports whether the body carries its own request id, so it can be
// logged as a bare envelope.
func (b *body) bare() bool {
	for _, e := range b.v {
		if e.k == "requestId" {
			return true
		}
	}
	return false
}

// makeBody returns the error body the backend sends for status and code,
// or nil when it sends none (or nothing JSON) for that response.
func makeBody(rnd *rand.Rand, be backend, rt *route, status int, code, reqID string) *body {
	if status < 400 {
		return nil
	}
	switch be {
	case beMovmo:
		return movmoBody(rnd, rt, status)
	case beMoovLogic:
		return moovLogicBody(rnd, code, reqID)
	case beMVMNT:
		return mvmntBody(rnd, code)
	case beSessions:
		return sessionsBody(rnd, code, reqID)
	case beMoonborn:
		return moonbornBody(rnd, code)
	case bePayments:
		return problemBody(rnd, rt, status, code)
	}
	return nil
}

// movmoBody follows seed 000: message always, status_code on flights and
// offers paths but not on profile handlers, details as a string, and the
// ValidationError form with a fields map.
func movmoBody(rnd *rand.Rand, rt *route, status int) *body {
	profile := strings.HasPrefix(rt.tmpl, "/v1/users/")
	b := &body{shape: errbody.ShapeMessageStatus, retryAfter: -1}
	var msg, details string
	var fields obj
	switch status {
	case 400:
		switch {
		case rt.method == "POST" && rt.tmpl == "/v1/bookings":
			msg = "validation failed"
			fields = obj{{"passengers[0].email", "must be a valid email address"}, {"offer_id", "is required"}}
		case rt.tmpl == "/v1/oauth/register":
			msg = "validation failed"
			fields = obj{{"redirect_uris[0]", "must use https"}}
		case profile:
			msg, details = "invalid verification code", "code expired or already used"
		default:
			msg, details = "invalid search", "date must not be in the past"
		}
	case 401:
		msg = "missing or invalid bearer token"
	case 403:
		msg, details = "forbidden", "role partner-readonly may not create bookings"
	case 404:
		if profile {
			msg, details = "contact not found", "no contact of this kind on file for user 00000000-0000-0000-0000-000000000001"
		} else {
			msg, details = "booking not found", fmt.Sprintf("booking %s not found for user 00000000-0000-0000-0000-0000000000%02d", newUUID(rnd), rnd.IntN(100))
		}
	case 409:
		if rt.tmpl == "/v1/oauth/register" {
			msg, details = "client already registered", "a client with this software_id exists"
		} else {
			msg, details = "offer is no longer available", "offer expired before the booking was confirmed"
		}
	case 500:
		msg = "internal server error"
	case 502:
		msg, details = "upstream provider error", "provider returned 503 Service Unavailable"
	default:
		return nil
	}
	b.v = obj{{"message", msg}}
	if !profile && rt.tmpl != "/v1/mcp" {
		b.v = append(b.v, kv{"status_code", status})
		b.status = status
	}
	if details != "" {
		b.v = append(b.v, kv{"details", details})
	}
	if fields != nil {
		b.v = append(b.v, kv{"fields", fields})
		b.fields = len(fields)
	}
	return b
}

var moovLogicMessages = map[string]string{
	"invalid_credentials":       "The API key or secret is incorrect.",
	"token_expired":             "The JWT has expired. Re-authenticate to get a new token.",
	"token_missing":             "The Authorization header is absent from the request.",
	"insufficient_permission":   "Your service account does not have access to this resource or operation.",
	"booking_not_found":         "No booking exists with this tagName, or it belongs to a different account.",
	"service_type_not_found":    "The serviceTypeId does not exist or is not active.",
	"no_pricing_available":      "No active tariff is configured for this route and service type combination.",
	"pickup_in_past":            "The pickupDateTimeUtc is in the past.",
	"invalid_status_transition": "The requested status change is not a valid transition from the current status.",
	"booking_not_cancellable":   "The booking cannot be cancelled at its current status.",
	"validation_error":          "One or more fields failed validation.",
	"rate_limit_exceeded":       "You have exceeded the request rate limit for this endpoint.",
}

// moovLogicBody follows seed 001: {"error": code, "message", "errors"[],
// "requestId"}. Its 500s carry no code, so they get no JSON body here.
func moovLogicBody(rnd *rand.Rand, code, reqID string) *body {
	msg, ok := moovLogicMessages[code]
	if !ok {
		return nil
	}
	b := &body{shape: errbody.ShapeErrorString, code: code, retryAfter: -1}
	b.v = obj{{"error", code}, {"message", msg}}
	if code == "validation_error" {
		errs := arr{obj{{"field", "pickupDateTimeUtc"}, {"message", "Pickup time must be in the future."}}}
		if rnd.IntN(2) == 0 {
			errs = append(errs, obj{{"field", "passengerEmail"}, {"message", "Invalid email address format."}})
		}
		b.v = append(b.v, kv{"errors", errs})
		b.fields = len(errs)
	}
	b.v = append(b.v, kv{"requestId", reqID})
	return b
}

// mvmntBody follows seed 002: {"error": {"code", "message", "details"[]}}.
func mvmntBody(rnd *rand.Rand, code string) *body {
	b := &body{shape: errbody.ShapeErrorObject, code: code, retryAfter: -1}
	var msg string
	var details arr
	switch code {
	case "BAD_REQUEST":
		msg = "Invalid JSON in request body"
	case "UNAUTHORIZED":
		msg = "Invalid or expired access token"
	case "NOT_FOUND":
		msg = "Vendor not found"
	case "DUPLICATE_KEY":
		msg = "A vendor with this key already exists"
		details = arr{obj{{"field", "key"}, {"message", fmt.Sprintf("Key 'ERP-VENDOR-%d' is already in use", 100+rnd.IntN(900))}}}
	case "VALIDATION_ERROR":
		msg = "Validation failed"
		details = arr{obj{{"field", "email"}, {"message", "Invalid email format"}}}
		if rnd.IntN(2) == 0 {
			details = append(details, obj{{"field", "phone"}, {"message", "Phone number is required"}})
		}
	case "RATE_LIMIT_EXCEEDED":
		msg = "Rate limit exceeded. Try again in 30 seconds."
	case "INTERNAL_ERROR":
		msg = "An unexpected error occurred"
	default:
		return nil
	}
	inner := obj{{"code", code}, {"message", msg}}
	if details != nil {
		inner = append(inner, kv{"details", details})
		b.fields = len(details)
	}
	b.v = obj{{"error", inner}}
	return b
}

var sessionsMessages = map[string]string{
	"INVALID_REQUEST":  "Validation failed.",
	"UNAUTHENTICATED":  "Missing or malformed credential.",
	"TOKEN_EXPIRED":    "Access token expired. Refresh and retry.",
	"PREMIUM_REQUIRED": "This endpoint requires a Premium tier key.",
	"FORBIDDEN":        "Credential lacks the members:read scope.",
	"NOT_FOUND":        "Resource not found.",
	"SESSION_FULL":     "Session is at capacity. Try the waitlist endpoint.",
	"ALREADY_BOOKED":   "Member already has an active booking for this session.",
	"RATE_LIMITED":     "Rate limit exceeded for read endpoints. Retry in 42 seconds.",
	"UPSTREAM_TIMEOUT": "Downstream service didn't respond in time.",
}

// sessionsBody follows seed 003: {"success": false, "errorCode", "message",
// "details", "requestId"}; INVALID_REQUEST lists details.fields[], and
// RATE_LIMITED gives details.retryAfter.
func sessionsBody(rnd *rand.Rand, code, reqID string) *body {
	msg, ok := sessionsMessages[code]
	if !ok {
		return nil
	}
	b := &body{shape: errbody.ShapeSuccessErrorCode, code: code, retryAfter: -1}
	b.v = obj{{"success", false}, {"errorCode", code}, {"message", msg}}
	switch code {
	case "INVALID_REQUEST":
		fields := arr{obj{{"path", "email"}, {"message", "must be a valid email"}}}
		if rnd.IntN(2) == 0 {
			fields = append(fields, obj{{"path", "phone"}, {"message", "must include country code"}})
		}
		b.v = append(b.v, kv{"details", obj{{"fields", fields}}})
		b.fields = len(fields)
	case "RATE_LIMITED":
		b.retryAfter = 42
		b.v = append(b.v, kv{"details", obj{{"category", "read"}, {"retryAfter", 42}}})
	}
	b.v = append(b.v, kv{"requestId", reqID})
	return b
}

var moonbornMessages = map[string]string{
	"unauthorized":         "Bearer token missing or expired.",
	"forbidden":            "Token valid, insufficient scope.",
	"not_found":            "Persona not found.",
	"validation_failed":    "tone must be one of: neutral, warm, formal.",
	"idempotency_conflict": "Same idempotency key, different payload.",
	"state_conflict":       "Persona is already deleted.",
	"drift_blocked":        "Drift detection blocked this reply.",
	"audit_blocked":        "Audit verdict below threshold; persona flagged.",
	"moderation_blocked":   "Output failed moderation; reply refused.",
	"rate_limited":         "Per-minute API rate limit exceeded.",
	"quota_exceeded":       "Monthly generation quota exceeded.",
	"provider_error":       "Upstream LLM provider failure.",
	"provider_timeout":     "Upstream LLM provider timed out.",
	"internal_error":       "Unexpected server error.",
}

// moonbornBody follows seed 004: {"error": {"code", "message", "details":
// {…}}}, with details.retryAfter on rate_limited.
func moonbornBody(rnd *rand.Rand, code string) *body {
	msg, ok := moonbornMessages[code]
	if !ok {
		return nil
	}
	b := &body{shape: errbody.ShapeErrorObject, code: code, retryAfter: -1}
	inner := obj{{"code", code}, {"message", msg}}
	switch code {
	case "rate_limited":
		b.retryAfter = []int{12, 12, 30, 60}[rnd.IntN(4)]
		inner = append(inner, kv{"details", obj{{"retryAfter", b.retryAfter}}})
	case "quota_exceeded":
		inner = append(inner, kv{"details", obj{{"quota", "generation"}, {"resetsAt", "2026-12-01T00:00:00Z"}}})
	case "provider_error":
		inner = append(inner, kv{"details", obj{{"provider", "upstream-llm"}, {"upstreamStatus", 529}}})
	}
	b.v = obj{{"error", inner}}
	return b
}

const problemBase = "https://api.example.com/problems/"

var problemTitles = map[string]string{
	"validation-error":  "Your request parameters didn't validate.",
	"duplicate-payment": "A payment with this idempotency key already exists.",
	"payment-declined":  "The card issuer declined the payment.",
	"rate-limited":      "Too many payment attempts.",
	"internal-error":    "Internal server error.",
	"not-found":         "Payment not found.",
}

// problemBody is an RFC 7807 application/problem+json body. Its normalised
// code is the last path segment of "type".
func problemBody(rnd *rand.Rand, rt *route, status int, code string) *body {
	title, ok := problemTitles[code]
	if !ok {
		return nil
	}
	b := &body{shape: errbody.ShapeProblem, code: code, status: status, retryAfter: -1}
	b.v = obj{{"type", problemBase + code}, {"title", title}, {"status", status}}
	switch code {
	case "validation-error":
		params := arr{obj{{"name", "amount"}, {"reason", "must be a positive integer"}}}
		if rnd.IntN(2) == 0 {
			params = append(params, obj{{"name", "currency"}, {"reason", "must be an ISO 4217 code"}})
		}
		b.v = append(b.v, kv{"detail", "The request body has invalid parameters."}, kv{"invalid-params", params})
		b.fields = len(params)
	case "payment-declined":
		b.v = append(b.v, kv{"detail", "Your card was declined: insufficient funds."})
	case "rate-limited":
		b.v = append(b.v, kv{"detail", "No more than 5 payment attempts per minute per card."})
	}
	inst := rt.tmpl
	if rt.tmpl == "/v2/payments/{id}" {
		inst = "/v2/payments/" + newUUID(rnd)
	}
	b.v = append(b.v, kv{"instance", inst})
	return b
}
