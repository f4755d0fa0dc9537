package chstore

import (
	"time"
	"unicode/utf8"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/errbody"
)

// Kind says what a row of the requests table describes (its kind column).
type Kind uint8

// The kinds of request rows.
const (
	// KindAccess is an access-log record, possibly carrying an error body.
	KindAccess Kind = 1
	// KindErrorBody is a separately logged error body: it attaches to the
	// access record with the same request id.
	KindErrorBody Kind = 2
)

// Meta says where a line came from.
type Meta struct {
	Source    string // the file (or "-" for stdin)
	Offset    uint64 // byte offset of the line in Source
	Line      uint64 // 1-based line number in Source (kept for rejected lines)
	Format    string // the format the line was parsed as, e.g. "nginx-json"
	Synthetic bool   // the request id was derived by ratescope, not logged
}

// MaxRejectRaw bounds the raw line kept for a rejected line, in bytes.
const MaxRejectRaw = 4 << 10

// RequestBatch collects rows of the requests table column by column, for
// one insert. Rows are copied in: nothing a batch holds aliases what was
// given to Append.
//
// The contract follows Prometheus' storage.Appender: a batch is filled with
// Append and ends in a successful insert (InsertRequests) or is discarded;
// either way Reset readies it for the next rows. A failed insert leaves the
// batch unchanged, so it can be retried. A batch is not safe for concurrent
// use, and it must not be appended to or Reset while an insert of it is in
// flight.
//
// A batch keeps its column slices across Reset, so a steady stream of
// batches of similar size allocates little beyond the text arena (one chunk
// per batch: Reset never overwrites text an earlier insert may still read).
// Text columns hold spans of the arena, not strings: a batch has no
// pointers per row for the garbage collector to scan, which is what made
// a bounded heap (cmd/ingest's memory limit) cost CPU; InsertRequests makes
// the strings one block at a time for the driver, which copies them.
type RequestBatch struct {
	text                  arena
	source, format, shape lastSpan
	scratch               []string // one column of one block, at insert
	fieldNames, fieldMsgs []string // backing arrays of the rows' field lists
	times, ingested       []time.Time
	timesMs               []int64
	days                  []uint32

	timeMs           []int64 // as logged; resolved at insert (0 = absent)
	requestID        []span
	kind             []uint8
	synthetic        []uint8
	method           []span
	path             []span
	route            []span
	status           []uint16
	partner          []span
	clientIP         []span
	latencyMs        []float32
	bytesSent        []int64
	userAgent        []span
	idempotencyKey   []span
	retryAfter       []int32
	rlLimit          []int64
	rlRemaining      []int64
	rlReset          []int64
	errorType        []span
	responseFlags    []span
	errShape         []span
	errCode          []span
	errMessage       []span
	errDetails       []span
	errFieldNames    [][]string
	errFieldMessages [][]string
	errRetryAfter    []int32
	errStatus        []uint16
	errRaw           []span
	formatCol        []span
	sourceCol        []span
	offset           []uint64
}

// NewRequestBatch returns an empty batch with room for capacity rows.
func NewRequestBatch(capacity int) *RequestBatch {
	capacity = max(capacity, 0)
	strs := func() []span { return make([]span, 0, capacity) }
	return &RequestBatch{
		timeMs:           make([]int64, 0, capacity),
		requestID:        strs(),
		kind:             make([]uint8, 0, capacity),
		synthetic:        make([]uint8, 0, capacity),
		method:           strs(),
		path:             strs(),
		route:            strs(),
		status:           make([]uint16, 0, capacity),
		partner:          strs(),
		clientIP:         strs(),
		latencyMs:        make([]float32, 0, capacity),
		bytesSent:        make([]int64, 0, capacity),
		userAgent:        strs(),
		idempotencyKey:   strs(),
		retryAfter:       make([]int32, 0, capacity),
		rlLimit:          make([]int64, 0, capacity),
		rlRemaining:      make([]int64, 0, capacity),
		rlReset:          make([]int64, 0, capacity),
		errorType:        strs(),
		responseFlags:    strs(),
		errShape:         strs(),
		errCode:          strs(),
		errMessage:       strs(),
		errDetails:       strs(),
		errFieldNames:    make([][]string, 0, capacity),
		errFieldMessages: make([][]string, 0, capacity),
		errRetryAfter:    make([]int32, 0, capacity),
		errStatus:        make([]uint16, 0, capacity),
		errRaw:           strs(),
		formatCol:        strs(),
		sourceCol:        strs(),
		offset:           make([]uint64, 0, capacity),
	}
}

// Append adds one row. r must be normalised already (Partner hashed, Route
// set, Path redacted, RequestID set); r.Body and r.Secret are never stored.
// env is the error body decoded from the line, nil when it has none. Append
// copies everything it keeps: r, env and m may be reused as soon as it
// returns.
//
// A record without a usable time (TimeMs outside what a DateTime holds,
// 1970 to 2106) gets the insert's ingested-at time.
func (b *RequestBatch) Append(r *accesslog.Record, kind Kind, env *errbody.Envelope, m Meta) {
	a := &b.text
	b.timeMs = append(b.timeMs, r.TimeMs)
	b.requestID = append(b.requestID, a.add(r.RequestID))
	b.kind = append(b.kind, uint8(kind))
	b.synthetic = append(b.synthetic, boolToUInt8(m.Synthetic))
	b.method = append(b.method, a.add(r.Method))
	b.path = append(b.path, a.add(r.Path))
	b.route = append(b.route, a.add(r.Route))
	b.status = append(b.status, r.Status)
	b.partner = append(b.partner, a.add(r.Partner))
	b.clientIP = append(b.clientIP, a.add(r.ClientIP))
	b.latencyMs = append(b.latencyMs, float32(r.LatencyMs))
	b.bytesSent = append(b.bytesSent, r.BytesSent)
	b.userAgent = append(b.userAgent, a.add(r.UserAgent))
	b.idempotencyKey = append(b.idempotencyKey, a.add(r.IdempotencyKey))
	b.retryAfter = append(b.retryAfter, r.RetryAfter)
	b.rlLimit = append(b.rlLimit, r.RateLimitLimit)
	b.rlRemaining = append(b.rlRemaining, r.RateLimitRemaining)
	b.rlReset = append(b.rlReset, r.RateLimitReset)
	b.errorType = append(b.errorType, a.add(r.ErrorType))
	b.responseFlags = append(b.responseFlags, a.add(r.ResponseFlags))
	if env == nil {
		b.errShape = append(b.errShape, 0)
		b.errCode = append(b.errCode, 0)
		b.errMessage = append(b.errMessage, 0)
		b.errDetails = append(b.errDetails, 0)
		b.errFieldNames = append(b.errFieldNames, nil)
		b.errFieldMessages = append(b.errFieldMessages, nil)
		b.errRetryAfter = append(b.errRetryAfter, -1)
		b.errStatus = append(b.errStatus, 0)
		b.errRaw = append(b.errRaw, 0)
	} else {
		b.errShape = append(b.errShape, b.shape.add(a, env.Shape))
		b.errCode = append(b.errCode, a.addString(env.Code))
		b.errMessage = append(b.errMessage, a.addString(env.Message))
		b.errDetails = append(b.errDetails, a.addString(env.Details))
		b.appendFields(env.Fields)
		b.errRetryAfter = append(b.errRetryAfter, env.RetryAfter)
		b.errStatus = append(b.errStatus, env.Status)
		b.errRaw = append(b.errRaw, a.addString(env.Raw))
	}
	b.formatCol = append(b.formatCol, b.format.add(a, m.Format))
	b.sourceCol = append(b.sourceCol, b.source.add(a, m.Source))
	b.offset = append(b.offset, m.Offset)
}

// appendFields adds one row's field errors as two parallel lists. Each row's
// lists are capped sub-slices of shared backing arrays, so later appends
// never write into them.
func (b *RequestBatch) appendFields(fields []errbody.FieldError) {
	if len(fields) == 0 {
		b.errFieldNames = append(b.errFieldNames, nil)
		b.errFieldMessages = append(b.errFieldMessages, nil)
		return
	}
	start := len(b.fieldNames)
	for i := range fields {
		b.fieldNames = append(b.fieldNames, b.text.copyString(fields[i].Field))
		b.fieldMsgs = append(b.fieldMsgs, b.text.copyString(fields[i].Message))
	}
	end := len(b.fieldNames)
	b.errFieldNames = append(b.errFieldNames, b.fieldNames[start:end:end])
	b.errFieldMessages = append(b.errFieldMessages, b.fieldMsgs[start:end:end])
}

// Len returns the number of rows in the batch.
func (b *RequestBatch) Len() int { return len(b.requestID) }

// Reset empties the batch for reuse, keeping its column slices. It must not
// be called while an insert of the batch is in flight. The text of the rows
// appended so far is never overwritten: Reset starts a new arena chunk
// rather than reusing the old one, so a string from an earlier row that
// anyone still holds stays valid and unchanged.
func (b *RequestBatch) Reset() {
	b.text.reset()
	b.source, b.format, b.shape = lastSpan{}, lastSpan{}, lastSpan{}
	clear(b.fieldNames) // drop references to the old text
	clear(b.fieldMsgs)
	b.fieldNames, b.fieldMsgs = b.fieldNames[:0], b.fieldMsgs[:0]
	b.timeMs = b.timeMs[:0]
	b.requestID = b.requestID[:0]
	b.kind = b.kind[:0]
	b.synthetic = b.synthetic[:0]
	b.method = b.method[:0]
	b.path = b.path[:0]
	b.route = b.route[:0]
	b.status = b.status[:0]
	b.partner = b.partner[:0]
	b.clientIP = b.clientIP[:0]
	b.latencyMs = b.latencyMs[:0]
	b.bytesSent = b.bytesSent[:0]
	b.userAgent = b.userAgent[:0]
	b.idempotencyKey = b.idempotencyKey[:0]
	b.retryAfter = b.retryAfter[:0]
	b.rlLimit = b.rlLimit[:0]
	b.rlRemaining = b.rlRemaining[:0]
	b.rlReset = b.rlReset[:0]
	b.errorType = b.errorType[:0]
	b.responseFlags = b.responseFlags[:0]
	b.errShape = b.errShape[:0]
	b.errCode = b.errCode[:0]
	b.errMessage = b.errMessage[:0]
	b.errDetails = b.errDetails[:0]
	clear(b.errFieldNames)
	clear(b.errFieldMessages)
	b.errFieldNames = b.errFieldNames[:0]
	b.errFieldMessages = b.errFieldMessages[:0]
	b.errRetryAfter = b.errRetryAfter[:0]
	b.errStatus = b.errStatus[:0]
	b.errRaw = b.errRaw[:0]
	b.formatCol = b.formatCol[:0]
	b.sourceCol = b.sourceCol[:0]
	b.offset = b.offset[:0]
}

// RejectBatch collects rows of the rejected table (lines that could not be
// parsed) for one insert, under the same contract as RequestBatch.
type RejectBatch struct {
	text           arena
	source, format lastCopy
	reasons        lastCopy
	ingested       []time.Time
	timeCol        []time.Time
	timeMs         []int64

	sourceCol []string
	offset    []uint64
	line      []uint64
	formatCol []string
	reason    []string
	raw       []string
}

// NewRejectBatch returns an empty batch with room for capacity rows.
func NewRejectBatch(capacity int) *RejectBatch {
	capacity = max(capacity, 0)
	return &RejectBatch{
		sourceCol: make([]string, 0, capacity),
		offset:    make([]uint64, 0, capacity),
		line:      make([]uint64, 0, capacity),
		formatCol: make([]string, 0, capacity),
		reason:    make([]string, 0, capacity),
		raw:       make([]string, 0, capacity),
	}
}

// Append adds one rejected line: where it came from, the time it is
// filed under (Unix ms: the last parsed line's of its source; 0 or out of
// range = the insert's ingested-at time), why it was rejected (a short
// stable token such as accesslog.ParseError.Reason) and the line itself,
// cut to at most MaxRejectRaw bytes without splitting a UTF-8 character.
// Append copies what it keeps.
func (b *RejectBatch) Append(m Meta, timeMs int64, reason string, raw []byte) {
	a := &b.text
	b.timeMs = append(b.timeMs, timeMs)
	b.sourceCol = append(b.sourceCol, b.source.copy(a, m.Source))
	b.offset = append(b.offset, m.Offset)
	b.line = append(b.line, m.Line)
	b.formatCol = append(b.formatCol, b.format.copy(a, m.Format))
	b.reason = append(b.reason, b.reasons.copy(a, reason))
	b.raw = append(b.raw, a.copyBytes(truncateUTF8(raw, MaxRejectRaw)))
}

// Len returns the number of rows in the batch.
func (b *RejectBatch) Len() int { return len(b.sourceCol) }

// Reset empties the batch for reuse; see RequestBatch.Reset.
func (b *RejectBatch) Reset() {
	b.text.reset()
	b.source, b.format, b.reasons = lastCopy{}, lastCopy{}, lastCopy{}
	b.timeMs = b.timeMs[:0]
	b.sourceCol = truncStrings(b.sourceCol)
	b.offset = b.offset[:0]
	b.line = b.line[:0]
	b.formatCol = truncStrings(b.formatCol)
	b.reason = truncStrings(b.reason)
	b.raw = truncStrings(b.raw)
}

// truncateUTF8 returns p cut to at most n bytes, backing off so as not to
// split a UTF-8 encoded character (at most three bytes).
func truncateUTF8(p []byte, n int) []byte {
	if len(p) <= n {
		return p
	}
	cut := n
	for i := 0; i < utf8.UTFMax-1 && cut > 0 && !utf8.RuneStart(p[cut]); i++ {
		cut--
	}
	if !utf8.RuneStart(p[cut]) {
		cut = n // not UTF-8 here anyway: keep the full n bytes
	}
	return p[:cut]
}

// truncStrings empties s, dropping its references to old text so a
// discarded arena chunk can be freed.
func truncStrings(s []string) []string {
	clear(s)
	return s[:0]
}

func boolToUInt8(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}
