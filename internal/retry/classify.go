// Package retry finds retries, logical requests and retry storms in the
// requests of API clients, as ratescope's product brief defines them.
//
// # Sequences, retries and logical requests
//
// A sequence is every request with one Key: the same partner, client IP,
// method, route and idempotency key (empty when the client sent none). A
// request is a retry when it follows a failed attempt of its sequence
// (Failed) within RetryWindow (60 s, inclusive). Consecutive attempts joined
// by retries form one logical request: it starts at a failed attempt and
// ends with the first attempt that is not followed by a retry — a success,
// or a failure after which the client stayed away for more than 60 s.
//
// # Violations
//
// Each retry is judged against the previous attempt's response:
//
//   - ignored_retry_after: the previous response asked for a Retry-After
//     (header or body, seconds > 0) and the retry came earlier.
//   - retried_non_retryable: the previous response was a failure that must
//     not be retried (Retryable is false: 400, 401, 403, 404, 409, 422 and
//     the other 4xx except 408 and 429; 501 and 505).
//   - missing_idempotency_key: a POST or PATCH retried without an
//     idempotency key.
//   - no_backoff: the documented schedule waits 1 s, 2 s, 4 s, 8 s, …
//     (doubling, capped at 30 s) before retry 1, 2, 3, 4, … Jitter may
//     shorten a wait, so a gap is only "short" when it is under half the
//     documented wait for its retry (0.5 s, 1 s, 2 s, 4 s, 8 s, then 15 s),
//     and a gap that honours a Retry-After the server gave is never short.
//     One short gap is forgiven as jitter; no_backoff needs two.
//
// When both attempts of a gap carry whole-second times (logs with second
// precision), a gap may be up to a second shorter than the real one, so
// both rules give it a second of slack.
//
// # Storms
//
// A logical request is a retry storm when at least Thresholds.MinRetries
// of its retries (default 5) fall within one 60 s span and it has at least
// one violation. A client that backs off as documented, honours
// Retry-After, retries only what is retryable and sends idempotency keys on
// writes is never a storm, however long it keeps trying; the documented
// clients stop after 5 attempts (4 retries) anyway.
//
// The package is pure: it sees attempts, never ClickHouse. An Analyzer
// consumes attempts one sequence at a time, so its memory is bounded by one
// logical request, not by the number of rows.
package retry

import "strings"

// Failed reports whether a response failed: status >= 400, or a
// network-level failure (status 0, or Envoy response flags saying the
// upstream could not be reached or reset the stream).
func Failed(status uint16, flags string) bool {
	return status >= 400 || networkFailure(status, flags)
}

// Retryable reports whether a client may retry a response: 408, 429, 5xx
// except 501 and 505, and network-level failures. A success is not
// retryable (there is nothing to retry).
func Retryable(status uint16, flags string) bool {
	if networkFailure(status, flags) {
		return true
	}
	switch {
	case status == 408 || status == 429:
		return true
	case status == 501 || status == 505:
		return false
	}
	return status >= 500
}

// networkFlags are the Envoy %RESPONSE_FLAGS% that mean the request failed
// between the gateway and the upstream: no healthy upstream (UH), connection
// failure (UF), overflow (UO), retry limit exceeded (URX), upstream timeout
// (UT), local and remote resets (LR, UR), upstream connection termination
// (UC), failed local health check (LH), stream idle timeout (SI), upstream
// protocol error (UPE), max stream duration (UMSDR) and DNS failure (DF).
// Downstream flags (DC, DPE) are the client's own doing and are left out.
var networkFlags = [...]string{"UH", "UF", "UO", "URX", "UT", "LR", "UR", "UC", "LH", "SI", "UPE", "UMSDR", "DF"}

// networkFailure reports whether status and Envoy flags say the request
// failed at the network level.
func networkFailure(status uint16, flags string) bool {
	if status == 0 {
		return true
	}
	for flags != "" {
		var f string
		f, flags, _ = strings.Cut(flags, ",")
		f = strings.TrimSpace(f)
		for _, n := range networkFlags {
			if f == n {
				return true
			}
		}
	}
	return false
}

// MissingIdempotencyKey reports whether retries in the sequence k break
// the idempotency rule: a POST or PATCH (in any ASCII case) without an
// idempotency key. In SQL: upper(method) IN ('POST', 'PATCH') with an
// empty idempotency_key.
func (k *Key) MissingIdempotencyKey() bool {
	return k.IdempotencyKey == "" && (equalFoldASCII(k.Method, "POST") || equalFoldASCII(k.Method, "PATCH"))
}

// equalFoldASCII reports whether s equals upper (upper-case ASCII) when
// s's ASCII letters are upper-cased, as ClickHouse's upper() does.
func equalFoldASCII(s, upper string) bool {
	if len(s) != len(upper) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}
