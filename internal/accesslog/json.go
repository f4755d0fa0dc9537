package accesslog

import (
	"bytes"
	"math"
	"strconv"
)

// The JSON parser serves FormatAPIGW, FormatNginxJSON and FormatJSONL: one
// vocabulary (json_vocab.go) covers all three.
//
// A line is read in one pass that also validates it (json_lex.go) and
// builds no tree: its top-level members are matched against the vocabulary
// as they come (a key seen at the same position on earlier lines is
// matched in place, json_memo.go); nested objects are walked (down to
// maxJSONDepth objects below the top) and their keys matched by their last
// path component, at a lower rank than top-level keys, except for the
// exact dotted paths error.responseType, consumer.username, consumer.id and
// latencies.request. A syntax error anywhere rejects the line whole, as
// bad_json with the offset jsonSyntaxError finds. A top-level key written with dots ("error.responseType")
// is treated as that path. Arrays and objects never fill scalar fields. A
// body field's value (top-level, or a nested object under a body key) is
// not walked: it is the error body, opaque here.
//
// Only the values that fill Record fields are decoded. Strings without a
// backslash and numbers are sub-slices of the line; a string with escapes
// is unescaped into p.scratch, which parseJSON first grows to hold the
// whole line: a decoded string is at most as long as its raw text and none
// is decoded twice, so they never outgrow that reservation and stay in one
// backing array. A JSON-object body, and a bare envelope's whole line, are
// sub-slices of the line too. Copies of fields scrubbed of a credential
// live in jsonState.redacted. Nothing is allocated per line once these buffers have
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
	redacted []byte                // backing store for fields scrubbed of a credential
	topKey   []byte                // the current top-level key, unescaped
	key      jsonKey               // the meaning of a top-level key the memo does not hold
	memo     [keyMemoSlots]keyMemo // meanings of the top-level keys of earlier lines (json_memo.go)
	keys     []byte                // nested keys being visited, unescaped (a stack)

	// Per line.
	err       *ParseError
	line      []byte         // the line, trimmed
	rank      [numSlots]int8 // rank of the key that filled each slot; 0 = unfilled
	filled    bool           // some field other than Secret was set
	marks     uint16         // envelope marks seen at top level
	bodyStart int            // the raw text of a top-level object or array body: line[bodyStart:bodyEnd]; -1 = none
	bodyEnd   int
	retryDate int64 // Retry-After given as an HTTP-date (epoch ms); 0 = none
	envoy     bool  // a key only Envoy writes was seen: "duration" is in ms
	durationS bool  // the latency came from "duration", read as seconds
}

// parseJSON parses one JSON object line into r (which Parse has reset).
func (p *Parser) parseJSON(line []byte, r *Record) error {
	st := &p.js
	if len(line) == 0 || line[0] != '{' || line[len(line)-1] != '}' {
		line = bytes.TrimSpace(line)
	}
	if len(line) == 0 {
		return &ParseError{Reason: "bad_json", Detail: "empty line"}
	}
	if line[0] != '{' {
		return &ParseError{Reason: "bad_json", Detail: "not a JSON object at byte 0: " + quoteExcerpt(line, 0)}
	}
	st.reset(line)
	p.reserveScratch(len(line))

	members, ok := p.jsonScanTop(r)
	if !ok {
		// A syntax error anywhere rejects the line whole, whatever the
		// members before it filled.
		r.Reset()
		return jsonSyntaxError(line)
	}
	if st.err != nil {
		return st.err
	}
	p.jsonFinish(r)
	if !st.filled {
		return &ParseError{Reason: "no_fields", Detail: "no known field in a JSON object of " + strconv.Itoa(members) + " keys"}
	}
	return nil
}

// reset prepares the state for a new line.
func (st *jsonState) reset(line []byte) {
	st.redacted = st.redacted[:0]
	st.keys = st.keys[:0]
	st.err = nil
	st.line = line
	st.rank = [numSlots]int8{}
	st.filled = false
	st.marks = 0
	st.bodyStart, st.bodyEnd = -1, -1
	st.retryDate = 0
	st.envoy, st.durationS = false, false
}

// reserveScratch makes room for n more bytes in p.scratch. parseJSON calls
// it before decoding anything of the line, with the line's length, so that
// the line's decoded strings never move each other.
func (p *Parser) reserveScratch(n int) {
	if cap(p.scratch)-len(p.scratch) >= n {
		return
	}
	grown := make([]byte, len(p.scratch), max(2*cap(p.scratch), len(p.scratch)+n))
	copy(grown, p.scratch)
	p.scratch = grown
}

// pin caps b so that appending to it cannot overwrite what follows.
func pin(b []byte) []byte { return b[:len(b):len(b)] }

// valueText returns the text of a string or number value: a string's
// content, unescaped into p.scratch when it has escapes (once: the result
// is cached in v), or a number's literal; both alias the line otherwise.
func (p *Parser) valueText(v *jsonValue) []byte {
	if v.esc {
		return p.unescapedText(v)
	}
	return p.js.line[v.ts:v.te:v.te]
}

// unescapedText returns the content of a string with escapes, unescaped
// into p.scratch on the first call.
func (p *Parser) unescapedText(v *jsonValue) []byte {
	if !v.decoded {
		v.decoded = true
		n := len(p.scratch)
		p.scratch = appendUnescaped(p.scratch, p.js.line[v.ts:v.te])
		v.text = p.scratch[n:len(p.scratch):len(p.scratch)]
	}
	return v.text
}

// jsonScanTop reads the line's top-level object member by member, in one
// pass that also validates it, and returns the number of members; ok is
// false on a syntax error.
func (p *Parser) jsonScanTop(r *Record) (members int, ok bool) {
	st := &p.js
	b := st.line
	i := skipSpaceAt(b, 1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for more := true; more; members++ {
			k, key, at := p.memoKeyAt(i, members)
			if key == nil {
				raw, esc, vat := memberKeyAt(b, i)
				if vat < 0 {
					return members, false
				}
				k, at = raw, vat
				if esc {
					st.topKey = appendUnescaped(st.topKey[:0], raw)
					k = st.topKey
				}
				key = p.topKey(k, members)
			}
			if i = p.jsonTop(r, k, key, at, members); i < 0 {
				return members, false
			}
			if i, more, ok = afterMember(b, i); !ok {
				return members, false
			}
		}
	}
	return members, skipSpaceAt(b, i) == len(b)
}

// jsonTop handles the top-level member with key k, meaning key, whose
// value starts at line[at], the i-th member of the line; it returns the
// index just after the value, or -1 on a syntax error.
func (p *Parser) jsonTop(r *Record, k []byte, key *jsonKey, at, i int) int {
	st := &p.js
	b := st.line
	const depth = 2 // a top-level member's value
	if st.err != nil || at >= len(b) {
		return jsonValueEnd(b, at, depth)
	}
	st.envoy = st.envoy || key.envoy
	if c := b[at]; c == '{' || c == '[' {
		st.marks |= key.mark
		if key.slot == slotStatus || key.slot == slotTime || key.slot == slotBody {
			end := jsonValueEnd(b, at, depth)
			if end < 0 {
				return -1
			}
			if key.slot == slotBody {
				p.claimBodyMember(at, end)
			} else {
				// [] or {} where a status or time belongs: not absent
				// (as null is) but wrong, like "abc".
				st.fail(strictReason(key.slot), fieldDetail(k, appendCompactJSON(nil, b[at:end])))
			}
			return end
		}
		var buf [maxFoldedKey]byte
		f := foldKey(&buf, k)
		switch {
		case c == '{' && isSecretKey(f):
			return jsonValueEnd(b, at, depth) // a credential object: neither walked nor stored
		case c == '{':
			return p.jsonWalk(r, at, k, isHeaderMap(f), 1)
		case isSecretKey(f):
			return p.takeSecretAt(r, at, depth)
		}
		return jsonValueEnd(b, at, depth)
	}
	var v jsonValue
	if b[at] == '"' {
		// The common case, inline: a string.
		end, esc := stringEnd(b, at)
		if end < 0 {
			return -1
		}
		if !esc && key.mark == 0 && key.rank > st.rank[key.slot] {
			if dst := bytesField(r, key.slot); dst != nil {
				// A plain string for a byte field no earlier key filled:
				// what jsonApply would do, without its dispatch.
				if text := b[at+1 : end-1 : end-1]; !isAbsentText(text) {
					st.rank[key.slot] = key.rank
					st.filled = true
					*dst = text
				}
				return end
			}
		}
		// Field by field: a composite literal is built aside and copied
		// in wide moves that stall on the narrow stores before them.
		v.kind, v.esc = jsonString, esc
		v.start, v.end, v.ts, v.te = at, end, at+1, end-1
	} else if !scalarAt(b, at, depth, &v) {
		return -1
	}
	if key.mark != 0 && (v.kind == jsonNumber || v.kind == jsonString && !isAbsentText(p.valueText(&v))) {
		st.marks |= key.mark
	}
	switch {
	case (key.slot == slotStatus || key.slot == slotTime) && (v.kind == jsonTrue || v.kind == jsonFalse):
		st.fail(strictReason(key.slot), fieldDetail(k, b[v.start:v.end]))
	case !v.isText():
	case key.slot != slotNone:
		p.jsonApply(r, key.slot, key.unit, key.rank, &v, k)
	case key.mark == 0:
		p.jsonTopOther(r, k, &v)
	}
	return v.end
}

// strictReason is the rejection reason for a bad top-level status or time.
func strictReason(s jsonSlot) string {
	if s == slotTime {
		return "bad_time"
	}
	return "bad_status"
}

// jsonTopOther handles a top-level string or number whose key is not in
// the vocabulary: a credential, a flattened dotted path
// ("error.responseType", "request.method") or a flattened header field
// ("http_x_request_id", Traefik's "request_User-Agent").
func (p *Parser) jsonTopOther(r *Record, k []byte, v *jsonValue) {
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

// jsonWalk reads the nested object opening at line[at] at the given depth
// (1 for a child of the top level) and handles its members; parent is the
// object's own key. It returns the index just after the object, or -1 on a
// syntax error.
func (p *Parser) jsonWalk(r *Record, at int, parent []byte, headers bool, depth int) int {
	st := &p.js
	b := st.line
	i := skipSpaceAt(b, at+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for more := true; more; {
		raw, esc, vat := memberKeyAt(b, i)
		if vat < 0 {
			return -1
		}
		k, mark := raw, len(st.keys)
		if esc {
			st.keys = appendUnescaped(st.keys, raw)
			k = st.keys[mark:]
		}
		i = p.jsonNested(r, parent, k, vat, headers, depth)
		st.keys = st.keys[:mark]
		if i < 0 {
			return -1
		}
		var ok bool
		if i, more, ok = afterMember(b, i); !ok {
			return -1
		}
	}
	return i
}

// jsonNested handles one member of a nested object at the given depth: k
// is its key, its value starts at line[at]. It returns the index just after
// the value, or -1 on a syntax error.
func (p *Parser) jsonNested(r *Record, parent, k []byte, at int, headers bool, depth int) int {
	st := &p.js
	b := st.line
	vdepth := depth + 2 // the value's nesting level: the top-level object is 1
	if st.err != nil || at >= len(b) {
		return jsonValueEnd(b, at, vdepth)
	}
	c := b[at]
	if depth == 1 {
		if pk := jsonPath(parent, k); pk.slot != slotNone {
			if c == '{' || c == '[' {
				return jsonValueEnd(b, at, vdepth)
			}
			var v jsonValue
			if !scalarAt(b, at, vdepth, &v) {
				return -1
			}
			if v.isText() {
				p.jsonApply(r, pk.slot, pk.unit, pk.rank, &v, k)
			}
			return v.end
		}
	}
	var buf [maxFoldedKey]byte
	f := foldKey(&buf, k)
	if isSecretKey(f) {
		return p.takeSecretAt(r, at, vdepth)
	}
	switch c {
	case '{':
		// A nested body is opaque, as a top-level one is.
		if depth < maxJSONDepth && jsonVocab(k).slot != slotBody {
			return p.jsonWalk(r, at, k, isHeaderMap(f), depth+1)
		}
		return jsonValueEnd(b, at, vdepth)
	case '[':
		if headers {
			if s := headerSlot(f); s != slotNone {
				first, end := p.firstOfArray(at, vdepth)
				if end >= 0 && first.isText() {
					p.jsonApply(r, s, unitMs, rankLeaf, &first, nil)
				}
				return end
			}
		}
		return jsonValueEnd(b, at, vdepth)
	}
	var v jsonValue
	if !scalarAt(b, at, vdepth, &v) {
		return -1
	}
	if !v.isText() {
		return v.end
	}
	if headers {
		if s := headerSlot(f); s != slotNone {
			p.jsonApply(r, s, unitMs, rankLeaf, &v, nil)
			return v.end
		}
	}
	p.jsonLeaf(r, k, &v)
	return v.end
}

// firstOfArray validates the array opening at line[at] (nesting level
// depth) and returns its first element when that is a scalar (kind
// jsonNull otherwise), and the index just after the array (-1 on a syntax
// error).
func (p *Parser) firstOfArray(at, depth int) (first jsonValue, end int) {
	b := p.js.line
	if depth > maxJSONNesting {
		return first, -1
	}
	i := skipSpaceAt(b, at+1)
	if i >= len(b) {
		return first, -1
	}
	if b[i] == ']' {
		return first, i + 1
	}
	if c := b[i]; c != '{' && c != '[' {
		if !scalarAt(b, i, depth+1, &first) {
			return jsonValue{}, -1
		}
		i = first.end
	} else if i = jsonValueEnd(b, i, depth+1); i < 0 {
		return first, -1
	}
	for {
		if i = skipSpaceAt(b, i); i >= len(b) {
			return first, -1
		}
		switch b[i] {
		case ']':
			return first, i + 1
		case ',':
			if i = jsonValueEnd(b, skipSpaceAt(b, i+1), depth+1); i < 0 {
				return first, -1
			}
		default:
			return first, -1
		}
	}
}

// takeSecretAt reads the value at line[at] (nesting level depth) as a
// credential (see takeSecret) and returns the index just after it.
func (p *Parser) takeSecretAt(r *Record, at, depth int) int {
	b := p.js.line
	switch b[at] {
	case '{':
		return jsonValueEnd(b, at, depth)
	case '[':
		first, end := p.firstOfArray(at, depth)
		if end >= 0 && first.isText() {
			p.takeSecret(r, &first)
		}
		return end
	}
	var v jsonValue
	if !scalarAt(b, at, depth, &v) {
		return -1
	}
	if v.isText() {
		p.takeSecret(r, &v)
	}
	return v.end
}

// jsonLeaf matches the last component of a nested key against the
// vocabulary. Values that do not parse are ignored, not rejected.
func (p *Parser) jsonLeaf(r *Record, leaf []byte, v *jsonValue) {
	key := jsonVocab(leaf)
	if key.slot == slotNone || key.topOnly {
		return
	}
	p.jsonApply(r, key.slot, key.unit, rankLeaf, v, nil)
}

// claimBodyMember records that the top-level member whose value is
// line[start:end] is a JSON object or array body.
func (p *Parser) claimBodyMember(start, end int) {
	st := &p.js
	if st.rank[slotBody] >= rankExact {
		return
	}
	st.rank[slotBody] = rankExact
	st.bodyStart, st.bodyEnd = start, end
	st.filled = true
}

// isAbsentText reports whether a string's text is "" or "-" (and so absent).
func isAbsentText(b []byte) bool { return len(b) == 0 || isDash(b) }

// scalarText returns the text of a string or number value (see valueText).
// Absent values ("", "-", null, booleans) give ok=false.
func (p *Parser) scalarText(v *jsonValue) (text []byte, number, ok bool) {
	if v.kind != jsonString && v.kind != jsonNumber {
		return nil, false, false
	}
	text = p.valueText(v)
	if v.kind == jsonString && (len(text) == 0 || len(text) == 1 && text[0] == '-') {
		return nil, false, false
	}
	return text, v.kind == jsonNumber, true
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
func (p *Parser) jsonApply(r *Record, s jsonSlot, unit jsonUnit, rank int8, v *jsonValue, strictKey []byte) {
	st := &p.js
	text, number, ok := p.scalarText(v)
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
			r.ClientIP = pin(first)
		}
	case slotFlags:
		if isResponseFlags(text) && st.claim(s, rank) {
			r.ResponseFlags = pin(text)
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
		method, target, ok := splitRequest(pin(text))
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
			r.Body = pin(text)
			st.bodyStart, st.bodyEnd = -1, -1
		}
	default:
		if dst := bytesField(r, s); dst != nil && st.claim(s, rank) {
			*dst = pin(text)
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
	text = pin(text)
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
	if st.bodyStart >= 0 {
		r.Body = line[st.bodyStart:st.bodyEnd]
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
