// Package oracle is a frozen copy of package accesslog as it was at
// d0caf1e (before the streaming JSON scan and the text-format speed work),
// kept only as the reference the differential tests and fuzz targets of
// accesslog compare the current parsers against: the current code must give
// the same Record and the same error for every input. It is internal to
// accesslog and imported by its tests only; do not change it, and do not
// use it from production code.
package oracle

import (
	"fmt"
	"strings"
)

// Format names an access-log format.
type Format uint8

// The formats ratescope reads. FormatAuto asks for per-file detection.
const (
	FormatAuto Format = iota
	FormatAPIGW
	FormatNginx
	FormatNginxJSON
	FormatEnvoy
	FormatJSONL
	FormatALB
	// FormatMixed reads a file line by line, each line in the format it
	// looks like (see Detect); a line that looks like none is rejected as
	// unknown_format. It is what detection falls back to when no format
	// fits a file's first lines, so that no file is ever refused whole.
	FormatMixed
)

var formatNames = [...]string{
	FormatAuto:      "auto",
	FormatAPIGW:     "apigw",
	FormatNginx:     "nginx",
	FormatNginxJSON: "nginx-json",
	FormatEnvoy:     "envoy",
	FormatJSONL:     "jsonl",
	FormatALB:       "alb",
	FormatMixed:     "mixed",
}

// String returns the format's name as the --format flag spells it.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("format(%d)", uint8(f))
}

// ParseFormat maps a --format value to a Format.
func ParseFormat(s string) (Format, error) {
	for f, name := range formatNames {
		if strings.EqualFold(s, name) {
			return Format(f), nil
		}
	}
	return FormatAuto, fmt.Errorf("unknown format %q (want one of %s)", s, strings.Join(formatNames[:], ", "))
}

// IsJSON reports whether lines of the format are JSON objects.
func (f Format) IsJSON() bool {
	return f == FormatAPIGW || f == FormatNginxJSON || f == FormatJSONL
}

// Record is one parsed line.
//
// Byte-slice fields alias the line given to Parse or the parser's scratch
// buffer: they are valid until the next call to Parse or Reset on the same
// parser, or until the caller modifies the line. Copy what must outlive that.
// Numeric fields use -1 (or 0 for TimeMs and Status) for "absent".
type Record struct {
	TimeMs    int64  // Unix epoch milliseconds; 0 = absent
	TimePrec  int8   // digits of sub-second precision of the chosen time field (0 = seconds); -1 = absent
	Status    uint16 // HTTP status; 0 = absent (or Envoy's 0 for a reset stream)
	RequestID []byte
	Method    []byte
	Path      []byte // as logged, query string included (secrets are redacted later)
	Route     []byte // route template when the log has one (resourcePath, routeKey, route)
	Partner   []byte // api key id / client id / consumer as logged
	ClientIP  []byte
	UserAgent []byte

	LatencyMs  float64 // -1 = absent
	BytesSent  int64   // -1 = absent
	RetryAfter int32   // Retry-After header, seconds; -1 = absent

	RateLimitLimit     int64 // X-RateLimit-Limit; -1 = absent
	RateLimitRemaining int64 // X-RateLimit-Remaining; -1 = absent
	RateLimitReset     int64 // X-RateLimit-Reset (epoch seconds or seconds to reset); -1 = absent

	IdempotencyKey []byte
	ErrorType      []byte // gateway error type: THROTTLED, QUOTA_EXCEEDED, WAF_FILTERED, …
	ResponseFlags  []byte // Envoy %RESPONSE_FLAGS%, e.g. "RL", "UF,URX"; empty when "-"

	// Body is the error body's text: a JSON object's raw text, or — when
	// the log held the body as a JSON string — that string's unescaped
	// content (usually JSON text again). For a bare envelope line it is the
	// whole line. Nil when absent.
	Body []byte

	// Secret is a raw credential seen in the line (an x-api-key value or a
	// bearer token). It must never be stored: the normaliser turns it into a
	// keyed hash to identify the caller when Partner is empty.
	Secret []byte
}

// Reset clears r for reuse, keeping nothing from the previous line.
func (r *Record) Reset() {
	*r = Record{
		TimePrec:           -1,
		LatencyMs:          -1,
		BytesSent:          -1,
		RetryAfter:         -1,
		RateLimitLimit:     -1,
		RateLimitRemaining: -1,
		RateLimitReset:     -1,
	}
}

// IsAccess reports whether the record describes a request (it has a method
// or a path), as opposed to an error-body record that only carries a request
// id and a body.
func (r *Record) IsAccess() bool {
	return len(r.Method) > 0 || len(r.Path) > 0 || len(r.Route) > 0
}

// ParseError says why a line was rejected. Reason is a short, stable token
// (it labels metrics and fills the dead-letter table's reason column);
// Detail adds what a person needs to find the problem.
type ParseError struct {
	Reason string
	Detail string
}

func (e *ParseError) Error() string {
	if e.Detail == "" {
		return e.Reason
	}
	return e.Reason + ": " + e.Detail
}
