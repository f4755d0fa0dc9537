package chtest

import (
	"context"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/errbody"
)

// Rows builds rows of ratescope's tables for a test and stores them
// through the batches ingest uses (chstore.RequestBatch and RejectBatch),
// so no test writes an INSERT column list of its own and a new column
// reaches every fixture with its ingest default. Add and Reject return the
// Rows, for chaining; Insert stores everything added so far.
type Rows struct {
	reqs *chstore.RequestBatch
	rejs *chstore.RejectBatch
	rec  accesslog.Record
}

// NewRows returns an empty fixture.
func NewRows() *Rows {
	return &Rows{reqs: chstore.NewRequestBatch(16), rejs: chstore.NewRejectBatch(4)}
}

// Request is one row of the requests table: an access record (Kind
// chstore.KindAccess, the default), possibly carrying its error Body, or
// a separately logged error body (chstore.KindErrorBody, Body required).
// Numbers a log line may lack are pointers: nil is absent (Ptr makes one).
type Request struct {
	ID                  string
	Time                time.Time // with milliseconds
	Kind                chstore.Kind
	Method, Path, Route string
	Status              uint16
	Partner, ClientIP   string
	UserAgent           string
	IdempotencyKey      string
	ErrorType           string // gateway error type: THROTTLED, QUOTA_EXCEEDED, WAF_FILTERED
	ResponseFlags       string // Envoy's, e.g. "UF,URX"

	LatencyMs          *float64
	BytesSent          *int64
	RetryAfter         *int32 // the Retry-After header, seconds
	RateLimitLimit     *int64
	RateLimitRemaining *int64
	RateLimitReset     *int64

	Body *errbody.Envelope // the error body; Body makes a simple one

	Source    string // default "fixture.log"
	Offset    uint64
	Format    string // default "jsonl"
	Synthetic bool
}

// Ptr returns a pointer to v, for Request's optional numbers.
func Ptr[T any](v T) *T { return &v }

// Body returns an error body of shape with code, claiming status (0:
// none), without a retryAfter.
func Body(shape, code string, status uint16) *errbody.Envelope {
	return &errbody.Envelope{Shape: shape, Code: code, Status: status, RetryAfter: -1, Raw: `{"code":"` + code + `"}`}
}

// Add appends a row of the requests table.
func (f *Rows) Add(q Request) *Rows {
	r := &f.rec
	r.Reset()
	r.TimeMs = q.Time.UnixMilli()
	r.RequestID = []byte(q.ID)
	r.Method, r.Path, r.Route = []byte(q.Method), []byte(q.Path), []byte(q.Route)
	r.Status = q.Status
	r.Partner, r.ClientIP, r.UserAgent = []byte(q.Partner), []byte(q.ClientIP), []byte(q.UserAgent)
	r.IdempotencyKey = []byte(q.IdempotencyKey)
	r.ErrorType, r.ResponseFlags = []byte(q.ErrorType), []byte(q.ResponseFlags)
	if q.LatencyMs != nil {
		r.LatencyMs = *q.LatencyMs
	}
	if q.BytesSent != nil {
		r.BytesSent = *q.BytesSent
	}
	if q.RetryAfter != nil {
		r.RetryAfter = *q.RetryAfter
	}
	if q.RateLimitLimit != nil {
		r.RateLimitLimit = *q.RateLimitLimit
	}
	if q.RateLimitRemaining != nil {
		r.RateLimitRemaining = *q.RateLimitRemaining
	}
	if q.RateLimitReset != nil {
		r.RateLimitReset = *q.RateLimitReset
	}
	kind := q.Kind
	if kind == 0 {
		kind = chstore.KindAccess
	}
	m := chstore.Meta{Source: q.Source, Offset: q.Offset, Format: q.Format, Synthetic: q.Synthetic}
	if m.Source == "" {
		m.Source = "fixture.log"
	}
	if m.Format == "" {
		m.Format = "jsonl"
	}
	f.reqs.Append(r, kind, q.Body, m)
	return f
}

// Rejected is one row of the rejected table.
type Rejected struct {
	Time   time.Time // the time the line is filed under
	Source string    // default "fixture.log"
	Offset uint64
	Line   uint64
	Format string // default "jsonl"
	Reason string // default "bad_json"
	Raw    string // default "{"
}

// Reject appends a row of the rejected table.
func (f *Rows) Reject(l Rejected) *Rows {
	m := chstore.Meta{Source: l.Source, Offset: l.Offset, Line: l.Line, Format: l.Format}
	if m.Source == "" {
		m.Source = "fixture.log"
	}
	if m.Format == "" {
		m.Format = "jsonl"
	}
	if l.Reason == "" {
		l.Reason = "bad_json"
	}
	if l.Raw == "" {
		l.Raw = "{"
	}
	f.rejs.Append(m, l.Time.UnixMilli(), l.Reason, []byte(l.Raw))
	return f
}

// Len returns the number of rows added to the requests table.
func (f *Rows) Len() int { return f.reqs.Len() }

// Insert stores the rows in db, as ingest would at ingestedAt, and keeps
// them: a second Insert stores copies (a file loaded twice). It fails the
// test on error.
func (f *Rows) Insert(t testing.TB, db *chstore.DB, ingestedAt time.Time) {
	t.Helper()
	ctx := context.Background()
	if f.reqs.Len() > 0 {
		if err := db.InsertRequests(ctx, f.reqs, ingestedAt); err != nil {
			t.Fatalf("insert fixture requests: %v", err)
		}
	}
	if f.rejs.Len() > 0 {
		if err := db.InsertRejects(ctx, f.rejs, ingestedAt); err != nil {
			t.Fatalf("insert fixture rejected lines: %v", err)
		}
	}
}
