package oracle

import (
	"bytes"
	"math"
	"strconv"

	"github.com/valyala/fastjson"
)

// The JSON parser serves FormatAPIGW, FormatNginxJSON and FormatJSONL: one
// vocabulary (json_vocab.go) covers all three.
//
// A line is parsed once by a reused fastjson.Parser. Its top-level members
// are matched against the vocabulary; nested objects are walked (down to
// maxJSONDepth objects below the top) and their keys matched by their last
// path component, at a lower rank than top-level keys, except for the exact
// dotted paths error.responseType, consumer.username, consumer.id and
// latencies.request. A top-level key written with dots ("error.responseType")
// is treated as that path. Arrays and objects never fill scalar fields. A
// body field's value (top-level, or a nested object under a body key) is
// not walked: it is the error body, opaque here.
//
// Strings and numbers that fill Record fields are copied into p.scratch,
// which parseJSON first grows to hold the whole line: every such value is
// at most as long as its raw text and none is copied twice, so the copies
// never outgrow that reservation and stay in one backing array. A
// JSON-object body, and a bare envelope's whole line, are sub-slices of the
// line itself. Copies of fields scrubbed of a credential live in
// jsonState.redacted. Nothing is allocated per line once these buffers have
// grown, except a *ParseError for a rejected line.
//
// Decisions worth knowing:
//
//   - "", "-" and null are absent, for every field.
//   - Among keys for one field, a top-level key beats a nested leaf and,
//     among equals, the first wins; for the time the most precise value wins
//     among equals (requestTimeEpoch in ms over requestTime in CLF).
//   - API Gateway v2 routeKey "GET /pets/{id}" gives the route /pets/{id}
//     and, when no method key is present, the method GET ("ANY" is not a
//     method and is dropped); any route value of that form is split so.
//     WebSocket route keys ($connect, $disconnect, custom actions) are kept
//     as the route, so those lines count as requests. "$default" is the
//     catch-all, not a template: it is ignored and the route is later
//     derived from the path.
//   - A line with no method, path or route and no body field, whose top
//     level looks like an error envelope (see isEnvelope), is a bare
//     envelope: Body is the whole line.
//   - A time, status or other value under a nested key that does not parse
//     is ignored: nested objects hold all sorts of "status" and "time"
//     fields. The same at top level rejects the line (bad_time, bad_status).
//   - Latency, bytes, Retry-After and rate-limit values that do not parse are
//     left absent rather than rejecting the line.
//   - Header maps (any object named headers, resp_headers, …) and flattened
//     header fields (http_…, sent_http_…, Traefik request_…/downstream_…/
//     origin_…) are matched by header name, case-insensitively: User-Agent,
//     X-Request-Id, Idempotency-Key, Retry-After, (X-)RateLimit-*. A header
//     value may be a string or an array of strings (Caddy): the first wins.
//   - Credentials (isSecretKey, at any depth, case-insensitively) go to
//     r.Secret only; a line holding nothing else is no_fields. A field that
//     would still contain the credential's text (an API key repeated in the
//     query string, a body echoing it) gets a copy with the text replaced by
//     "REDACTED", and values of sensitive keys (isSensitiveKey) inside a
//     JSON body are replaced the same way.

// maxJSONDepth bounds how deep nested objects are searched for vocabulary
// keys.
const maxJSONDepth = 8

// jsonState is the JSON parser's reusable state, kept in the Parser.
type jsonState struct {
	fj       fastjson.Parser
	num      []byte // text of the JSON number being read
	redacted []byte // backing store for fields scrubbed of a credential

	// Per line.
	err       *ParseError
	line      []byte         // the line, trimmed
	rank      [numSlots]int8 // rank of the key that filled each slot; 0 = unfilled
	filled    bool           // some field other than Secret was set
	marks     uint16         // envelope marks seen at top level
	bodyIndex int            // index of the top-level member holding an object/array body; -1 = none
	retryDate int64          // Retry-After given as an HTTP-date (epoch ms); 0 = none
	envoy     bool           // a key only Envoy writes was seen: "duration" is in ms
	durationS bool           // the latency came from "duration", read as seconds
}

// parseJSON parses one JSON object line into r (which Parse has reset).
func (p *Parser) parseJSON(line []byte, r *Record) error {
	st := &p.js
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return &ParseError{Reason: "bad_json", Detail: "empty line"}
	}
	if line[0] != '{' {
		return &ParseError{Reason: "bad_json", Detail: "not a JSON object at byte 0: " + quoteExcerpt(line, 0)}
	}
	root, err := st.fj.ParseBytes(line)
	if err != nil {
		return jsonSyntaxError(line)
	}
	obj, err := root.Object()
	if err != nil { // cannot happen for a line starting with '{'
		return &ParseError{Reason: "bad_json", Detail: "not a JSON object"}
	}

	st.reset(line)
	p.reserveScratch(len(line))

	i := 0
	obj.Visit(func(k []byte, v *fastjson.Value) {
		p.jsonTop(r, k, v, i)
		i++
	})
	if st.err != nil {
		return st.err
	}
	p.jsonFinish(r)
	if !st.filled {
		return &ParseError{Reason: "no_fields", Detail: "no known field in a JSON object of " + strconv.Itoa(i) + " keys"}
	}
	return nil
}

// reset prepares the state for a new line.
func (st *jsonState) reset(line []byte) {
	st.redacted = st.redacted[:0]
	st.err = nil
	st.line = line
	st.rank = [numSlots]int8{}
	st.filled = false
	st.marks = 0
	st.bodyIndex = -1
	st.retryDate = 0
	st.envoy, st.durationS = false, false
}

// reserveScratch makes room for n more bytes in p.scratch. parseJSON calls
// it before copying anything of the line, with the line's length, so that
// the line's copies never move each other.
func (p *Parser) reserveScratch(n int) {
	if cap(p.scratch)-len(p.scratch) >= n {
		return
	}
	grown := make([]byte, len(p.scratch), max(2*cap(p.scratch), len(p.scratch)+n))
	copy(grown, p.scratch)
	p.scratch = grown
}

// keep copies b into the scratch buffer and returns the copy, capped so that
// appending to it cannot overwrite what follows.
func (p *Parser) keep(b []byte) []byte {
	n := len(p.scratch)
	p.scratch = append(p.scratch, b...)
	return p.scratch[n:len(p.scratch):len(p.scratch)]
}

// jsonTop handles the i-th top-level member.
func (p *Parser) jsonTop(r *Record, k []byte, v *fastjson.Value, i int) {
	st := &p.js
	if st.err != nil {
		return
	}
	key := jsonVocab(k)
	if mk, ok := p.mapped(k); ok {
		key = mk
	}
	t := v.Type()
	st.envoy = st.envoy || key.envoy
	if key.mark != 0 && (t == fastjson.TypeObject || t == fastjson.TypeArray || t == fastjson.TypeNumber || t == fastjson.TypeString && !isAbsentText(v)) {
		st.marks |= key.mark
	}
	if (key.slot == slotStatus || key.slot == slotTime) && isNonScalar(t) {
		// true, [] or {} where a status or time belongs: not absent (as
		// null is) but wrong, like "abc".
		reason := "bad_status"
		if key.slot == slotTime {
			reason = "bad_time"
		}
		st.fail(reason, fieldDetail(k, v.MarshalTo(nil)))
		return
	}
	var buf [maxFoldedKey]byte
	switch t {
	case fastjson.TypeObject:
		if key.slot == slotBody {
			p.claimBodyMember(i)
			return
		}
		f := foldKey(&buf, k)
		if isSecretKey(f) {
			return // a credential object: neither walked nor stored
		}
		o, _ := v.Object()
		p.jsonWalk(r, o, k, isHeaderMap(f), 1)
	case fastjson.TypeArray:
		if key.slot == slotBody {
			p.claimBodyMember(i)
			return
		}
		if isSecretKey(foldKey(&buf, k)) {
			p.takeSecret(r, v)
		}
	case fastjson.TypeString, fastjson.TypeNumber:
		switch {
		case key.slot != slotNone:
			p.jsonApply(r, key.slot, key.unit, key.rank, v, k)
		case key.mark == 0:
			p.jsonTopOther(r, k, v)
		}
	}
}

// jsonTopOther handles a top-level scalar whose key is not in the
// vocabulary: a credential, a flattened dotted path ("error.responseType",
// "request.method") or a flattened header field ("http_x_request_id",
// Traefik's "request_User-Agent").
func (p *Parser) jsonTopOther(r *Record, k []byte, v *fastjson.Value) {
	leaf := k
	if d := bytes.LastIndexByte(k, '.'); d >= 0 {
		leaf = k[d+1:]
	}
	var buf [maxFoldedKey]byte
	f := foldKey(&buf, leaf)
	if isSecretKey(f) {
		p.takeSecret(r, v)
		return
	}
	if len(leaf) < len(k) {
		if d := bytes.IndexByte(k, '.'); d == len(k)-len(leaf)-1 {
			if pk := jsonPath(k[:d], leaf); pk.slot != slotNone {
				p.jsonApply(r, pk.slot, pk.unit, pk.rank, v, k)
				return
			}
		}
		p.jsonLeaf(r, leaf, v)
		return
	}
	if h := headerFieldName(f); h != nil {
		if s := headerSlot(h); s != slotNone {
			p.jsonApply(r, s, unitMs, rankLeaf, v, nil)
		}
	}
}

// jsonWalk visits the members of a nested object at the given depth (1 for a
// child of the top level); parent is the object's own key.
func (p *Parser) jsonWalk(r *Record, o *fastjson.Object, parent []byte, headers bool, depth int) {
	o.Visit(func(k []byte, v *fastjson.Value) {
		p.jsonNested(r, parent, k, v, headers, depth)
	})
}

// jsonNested handles one member of a nested object.
func (p *Parser) jsonNested(r *Record, parent, k []byte, v *fastjson.Value, headers bool, depth int) {
	if p.js.err != nil {
		return
	}
	if depth == 1 {
		if pk := jsonPath(parent, k); pk.slot != slotNone {
			if t := v.Type(); t == fastjson.TypeString || t == fastjson.TypeNumber {
				p.jsonApply(r, pk.slot, pk.unit, pk.rank, v, k)
			}
			return
		}
	}
	var buf [maxFoldedKey]byte
	f := foldKey(&buf, k)
	if isSecretKey(f) {
		p.takeSecret(r, v)
		return
	}
	switch v.Type() {
	case fastjson.TypeObject:
		// A nested body is opaque, as a top-level one is.
		if depth < maxJSONDepth && jsonVocab(k).slot != slotBody {
			o, _ := v.Object()
			p.jsonWalk(r, o, k, isHeaderMap(f), depth+1)
		}
	case fastjson.TypeArray:
		if headers {
			if s := headerSlot(f); s != slotNone {
				if a, _ := v.Array(); len(a) > 0 {
					if t := a[0].Type(); t == fastjson.TypeString || t == fastjson.TypeNumber {
						p.jsonApply(r, s, unitMs, rankLeaf, a[0], nil)
					}
				}
			}
		}
	case fastjson.TypeString, fastjson.TypeNumber:
		if headers {
			if s := headerSlot(f); s != slotNone {
				p.jsonApply(r, s, unitMs, rankLeaf, v, nil)
				return
			}
		}
		p.jsonLeaf(r, k, v)
	}
}

// jsonLeaf matches the last component of a nested key against the
// vocabulary. Values that do not parse are ignored, not rejected.
func (p *Parser) jsonLeaf(r *Record, leaf []byte, v *fastjson.Value) {
	key := jsonVocab(leaf)
	if key.slot == slotNone || key.topOnly {
		return
	}
	p.jsonApply(r, key.slot, key.unit, rankLeaf, v, nil)
}

// claimBodyMember records that the i-th top-level member is a JSON object or
// array body; jsonFinish finds its raw text in the line.
func (p *Parser) claimBodyMember(i int) {
	st := &p.js
	if st.rank[slotBody] >= rankExact {
		return
	}
	st.rank[slotBody] = rankExact
	st.bodyIndex = i
	st.filled = true
}

// isNonScalar reports whether a JSON type can never be a field's value:
// a boolean, an array or an object.
func isNonScalar(t fastjson.Type) bool {
	switch t {
	case fastjson.TypeTrue, fastjson.TypeFalse, fastjson.TypeArray, fastjson.TypeObject:
		return true
	}
	return false
}

// isAbsentText reports whether a string value is "", "-" (and so absent).
func isAbsentText(v *fastjson.Value) bool {
	b, _ := v.StringBytes()
	return len(b) == 0 || isDash(b)
}

// scalarText returns the text of a string or number value: a string's
// unescaped bytes (in fastjson's buffer) or a number's literal (in st.num).
// Absent values ("", "-", null, booleans, objects, arrays) give ok=false.
func (st *jsonState) scalarText(v *fastjson.Value) (text []byte, number, ok bool) {
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		if len(b) == 0 || isDash(b) {
			return nil, false, false
		}
		return b, false, true
	case fastjson.TypeNumber:
		st.num = v.MarshalTo(st.num[:0])
		return st.num, true, true
	}
	return nil, false, false
}

// claim reports whether a value of the given rank may fill slot s, and if
// so records the rank.
func (st *jsonState) claim(s jsonSlot, rank int8) bool {
	if rank <= st.rank[s] {
		return false
	}
	st.rank[s] = rank
	st.filled = true
	return true
}

// jsonApply reads v as the value of slot s at the given rank. A non-nil
// strictKey is the top-level key (or exact path) v came from: an unparsable
// time or status then rejects the line, naming that key; otherwise it is
// ignored.
func (p *Parser) jsonApply(r *Record, s jsonSlot, unit jsonUnit, rank int8, v *fastjson.Value, strictKey []byte) {
	st := &p.js
	text, number, ok := st.scalarText(v)
	if !ok {
		return
	}
	switch s {
	case slotTime:
		p.applyTime(r, rank, text, number, strictKey)
	case slotStatus:
		n, ok := fieldStatus(text)
		if !ok {
			if strictKey != nil {
				st.fail("bad_status", fieldDetail(strictKey, text))
			}
			return
		}
		if st.claim(s, rank) {
			r.Status = n
		}
	case slotLatency:
		ms, ok := jsonDuration(text, unit)
		if ok && st.claim(s, rank) {
			r.LatencyMs, st.durationS = ms, unit == unitDuration
		}
	case slotForwarded:
		// Only an address: "unknown" or a host name leaves the other keys.
		if first := firstListEntry(text); isIPAddr(first) && st.claim(slotClientIP, rank) {
			r.ClientIP = p.keep(first)
		}
	case slotFlags:
		if isResponseFlags(text) && st.claim(s, rank) {
			r.ResponseFlags = p.keep(text)
		}
	case slotBytes:
		if n, ok := fieldUint(text); ok && st.claim(s, rank) {
			r.BytesSent = n
		}
	case slotRateLimit, slotRateRemaining, slotRateReset:
		n, ok := leadingInt(text)
		if !ok || !st.claim(s, rank) {
			return
		}
		switch s {
		case slotRateLimit:
			r.RateLimitLimit = n
		case slotRateRemaining:
			r.RateLimitRemaining = n
		default:
			r.RateLimitReset = n
		}
	case slotRetryAfter:
		if secs, ok := retryAfterSeconds(text); ok {
			if st.claim(s, rank) {
				r.RetryAfter, st.retryDate = secs, 0
			}
		} else if ms, ok := httpDate(text); ok && st.claim(s, rank) {
			r.RetryAfter, st.retryDate = -1, ms
		}
	case slotRequestLine:
		if rankLine <= st.rank[slotMethod] && rankLine <= st.rank[slotPath] {
			return
		}
		method, target, ok := splitRequest(p.keep(text))
		if !ok {
			if strictKey != nil {
				st.fail("bad_request_line", fieldDetail(strictKey, text))
			}
			return
		}
		if method != nil && st.claim(slotMethod, rankLine) {
			r.Method = method
		}
		if target != nil && st.claim(slotPath, rankLine) {
			r.Path = target
		}
	case slotRoute:
		p.applyRoute(r, rank, text)
	case slotBody:
		if st.claim(s, rank) {
			r.Body = p.keep(text)
			st.bodyIndex = -1
		}
	default:
		if dst := bytesField(r, s); dst != nil && st.claim(s, rank) {
			*dst = p.keep(text)
		}
	}
}

// bytesField returns the Record field a byte-valued slot fills.
func bytesField(r *Record, s jsonSlot) *[]byte {
	switch s {
	case slotRequestID:
		return &r.RequestID
	case slotMethod:
		return &r.Method
	case slotPath:
		return &r.Path
	case slotPartner:
		return &r.Partner
	case slotClientIP:
		return &r.ClientIP
	case slotUserAgent:
		return &r.UserAgent
	case slotIdempotencyKey:
		return &r.IdempotencyKey
	case slotErrorType:
		return &r.ErrorType
	}
	return nil
}

// applyTime reads a timestamp. Among keys of equal rank the most precise
// wins; among equally precise ones, the first.
func (p *Parser) applyTime(r *Record, rank int8, text []byte, number bool, strictKey []byte) {
	st := &p.js
	ms, prec, ok := ParseTime(text)
	if !ok && number {
		ms, prec, ok = epochFloat(text)
		ok = ok && TimeInRange(ms)
	}
	if !ok {
		if strictKey != nil {
			st.fail("bad_time", fieldDetail(strictKey, text))
		}
		return
	}
	cur := st.rank[slotTime]
	if rank > cur || rank == cur && prec > r.TimePrec {
		st.rank[slotTime] = rank
		st.filled = true
		r.TimeMs, r.TimePrec = ms, prec
	}
}

// applyRoute reads a route template. "METHOD /path" (API Gateway v2
// routeKey) is split: the method fills r.Method at the lowest rank, so an
// explicit method key wins. "$default" is ignored (see the package notes).
func (p *Parser) applyRoute(r *Record, rank int8, text []byte) {
	st := &p.js
	if string(text) == "$default" || rank <= st.rank[slotRoute] {
		return
	}
	text = p.keep(text)
	if sp := bytes.IndexByte(text, ' '); sp > 0 && sp+1 < len(text) && text[sp+1] == '/' && isHTTPToken(text[:sp]) {
		method := text[:sp]
		text = text[sp+1:]
		if string(method) != "ANY" && st.claim(slotMethod, rankLine) {
			r.Method = method
		}
	}
	st.claim(slotRoute, rank)
	r.Route = text
}

// fieldDetail describes a rejected value for a ParseError: its key and the
// start of its text, both quoted.
func fieldDetail(key, text []byte) string {
	return quoteExcerpt(key, 0) + ": " + quoteExcerpt(text, 0)
}

// fail records the line's first error.
func (st *jsonState) fail(reason, detail string) {
	if st.err == nil {
		st.err = &ParseError{Reason: reason, Detail: detail}
	}
}

// jsonFinish resolves what needs the whole line: an object body's raw
// text, a bare envelope, a Retry-After date, and credential scrubbing.
func (p *Parser) jsonFinish(r *Record) {
	st := &p.js
	line := st.line
	if st.bodyIndex >= 0 {
		if start, end, ok := memberValueSpan(line, st.bodyIndex); ok {
			r.Body = line[start:end]
		}
	}
	if r.Body == nil && !r.IsAccess() && st.isEnvelope() {
		r.Body = line
		st.filled = true
	}
	if st.envoy && st.durationS {
		r.LatencyMs /= 1000 // Envoy's %DURATION% is milliseconds, read as seconds
	}
	if st.retryDate != 0 && r.TimeMs != 0 {
		secs := (st.retryDate - r.TimeMs + 999) / 1000
		r.RetryAfter = int32(min(max(secs, 0), math.MaxInt32))
	}
	p.redact(r)
}

// isEnvelope reports whether the top-level keys look like an API error
// envelope: "error", "errorCode", "errors" (JSON:API, GraphQL), "detail"
// (Django REST framework, FastAPI), RFC 7807 "type" or a status with
// "title", or "message" with "status_code" or "code" (Twilio).
func (st *jsonState) isEnvelope() bool {
	m := st.marks
	return m&(markError|markErrorCode|markErrors|markDetail) != 0 ||
		m&(markType|markTitle) == markType|markTitle ||
		m&markTitle != 0 && st.rank[slotStatus] > 0 || // RFC 7807 without a type
		m&(markMessage|markStatusCode) == markMessage|markStatusCode ||
		m&(markMessage|markCode) == markMessage|markCode
}
