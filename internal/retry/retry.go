package retry

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// The documented retry schedule and the product's retry window.
const (
	// RetryWindow is how soon after a failed attempt the next attempt of its
	// sequence must come to be a retry (inclusive).
	RetryWindow = 60 * time.Second
	// BaseDelay is the documented wait before the first retry; each later
	// retry doubles it.
	BaseDelay = time.Second
	// MaxDelay caps the documented wait.
	MaxDelay = 30 * time.Second
	// DefaultMinRetries is Thresholds.MinRetries when unset.
	DefaultMinRetries = 5
	// MaxMinRetries bounds Thresholds.MinRetries (it sizes a buffer).
	MaxMinRetries = 100_000
)

const (
	retryWindowMs = int64(RetryWindow / time.Millisecond)
	baseDelayMs   = int64(BaseDelay / time.Millisecond)
	maxDelayMs    = int64(MaxDelay / time.Millisecond)
	// wholeSecondSlackMs is the slack a gap between two whole-second
	// timestamps gets: the real gap may be up to a second longer.
	wholeSecondSlackMs = 1000
)

// Key identifies a sequence: the requests a retry may repeat.
type Key struct {
	Partner        string
	ClientIP       string
	Method         string
	Route          string
	IdempotencyKey string // "" when the client sent none
}

// Attempt is one request of a sequence, as the analysis needs it.
type Attempt struct {
	TimeMs    int64 // Unix epoch milliseconds
	RequestID string
	Status    uint16 // 0: a network-level failure (no HTTP status)
	Flags     string // Envoy response flags, comma-separated; "" when none
	// RetryAfter is the wait in seconds the response asked for (its
	// Retry-After header or its body's retryAfter); <= 0 when none.
	RetryAfter int32
}

// Failed reports whether the attempt's response failed (see Failed).
func (a *Attempt) Failed() bool { return Failed(a.Status, a.Flags) }

// IsRetry reports whether next retries prev: prev failed and next follows
// it within RetryWindow. Both must belong to one sequence.
func IsRetry(prev, next *Attempt) bool {
	gap := next.TimeMs - prev.TimeMs
	return prev.Failed() && gap >= 0 && gap <= retryWindowMs
}

// LogicalRequest returns the bounds [lo, hi) of the logical request that
// holds attempts[i], attempts being one sequence in time order. An attempt
// that neither retries nor is retried is a logical request of its own. An
// i out of range gives 0, 0.
func LogicalRequest(attempts []Attempt, i int) (lo, hi int) {
	if i < 0 || i >= len(attempts) {
		return 0, 0
	}
	lo, hi = i, i+1
	for lo > 0 && IsRetry(&attempts[lo-1], &attempts[lo]) {
		lo--
	}
	for hi < len(attempts) && IsRetry(&attempts[hi-1], &attempts[hi]) {
		hi++
	}
	return lo, hi
}

// Violation names a way a client's retries break the documented rules.
type Violation string

// The violations, in the (alphabetical) order reports list them.
const (
	IgnoredRetryAfter     Violation = "ignored_retry_after"
	MissingIdempotencyKey Violation = "missing_idempotency_key"
	NoBackoff             Violation = "no_backoff"
	RetriedNonRetryable   Violation = "retried_non_retryable"
)

// violationSet is a set of violations, one bit each in allViolations order.
type violationSet uint8

var allViolations = [...]Violation{IgnoredRetryAfter, MissingIdempotencyKey, NoBackoff, RetriedNonRetryable}

const (
	bitIgnoredRetryAfter violationSet = 1 << iota
	bitMissingIdempotencyKey
	bitNoBackoff
	bitRetriedNonRetryable
)

// list returns the set's violations, sorted; never nil.
func (s violationSet) list() []Violation {
	out := make([]Violation, 0, 4)
	for i, v := range allViolations {
		if s&(1<<i) != 0 {
			out = append(out, v)
		}
	}
	return out
}

// Thresholds say when a logical request is a storm.
type Thresholds struct {
	// MinRetries is how many of its retries must fall within one 60 s span;
	// 0 means DefaultMinRetries. At most MaxMinRetries.
	MinRetries int
}

func (t Thresholds) minRetries() int {
	switch {
	case t.MinRetries <= 0:
		return DefaultMinRetries
	case t.MinRetries > MaxMinRetries:
		return MaxMinRetries
	}
	return t.MinRetries
}

// Storm is a logical request in which a client retried too often and broke
// at least one rule. Its JSON encoding (MarshalJSON) is the stable
// `report retry-storms --format json` contract.
type Storm struct {
	Key
	FirstRequestID string    // the request id of the first attempt
	Start, End     time.Time // the first and the last attempt, UTC
	Attempts       int       // attempts of the logical request, the first one included
	Retries        int       // Attempts - 1
	// MedianGapMs is the median of the gaps between consecutive attempts,
	// in ms (the mean of the two middle gaps, rounded down, for an even
	// count).
	MedianGapMs int64
	Violations  []Violation // sorted, never empty
}

// TimeFormat is how storm and request times are written: RFC 3339 in UTC
// with milliseconds.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// MarshalJSON encodes s as one object with the fields, in order: partner,
// client_ip, method, route (strings), start, end (RFC 3339 UTC with
// milliseconds), attempts, retries, median_gap_ms (integers), violations
// (array of names, sorted), first_request_id.
func (s Storm) MarshalJSON() ([]byte, error) {
	v := struct {
		Partner        string      `json:"partner"`
		ClientIP       string      `json:"client_ip"`
		Method         string      `json:"method"`
		Route          string      `json:"route"`
		Start          string      `json:"start"`
		End            string      `json:"end"`
		Attempts       int         `json:"attempts"`
		Retries        int         `json:"retries"`
		MedianGapMs    int64       `json:"median_gap_ms"`
		Violations     []Violation `json:"violations"`
		FirstRequestID string      `json:"first_request_id"`
	}{
		s.Partner, s.ClientIP, s.Method, s.Route,
		s.Start.UTC().Format(TimeFormat), s.End.UTC().Format(TimeFormat),
		s.Attempts, s.Retries, s.MedianGapMs, s.Violations, s.FirstRequestID,
	}
	if v.Violations == nil {
		v.Violations = []Violation{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// SortStorms orders storms most severe first: most retries, then most
// violations, then earliest start, then by partner, client IP, method,
// route and first request id.
func SortStorms(storms []Storm) {
	slices.SortFunc(storms, func(a, b Storm) int {
		if a.Retries != b.Retries {
			return b.Retries - a.Retries
		}
		if len(a.Violations) != len(b.Violations) {
			return len(b.Violations) - len(a.Violations)
		}
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		for _, c := range [...]int{
			strings.Compare(a.Partner, b.Partner), strings.Compare(a.ClientIP, b.ClientIP),
			strings.Compare(a.Method, b.Method), strings.Compare(a.Route, b.Route),
			strings.Compare(a.FirstRequestID, b.FirstRequestID),
		} {
			if c != 0 {
				return c
			}
		}
		return 0
	})
}

// Violations returns the violations of the retries in attempts: one
// logical request of the sequence k, in time order (as LogicalRequest bounds
// it). The result is sorted and never nil; it is empty for fewer than two
// attempts. Storms are judged by the same rules.
func Violations(k *Key, attempts []Attempt) []Violation {
	var set violationSet
	short := 0
	for i := 1; i < len(attempts); i++ {
		v, s := judge(k.MissingIdempotencyKey(), &attempts[i-1], &attempts[i], i)
		set |= v
		if s {
			short++
		}
	}
	if short >= 2 {
		set |= bitNoBackoff
	}
	return set.list()
}

// documentedDelayMs returns the documented wait before retry k (1-based):
// 1 s doubled for each earlier retry, capped at 30 s.
func documentedDelayMs(k int) int64 {
	if k < 1 {
		k = 1
	}
	d := baseDelayMs
	for i := 1; i < k && d < maxDelayMs; i++ {
		d *= 2
	}
	return min(d, maxDelayMs)
}

// slackMs returns the slack a gap between times a and b (ms) gets: a second
// when both are whole seconds (logs of second precision), else none.
func slackMs(a, b int64) int64 {
	if a%1000 == 0 && b%1000 == 0 {
		return wholeSecondSlackMs
	}
	return 0
}

// judge returns the violations of the retry next of prev, the k-th retry
// (1-based) of a logical request of a sequence that does or does not miss
// a needed idempotency key, and whether its gap is short (see the package
// doc).
func judge(missingKey bool, prev, next *Attempt, k int) (v violationSet, short bool) {
	gap := next.TimeMs - prev.TimeMs
	slack := slackMs(prev.TimeMs, next.TimeMs)
	honoured := false
	if prev.RetryAfter > 0 {
		if gap+slack >= int64(prev.RetryAfter)*1000 {
			honoured = true
		} else {
			v |= bitIgnoredRetryAfter
		}
	}
	if !honoured && gap+slack < documentedDelayMs(k)/2 {
		short = true
	}
	if !Retryable(prev.Status, prev.Flags) {
		v |= bitRetriedNonRetryable
	}
	if missingKey {
		v |= bitMissingIdempotencyKey
	}
	return v, short
}
