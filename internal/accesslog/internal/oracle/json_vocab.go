package oracle

// The JSON field vocabulary: which keys fill which Record field. The main
// vocabulary is a small hash table built once (jsonVocabTable); the short
// lists (dotted paths, credential and header names) are switch statements
// on the key's bytes. Neither allocates, and there is no map of closures.

// jsonSlot names what a vocabulary key fills.
type jsonSlot uint8

const (
	slotNone jsonSlot = iota
	slotTime
	slotRequestID
	slotMethod
	slotPath
	slotRoute
	slotStatus
	slotPartner
	slotClientIP
	slotUserAgent
	slotLatency
	slotBytes
	slotRetryAfter
	slotRateLimit
	slotRateRemaining
	slotRateReset
	slotIdempotencyKey
	slotErrorType
	slotBody
	slotRequestLine // nginx $request "GET /x HTTP/1.1": fills method and path
	slotForwarded   // an X-Forwarded-For list: its first entry is the client IP
	slotFlags       // Envoy %RESPONSE_FLAGS%
	numSlots
)

// jsonUnit says how to read a duration.
type jsonUnit uint8

const (
	unitMs jsonUnit = iota
	unitS
	unitNs
	// unitDuration is a "duration" key: seconds (Caddy) unless the line is
	// Envoy's (see jsonKey.envoy), whose %DURATION% is milliseconds.
	unitDuration
)

// Ranks order competing keys for one field: a higher rank replaces a lower
// one, on equal ranks the first key seen stays (for times, the more precise
// value wins among equal ranks).
const (
	rankLine  int8 = 1 // derived: method/path from a request line, method from a route key
	rankLeaf  int8 = 2 // a vocabulary name as the last component of a nested key, or a header
	rankAlt   int8 = 3 // a fallback name at top level (Traefik OriginStatus, Kong consumer.id)
	rankExact int8 = 4 // a top-level vocabulary key or an exact dotted path
	// rankForwarded is a top-level X-Forwarded-For field: the originating
	// client beats the proxy's remote_addr or downstream address.
	rankForwarded int8 = 5
)

// Envelope marks: top-level keys that make a line without method, path or
// route look like a bare API error envelope.
const (
	markError      uint16 = 1 << iota // "error": a string code or an object
	markErrorCode                     // "errorCode"
	markType                          // RFC 7807 "type"
	markTitle                         // RFC 7807 "title"
	markMessage                       // "message"
	markStatusCode                    // "status_code"
	markErrors                        // "errors": JSON:API, GraphQL
	markCode                          // "code": with "message" (Twilio)
	markDetail                        // "detail": Django REST framework, FastAPI
)

// jsonKey is what a key means.
type jsonKey struct {
	slot    jsonSlot
	unit    jsonUnit // for slotLatency
	rank    int8     // at top level
	topOnly bool     // an alias too generic to match as a nested leaf
	mark    uint16   // envelope mark (top level only)
	envoy   bool     // a key only Envoy's JSON access logs write (top level)
}

func vocabExact(s jsonSlot) jsonKey   { return jsonKey{slot: s, rank: rankExact} }
func vocabAlias(s jsonSlot) jsonKey   { return jsonKey{slot: s, rank: rankExact, topOnly: true} }
func vocabLatency(u jsonUnit) jsonKey { return jsonKey{slot: slotLatency, unit: u, rank: rankExact} }
func vocabMark(m uint16) jsonKey      { return jsonKey{mark: m} }
func vocabTopLatency(u jsonUnit) jsonKey {
	return jsonKey{slot: slotLatency, unit: u, rank: rankExact, topOnly: true}
}

// jsonVocabulary is the vocabulary: key names (exact, case-sensitive) and
// what they fill.
var jsonVocabulary = [...]struct {
	names []string
	key   jsonKey
}{
	{[]string{"time", "timestamp", "@timestamp", "time_iso8601", "time_local",
		"requestTime", "requestTimeEpoch", "start_time", "msec"}, vocabExact(slotTime)},
	// Traefik (StartLocal carries its zone: the same instant as StartUTC),
	// Caddy, Kong.
	{[]string{"StartUTC", "StartLocal", "ts", "started_at"}, vocabAlias(slotTime)},

	{[]string{"request_id", "requestId", "x_request_id", "req_id"}, vocabExact(slotRequestID)},

	{[]string{"method", "httpMethod", "request_method"}, vocabExact(slotMethod)},
	{[]string{"RequestMethod"}, vocabAlias(slotMethod)}, // Traefik

	{[]string{"path", "request_uri"}, vocabExact(slotPath)},
	// nginx $uri is $request_uri without the query: second choice.
	{[]string{"uri"}, jsonKey{slot: slotPath, rank: rankAlt}},
	{[]string{"RequestPath"}, vocabAlias(slotPath)}, // Traefik

	{[]string{"route", "resourcePath", "routeKey"}, vocabExact(slotRoute)},

	{[]string{"request"}, vocabExact(slotRequestLine)},
	{[]string{"RequestLine"}, vocabAlias(slotRequestLine)}, // Traefik v1

	{[]string{"status", "response_code"}, vocabExact(slotStatus)},
	{[]string{"status_code"}, jsonKey{slot: slotStatus, rank: rankExact, mark: markStatusCode}},
	// Traefik: what the client got, else what the backend said.
	{[]string{"DownstreamStatus"}, vocabAlias(slotStatus)},
	{[]string{"OriginStatus"}, jsonKey{slot: slotStatus, rank: rankAlt, topOnly: true}},

	{[]string{"partner", "api_key_id", "apiKeyId", "client_id", "consumer"}, vocabExact(slotPartner)},

	{[]string{"ip", "client_ip", "remote_addr", "sourceIp"}, vocabExact(slotClientIP)},
	{[]string{"ClientHost"}, vocabAlias(slotClientIP)}, // Traefik
	// Traefik's "host:port" when ClientHost is not logged (the port is dropped).
	{[]string{"ClientAddr"}, jsonKey{slot: slotClientIP, rank: rankAlt, topOnly: true}},

	{[]string{"latency_ms", "responseLatency"}, vocabLatency(unitMs)},
	{[]string{"request_time"}, vocabLatency(unitS)},
	{[]string{"Duration"}, vocabTopLatency(unitNs)},       // Traefik
	{[]string{"duration"}, vocabTopLatency(unitDuration)}, // Caddy (s), Envoy (ms)

	// Envoy's default JSON keys, Istio's and Envoy Gateway's (which logs
	// header names). The client is the first X-Forwarded-For entry, else
	// the downstream remote address (its port dropped).
	{[]string{"x_forwarded_for", "x-forwarded-for", "http_x_forwarded_for"}, jsonKey{slot: slotForwarded, rank: rankForwarded}},
	{[]string{"downstream_remote_address", "downstream_direct_remote_address"}, jsonKey{slot: slotClientIP, rank: rankAlt, topOnly: true, envoy: true}},
	{[]string{"x-envoy-origin-path", "x-envoy-original-path"}, jsonKey{slot: slotPath, rank: rankExact, topOnly: true, envoy: true}},
	{[]string{"x-request-id"}, vocabAlias(slotRequestID)},
	{[]string{"user-agent"}, vocabAlias(slotUserAgent)},
	{[]string{"response_flags"}, jsonKey{slot: slotFlags, rank: rankExact, topOnly: true, envoy: true}},
	{[]string{"upstream_host", "upstream_cluster", "upstream_service_time", "x-envoy-upstream-service-time",
		"bytes_received", "response_code_details", "upstream_local_address", "downstream_local_address",
		"upstream_transport_failure_reason", "connection_termination_details"}, jsonKey{envoy: true}},

	{[]string{"idempotency_key", "http_idempotency_key"}, vocabExact(slotIdempotencyKey)},

	{[]string{"retry_after", "sent_http_retry_after"}, vocabExact(slotRetryAfter)},
	{[]string{"ratelimit_limit", "x_ratelimit_limit", "sent_http_x_ratelimit_limit"}, vocabExact(slotRateLimit)},
	{[]string{"ratelimit_remaining", "x_ratelimit_remaining", "sent_http_x_ratelimit_remaining"}, vocabExact(slotRateRemaining)},
	{[]string{"ratelimit_reset", "x_ratelimit_reset", "sent_http_x_ratelimit_reset"}, vocabExact(slotRateReset)},

	{[]string{"error_type", "errorResponseType"}, vocabExact(slotErrorType)},

	{[]string{"response_body", "resp_body", "body"}, vocabAlias(slotBody)},

	{[]string{"user_agent", "http_user_agent", "userAgent"}, vocabExact(slotUserAgent)},

	{[]string{"responseLength", "body_bytes_sent", "bytes_sent"}, vocabExact(slotBytes)},
	{[]string{"DownstreamContentSize"}, vocabAlias(slotBytes)}, // Traefik

	{[]string{"error"}, vocabMark(markError)},
	{[]string{"errorCode"}, vocabMark(markErrorCode)},
	{[]string{"type"}, vocabMark(markType)},
	{[]string{"title"}, vocabMark(markTitle)},
	{[]string{"message"}, vocabMark(markMessage)},
	{[]string{"errors"}, vocabMark(markErrors)},
	{[]string{"code"}, vocabMark(markCode)},
	{[]string{"detail"}, vocabMark(markDetail)},
}

// vocabBits sizes the vocabulary's hash table: 256 slots for ~110 names
// keeps probe sequences short.
const vocabBits = 8

// vocabEntry is one slot of the vocabulary's hash table.
type vocabEntry struct {
	name string
	key  jsonKey
}

// jsonVocabTable is the vocabulary as an open-addressing hash table, built
// once at start and never changed. Looking a key up costs one hash of four
// bytes and, on average, little more than one string comparison, where a
// switch over ~90 strings costs a binary search of comparisons.
var jsonVocabTable = buildVocabTable()

func buildVocabTable() *[1 << vocabBits]vocabEntry {
	var t [1 << vocabBits]vocabEntry
	for _, g := range jsonVocabulary {
		for _, name := range g.names {
			i := vocabHash([]byte(name))
			for t[i].name != "" {
				i = (i + 1) & (1<<vocabBits - 1)
			}
			t[i] = vocabEntry{name, g.key}
		}
	}
	return &t
}

// vocabHash mixes a key's length and its first, middle and last bytes.
func vocabHash(k []byte) uint32 {
	n := len(k)
	if n == 0 {
		return 0
	}
	h := uint32(n)*0x9E3779B1 ^ uint32(k[0])*0x85EBCA6B ^ uint32(k[n/2])*0xC2B2AE35 ^ uint32(k[n-1])*0x27D4EB2F
	return h >> (32 - vocabBits)
}

// jsonVocab looks a key up in the vocabulary. Matching is exact and
// case-sensitive. The zero jsonKey means "not a vocabulary key".
func jsonVocab(k []byte) jsonKey {
	i := vocabHash(k)
	for range 1 << vocabBits {
		e := &jsonVocabTable[i]
		if e.name == string(k) {
			return e.key
		}
		if e.name == "" {
			return jsonKey{}
		}
		i = (i + 1) & (1<<vocabBits - 1)
	}
	return jsonKey{}
}

// jsonPath looks up the exact two-level dotted paths of the vocabulary
// (parent.key). They beat the leaf rule.
func jsonPath(parent, k []byte) jsonKey {
	switch string(parent) {
	case "error":
		if string(k) == "responseType" { // API Gateway $context.error.responseType
			return vocabExact(slotErrorType)
		}
	case "consumer": // Kong: the consumer object
		switch string(k) {
		case "username":
			return vocabExact(slotPartner)
		case "id":
			return jsonKey{slot: slotPartner, rank: rankAlt}
		}
	case "latencies":
		if string(k) == "request" { // Kong: total latency in ms
			return vocabLatency(unitMs)
		}
	}
	return jsonKey{}
}

// maxFoldedKey bounds the keys foldKey normalises; longer keys are neither
// secrets nor headers of the vocabulary.
const maxFoldedKey = 40

// foldKey writes k lowercased with '-' turned into '_' into buf and returns
// the result, or nil when k does not fit. Header names and credential keys
// are compared in this form: "X-Api-Key", "x_api_key" and "X_API_KEY" are
// the same key.
func foldKey(buf *[maxFoldedKey]byte, k []byte) []byte {
	if len(k) > len(buf) {
		return nil
	}
	for i, c := range k {
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c == '-':
			c = '_'
		}
		buf[i] = c
	}
	return buf[:len(k)]
}

// isSecretKey reports whether a folded key names a credential: an API key or
// an Authorization header, bare, as an nginx variable (http_…) or as a
// Traefik request header field (request_…).
func isSecretKey(f []byte) bool {
	switch string(f) {
	case "x_api_key", "api_key", "apikey", "authorization", "proxy_authorization",
		"http_x_api_key", "http_api_key", "http_apikey", "http_authorization", "http_proxy_authorization",
		"request_x_api_key", "request_api_key", "request_apikey", "request_authorization", "request_proxy_authorization":
		return true
	}
	return false
}

// headerSlot maps a folded HTTP header name to the field it fills. Header
// names come from header maps (Kong's request.headers, Caddy's
// resp_headers) and from prefixed header fields (nginx http_…/sent_http_…,
// Traefik request_…/downstream_…/origin_…).
func headerSlot(h []byte) jsonSlot {
	switch string(h) {
	case "user_agent":
		return slotUserAgent
	case "x_request_id", "request_id":
		return slotRequestID
	case "idempotency_key":
		return slotIdempotencyKey
	case "retry_after":
		return slotRetryAfter
	case "x_ratelimit_limit", "ratelimit_limit":
		return slotRateLimit
	case "x_ratelimit_remaining", "ratelimit_remaining":
		return slotRateRemaining
	case "x_ratelimit_reset", "ratelimit_reset":
		return slotRateReset
	case "x_forwarded_for":
		return slotForwarded
	}
	return slotNone
}

// headerFieldName strips the prefix of a flattened header field — nginx
// http_/sent_http_, Traefik request_/downstream_/origin_ — from a folded
// key, or returns nil when it has none.
func headerFieldName(f []byte) []byte {
	for _, p := range [...]string{"sent_http_", "http_", "request_", "downstream_", "origin_"} {
		if len(f) > len(p) && string(f[:len(p)]) == p {
			return f[len(p):]
		}
	}
	return nil
}

// isHeaderMap reports whether a folded key names a map of HTTP headers.
func isHeaderMap(f []byte) bool {
	switch string(f) {
	case "headers", "resp_headers", "req_headers", "request_headers", "response_headers":
		return true
	}
	return false
}

// isSensitiveKey reports whether a folded key's value must not appear in a
// stored error body: the credential keys, and anything named like a
// password, secret, token or API key.
func isSensitiveKey(f []byte) bool {
	if isSecretKey(f) {
		return true
	}
	for _, s := range [...]string{"authorization", "api_key", "apikey", "password", "passwd", "secret", "token", "cookie"} {
		if len(f) >= len(s) && string(f[len(f)-len(s):]) == s {
			return true
		}
	}
	return false
}
