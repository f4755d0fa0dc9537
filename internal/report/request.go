package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/retry"
)

// ErrUnknownRequest is returned by LookupRequest for a request id no row
// carries.
var ErrUnknownRequest = errors.New("unknown request id")

// MilliTime is a time that JSON encodes as RFC 3339 in UTC with
// milliseconds ("2026-03-01T10:00:00.123Z").
type MilliTime struct{ time.Time }

// MarshalJSON encodes t as documented on MilliTime.
func (t MilliTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(retry.TimeFormat) + `"`), nil
}

// RequestDetail is one request: its access record, its error body and the
// attempts of the logical request it belongs to. Its JSON encoding is the
// stable `report request --format json` contract: an object with
//
//	request     the access record (AccessRecord), or null when only an
//	            error body was logged for the id
//	error_body  the normalised error body (ErrorBody), or null
//	attempts    every attempt of the logical request, in time order, this
//	            request included ("this": true); just this request when it
//	            neither retries nor is retried; [] without an access record
//	violations  the retry rules the logical request breaks (names as in
//	            retry-storms, sorted; [] when none)
type RequestDetail struct {
	Request    *AccessRecord     `json:"request"`
	ErrorBody  *ErrorBody        `json:"error_body"`
	Attempts   []RequestAttempt  `json:"attempts"`
	Violations []retry.Violation `json:"violations"`
}

// AccessRecord is a request's access-log record. Absent numbers are null
// in JSON (nil here).
type AccessRecord struct {
	RequestID          string    `json:"request_id"`
	SyntheticID        bool      `json:"synthetic_id"` // the id was derived by ratescope, not logged
	Time               MilliTime `json:"time"`
	Method             string    `json:"method"`
	Path               string    `json:"path"` // as logged, credentials redacted
	Route              string    `json:"route"`
	Status             uint16    `json:"status"` // 0: no HTTP status (a network-level failure)
	Partner            string    `json:"partner"`
	ClientIP           string    `json:"client_ip"`
	LatencyMs          *float64  `json:"latency_ms"`
	BytesSent          *int64    `json:"bytes_sent"`
	UserAgent          string    `json:"user_agent"`
	IdempotencyKey     string    `json:"idempotency_key"`
	RetryAfter         *int32    `json:"retry_after"` // the Retry-After header, seconds
	RateLimitLimit     *int64    `json:"ratelimit_limit"`
	RateLimitRemaining *int64    `json:"ratelimit_remaining"`
	RateLimitReset     *int64    `json:"ratelimit_reset"`
	ErrorType          string    `json:"error_type"`     // gateway error type: THROTTLED, WAF_FILTERED, …
	ResponseFlags      string    `json:"response_flags"` // Envoy's, e.g. "UF,URX"
	Format             string    `json:"format"`         // the log format the line was read as
	Source             string    `json:"source"`         // the file it was read from
	Offset             uint64    `json:"offset"`         // the line's byte offset in Source
}

// ErrorBody is a request's normalised error body.
type ErrorBody struct {
	Shape         string       `json:"shape"` // the envelope family (errbody.Shape*)
	Code          string       `json:"code"`  // "" when the body has none
	Message       string       `json:"message"`
	Details       string       `json:"details"`
	Fields        []FieldError `json:"fields"`         // field errors; [] when none
	RetryAfter    *int32       `json:"retry_after"`    // seconds the body asks to wait
	ClaimedStatus *uint16      `json:"claimed_status"` // the status the body claims
	Raw           string       `json:"raw"`            // the body as JSON text
	// Separate says whether the body was logged apart from the access
	// record (an error-log line or a bare envelope).
	Separate bool   `json:"separate"`
	Source   string `json:"source"` // the file it was read from
}

// FieldError is one field-level validation error of an error body.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// RequestAttempt is one attempt of a logical request.
type RequestAttempt struct {
	Time      MilliTime `json:"time"`
	RequestID string    `json:"request_id"`
	Status    uint16    `json:"status"`
	Code      string    `json:"code"`   // as the errors report defines it
	GapMs     *int64    `json:"gap_ms"` // since the previous attempt; null for the first
	// RetryAfter is the wait the response asked for, seconds (header or
	// body, the larger); null when none.
	RetryAfter *int32 `json:"retry_after"`
	This       bool   `json:"this"` // the request asked about
}

// LookupRequest returns the request with id and the logical request it
// belongs to; ErrUnknownRequest (wrapped) when no row has the id. It
// assumes the schema is current (chstore.DB.CheckSchema).
//
// Where rows of the id disagree, the latest of each kind by time_ms is
// taken, as every report does. The logical request is looked for around
// the request, in a span that widens (10 min, 80 min, ~11 h, ~3.5 days on
// each side) while the chain of retries reaches the span's edge.
func LookupRequest(ctx context.Context, rd *chquery.Reader, id string) (RequestDetail, error) {
	d := RequestDetail{Attempts: []RequestAttempt{}, Violations: []retry.Violation{}}
	found, err := lookupRows(ctx, rd, id, &d)
	if err != nil {
		return RequestDetail{}, fmt.Errorf("look up request %q: %w", id, err)
	}
	if !found {
		return RequestDetail{}, fmt.Errorf("request %q: %w", id, ErrUnknownRequest)
	}
	if d.Request == nil {
		return d, nil
	}
	if err := lookupAttempts(ctx, rd, &d); err != nil {
		return RequestDetail{}, fmt.Errorf("look up the attempts of request %q: %w", id, err)
	}
	return d, nil
}

// requestRow is one row of the requests table, as LookupRequest reads it.
type requestRow struct {
	kind                                      uint8
	hasBody                                   uint8
	timeMs                                    int64
	method, path, route                       string
	status                                    uint16
	partner, clientIP                         string
	latencyMs                                 float32
	bytesSent                                 int64
	userAgent, idempotencyKey                 string
	retryAfter                                int32
	rlLimit, rlRemaining, rlReset             int64
	errorType, responseFlags                  string
	errShape, errCode, errMessage, errDetails string
	errFieldNames, errFieldMessages           []string
	errRetryAfter                             int32
	errStatus                                 uint16
	errRaw                                    string
	synthetic                                 uint8
	format, source                            string
	offset                                    uint64
}

// lookupRows fills d.Request and d.ErrorBody from the rows of id and
// reports whether there are any.
func lookupRows(ctx context.Context, rd *chquery.Reader, id string, d *RequestDetail) (bool, error) {
	rows, err := rd.Query(ctx, rd.Tables().RequestRows(id))
	if err != nil {
		return false, err
	}
	defer rows.Close()
	var access, accessBody, separate *requestRow
	n := 0
	for rows.Next() {
		r := new(requestRow)
		if err := rows.Scan(&r.kind, &r.hasBody, &r.timeMs, &r.method, &r.path, &r.route, &r.status, &r.partner,
			&r.clientIP, &r.latencyMs, &r.bytesSent, &r.userAgent, &r.idempotencyKey, &r.retryAfter, &r.rlLimit,
			&r.rlRemaining, &r.rlReset, &r.errorType, &r.responseFlags, &r.errShape, &r.errCode, &r.errMessage,
			&r.errDetails, &r.errFieldNames, &r.errFieldMessages, &r.errRetryAfter, &r.errStatus, &r.errRaw,
			&r.synthetic, &r.format, &r.source, &r.offset); err != nil {
			return false, err
		}
		n++
		switch {
		case r.kind == uint8(chstore.KindAccess):
			if access == nil || r.timeMs > access.timeMs {
				access = r
			}
			if r.hasBody == 1 {
				accessBody = r
			}
		case r.kind == uint8(chstore.KindErrorBody):
			if separate == nil || r.timeMs > separate.timeMs {
				separate = r
			}
		}
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	if access != nil {
		d.Request = access.accessRecord(id)
	}
	switch {
	case accessBody != nil:
		d.ErrorBody = accessBody.errorBody(false)
	case separate != nil:
		d.ErrorBody = separate.errorBody(true)
	}
	return n > 0, nil
}

// accessRecord returns r as an access record of id.
func (r *requestRow) accessRecord(id string) *AccessRecord {
	a := &AccessRecord{
		RequestID:          id,
		SyntheticID:        r.synthetic != 0,
		Time:               MilliTime{time.UnixMilli(r.timeMs).UTC()},
		Method:             r.method,
		Path:               r.path,
		Route:              r.route,
		Status:             r.status,
		Partner:            r.partner,
		ClientIP:           r.clientIP,
		BytesSent:          nonNegative(r.bytesSent),
		UserAgent:          r.userAgent,
		IdempotencyKey:     r.idempotencyKey,
		RetryAfter:         nonNegative(r.retryAfter),
		RateLimitLimit:     nonNegative(r.rlLimit),
		RateLimitRemaining: nonNegative(r.rlRemaining),
		RateLimitReset:     nonNegative(r.rlReset),
		ErrorType:          r.errorType,
		ResponseFlags:      r.responseFlags,
		Format:             r.format,
		Source:             r.source,
		Offset:             r.offset,
	}
	if r.latencyMs >= 0 {
		// Float32 as stored; rounded to microseconds so 0.1 stays 0.1.
		ms := math.Round(float64(r.latencyMs)*1000) / 1000
		a.LatencyMs = &ms
	}
	return a
}

// errorBody returns r's error body.
func (r *requestRow) errorBody(separate bool) *ErrorBody {
	b := &ErrorBody{
		Shape:      r.errShape,
		Code:       r.errCode,
		Message:    r.errMessage,
		Details:    r.errDetails,
		Fields:     make([]FieldError, 0, len(r.errFieldNames)),
		RetryAfter: nonNegative(r.errRetryAfter),
		Raw:        r.errRaw,
		Separate:   separate,
		Source:     r.source,
	}
	for i, f := range r.errFieldNames {
		fe := FieldError{Field: f}
		if i < len(r.errFieldMessages) {
			fe.Message = r.errFieldMessages[i]
		}
		b.Fields = append(b.Fields, fe)
	}
	if r.errStatus != 0 {
		s := r.errStatus
		b.ClaimedStatus = &s
	}
	return b
}

// nonNegative returns &v, or nil for a negative v (absent).
func nonNegative[T int32 | int64](v T) *T {
	if v < 0 {
		return nil
	}
	return &v
}

// The spans, on each side of the request, in which its logical request is
// looked for: each next one when the chain reaches the edge of the last.
var attemptSpans = [...]time.Duration{10 * time.Minute, 80 * time.Minute, 640 * time.Minute, 5120 * time.Minute}

// lookupAttempts fills d.Attempts and d.Violations from the sequence of
// d.Request.
func lookupAttempts(ctx context.Context, rd *chquery.Reader, d *RequestDetail) error {
	r := d.Request
	key := retry.Key{Partner: r.Partner, ClientIP: r.ClientIP, Method: r.Method, Route: r.Route, IdempotencyKey: r.IdempotencyKey}
	var (
		as    []retry.Attempt
		codes []string
		i     int
	)
	for _, span := range attemptSpans {
		from, to := r.Time.Add(-span).Truncate(time.Second), r.Time.Add(span+time.Second).Truncate(time.Second)
		var err error
		as, codes, err = sequenceAttempts(ctx, rd, &key, from, to)
		if err != nil {
			return err
		}
		i = -1
		for j := range as {
			if as[j].RequestID == r.RequestID {
				i = j
				break
			}
		}
		if i < 0 {
			// The request's fields changed between its rows and the rows
			// that match them are not its latest: show it alone.
			as = []retry.Attempt{{TimeMs: r.Time.UnixMilli(), RequestID: r.RequestID, Status: r.Status, Flags: r.ResponseFlags}}
			codes, i = []string{""}, 0
			break
		}
		lo, hi := retry.LogicalRequest(as, i)
		early := lo == 0 && as[0].TimeMs-from.UnixMilli() <= int64(retry.RetryWindow/time.Millisecond)
		late := hi == len(as) && as[hi-1].Failed() && to.UnixMilli()-as[hi-1].TimeMs <= int64(retry.RetryWindow/time.Millisecond)
		if !early && !late {
			break
		}
	}
	lo, hi := retry.LogicalRequest(as, i)
	for j := lo; j < hi; j++ {
		a := &as[j]
		at := RequestAttempt{
			Time:      MilliTime{time.UnixMilli(a.TimeMs).UTC()},
			RequestID: a.RequestID,
			Status:    a.Status,
			Code:      codes[j],
			This:      j == i,
		}
		if j > lo {
			gap := a.TimeMs - as[j-1].TimeMs
			at.GapMs = &gap
		}
		if a.RetryAfter > 0 {
			ra := a.RetryAfter
			at.RetryAfter = &ra
		}
		d.Attempts = append(d.Attempts, at)
	}
	d.Violations = retry.Violations(&key, as[lo:hi])
	return nil
}

// sequenceAttempts returns the requests of the sequence k whose access
// records lie in [from, to), in time order, each with its code (as the
// errors report defines it).
func sequenceAttempts(ctx context.Context, rd *chquery.Reader, k *retry.Key, from, to time.Time) ([]retry.Attempt, []string, error) {
	seq := chquery.Sequence{Partner: k.Partner, ClientIP: k.ClientIP, Method: k.Method, Route: k.Route, IdempotencyKey: k.IdempotencyKey}
	rows, err := rd.Query(ctx, rd.Tables().SequenceAttempts(&seq, from, to))
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var (
		as    []retry.Attempt
		codes []string
	)
	for rows.Next() {
		var (
			a    retry.Attempt
			code string
		)
		if err := rows.Scan(&a.RequestID, &a.TimeMs, &a.Status, &a.Flags, &a.RetryAfter, &code); err != nil {
			return nil, nil, err
		}
		as = append(as, a)
		codes = append(codes, code)
	}
	return as, codes, rows.Err()
}

// FieldsText returns the field errors as "field: message; …", for tables.
func (b *ErrorBody) FieldsText() string {
	var buf bytes.Buffer
	for i, f := range b.Fields {
		if i > 0 {
			buf.WriteString("; ")
		}
		buf.WriteString(f.Field)
		if f.Message != "" {
			buf.WriteString(": ")
			buf.WriteString(f.Message)
		}
	}
	return buf.String()
}
