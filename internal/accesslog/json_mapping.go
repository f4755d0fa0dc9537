package accesslog

import (
	"fmt"
	"slices"
	"strings"
)

// Mapping names the keys of a custom JSON access log: for each concept of
// the vocabulary, the key that carries it (ratescope.yaml's fields:). A
// mapped key wins over the built-in vocabulary; keys it does not name are
// still read by the vocabulary. Keys are top-level names, matched exactly
// (a flattened "a.b" key is one name). A Mapping is read-only once built
// and safe for concurrent use.
type Mapping struct {
	keys map[string]jsonKey
}

// rankMapped is the rank of a configured key: above every vocabulary key.
const rankMapped int8 = rankExact + 1

// MappingConcepts are the concepts a Mapping can name, with what each
// reads.
var MappingConcepts = map[string]string{
	"time":                "the request's time: RFC 3339, CLF, or epoch seconds or milliseconds",
	"request_id":          "the request id",
	"method":              "the HTTP method",
	"path":                "the request path (with or without the query string)",
	"route":               "the route template, when the gateway logs one",
	"request":             `a request line "GET /path HTTP/1.1": method and path`,
	"status":              "the HTTP status",
	"partner":             "the partner or key id",
	"client_ip":           "the client IP",
	"user_agent":          "the User-Agent",
	"latency":             "the response latency (unit: ms, s or ns; default ms)",
	"bytes":               "the bytes sent",
	"retry_after":         "the Retry-After header sent",
	"ratelimit_limit":     "the X-RateLimit-Limit header sent",
	"ratelimit_remaining": "the X-RateLimit-Remaining header sent",
	"ratelimit_reset":     "the X-RateLimit-Reset header sent",
	"idempotency_key":     "the Idempotency-Key header received",
	"error_type":          "the gateway's error type (THROTTLED, QUOTA_EXCEEDED, …)",
	"body":                "the error body: a JSON object or a JSON-encoded string",
}

var conceptSlots = map[string]jsonSlot{
	"time": slotTime, "request_id": slotRequestID, "method": slotMethod, "path": slotPath,
	"route": slotRoute, "request": slotRequestLine, "status": slotStatus, "partner": slotPartner,
	"client_ip": slotClientIP, "user_agent": slotUserAgent, "latency": slotLatency, "bytes": slotBytes,
	"retry_after": slotRetryAfter, "ratelimit_limit": slotRateLimit, "ratelimit_remaining": slotRateRemaining,
	"ratelimit_reset": slotRateReset, "idempotency_key": slotIdempotencyKey, "error_type": slotErrorType,
	"body": slotBody,
}

// FieldSpec is one mapped concept: the key and, for latency, its unit.
type FieldSpec struct {
	Key  string
	Unit string // latency: "ms" (default), "s" or "ns"
}

// NewMapping builds a Mapping from concept → key. Errors name the concept.
func NewMapping(fields map[string]FieldSpec) (*Mapping, error) {
	m := &Mapping{keys: make(map[string]jsonKey, len(fields))}
	owner := map[string]string{}
	for _, concept := range slices.Sorted(func(yield func(string) bool) {
		for c := range fields {
			if !yield(c) {
				return
			}
		}
	}) {
		spec := fields[concept]
		s, ok := conceptSlots[concept]
		if !ok {
			return nil, fmt.Errorf("unknown field %q (want one of %s)", concept, strings.Join(slices.Sorted(func(yield func(string) bool) {
				for c := range conceptSlots {
					if !yield(c) {
						return
					}
				}
			}), ", "))
		}
		if spec.Key == "" {
			return nil, fmt.Errorf("field %s: no key", concept)
		}
		if o, dup := owner[spec.Key]; dup {
			return nil, fmt.Errorf("field %s: key %q is already mapped to %s", concept, spec.Key, o)
		}
		owner[spec.Key] = concept
		k := jsonKey{slot: s, rank: rankMapped}
		switch spec.Unit {
		case "", "ms":
			k.unit = unitMs
		case "s":
			k.unit = unitS
		case "ns":
			k.unit = unitNs
		default:
			return nil, fmt.Errorf("field %s: unit %q: want ms, s or ns", concept, spec.Unit)
		}
		if spec.Unit != "" && s != slotLatency {
			return nil, fmt.Errorf("field %s: a unit applies to latency only", concept)
		}
		m.keys[spec.Key] = k
	}
	return m, nil
}

// SetMapping makes p read the keys m names first; nil removes it.
func (p *Parser) SetMapping(m *Mapping) {
	p.mapping = m
	p.js.memo = [keyMemoSlots]keyMemo{} // what keys meant under the old mapping
}

// mapped returns what the configured mapping says k is.
func (p *Parser) mapped(k []byte) (jsonKey, bool) {
	if p.mapping == nil {
		return jsonKey{}, false
	}
	key, ok := p.mapping.keys[string(k)]
	return key, ok
}

// UnknownKeys returns the top-level keys of a JSON object line that neither
// the vocabulary nor m (which may be nil) understands, in line order: what
// to tell a user whose custom log format is not being read. A line that
// is not a JSON object has none.
func UnknownKeys(line []byte, m *Mapping) []string {
	i := skipSpaceAt(line, 0)
	if i >= len(line) || line[i] != '{' {
		return nil
	}
	var out []string
	unknown := func(k []byte) bool {
		if m != nil {
			if _, ok := m.keys[string(k)]; ok {
				return false
			}
		}
		key := jsonVocab(k)
		if key.slot != slotNone || key.mark != 0 {
			return false
		}
		var buf [maxFoldedKey]byte
		f := foldKey(&buf, k)
		return !isSecretKey(f) && headerSlot(headerFieldName(f)) == slotNone && !isHeaderMap(f)
	}
	if i = skipSpaceAt(line, i+1); i < len(line) && line[i] == '}' {
		i++
	} else {
		for more := true; more; {
			raw, esc, at := memberKeyAt(line, i)
			if at < 0 {
				return nil
			}
			if k := jsonTextKey(raw, esc); unknown([]byte(k)) {
				out = append(out, k)
			}
			var ok bool
			if i = jsonValueEnd(line, at, 2); i < 0 {
				return nil
			}
			if i, more, ok = afterMember(line, i); !ok {
				return nil
			}
		}
	}
	if skipSpaceAt(line, i) != len(line) {
		return nil
	}
	return out
}
