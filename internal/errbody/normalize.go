package errbody

import (
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// MaxRaw bounds Envelope.Raw in bytes. A longer body is cut at the last
// UTF-8 character boundary at or before MaxRaw bytes.
const MaxRaw = 4096

const (
	// maxUnquote is how many layers of JSON-string encoding Normalize
	// removes: one for a double-encoded body, one more for a body that was
	// encoded twice on its way into the log.
	maxUnquote = 2
	// maxFields bounds Envelope.Fields; further field errors are dropped.
	maxFields = 64
	// keepScratch is the largest scratch capacity a Normalizer keeps
	// between calls, so that one huge body does not pin its memory.
	keepScratch = 64 << 10
)

// Normalizer normalises error bodies, reusing its JSON parser and scratch
// buffers from call to call. The zero value is ready to use. A Normalizer is
// not safe for concurrent use; use one per goroutine.
type Normalizer struct {
	p fastjson.Parser
	// inner holds the content of a JSON-string body while it is parsed
	// again (the parser's own buffer is overwritten by that parse).
	inner []byte
	// buf is the arena every string of one Envelope is copied into; it is
	// turned into a single string at the end, so an Envelope costs one
	// string allocation however many fields it has.
	buf []byte
	// fields holds the spans of field errors while they are collected.
	fields []fieldSpan
}

// span is a [off, end) range of Normalizer.buf.
type span struct{ off, end int }

type fieldSpan struct{ field, message span }

// Normalize recognises body as one of the envelope shapes and returns it
// normalised, using a fresh Normalizer. On the ingest path, reuse a
// Normalizer instead. See (*Normalizer).Normalize.
func Normalize(body []byte) Envelope {
	var n Normalizer
	return n.Normalize(body)
}

// Normalize recognises body as one of the envelope shapes and returns it
// normalised. It never fails: a body it cannot recognise — empty, invalid
// JSON, invalid UTF-8, JSON that is not an object, or an object of no known
// shape — comes back with Shape ShapeUnknown, an empty Code and Raw set (an
// unrecognised object still yields its top-level request id and status).
//
// body is JSON text, optionally surrounded by whitespace. A body that is a
// JSON string literal (a double-encoded body) is unquoted first, up to two
// times, and its content normalised.
//
// Shapes are tried in this order, the first match wins:
//
//  1. ShapeProblem: "title" is a string and "type" is a string; or "title"
//     is a string, "status" is present and there is no "error",
//     "errorCode" or "message".
//  2. ShapeSuccessErrorCode: "errorCode" is a string or number.
//  3. ShapeErrorObject: "error" is an object.
//  4. ShapeErrorString: "error" is a string.
//  5. ShapeMessageStatus: "message" (or "Message", as AWS API Gateway
//     writes it) is a string.
//
// Fields keep the body's order, except field errors given as a map
// ({"email":"…"}), which are sorted by field name; at most 64 are kept.
// RetryAfter comes from a retryAfter, retry_after, retry_after_seconds,
// retryAfterSeconds or retry-after member anywhere in the envelope (its own
// members first, then nested objects and arrays depth first, in the body's
// order), else from the message or details text ("Try again in 30
// seconds."); -1 if neither says. Status is the HTTP status the body claims
// (status_code, statusCode or status, 100–599), 0 if none.
//
// Raw is the body's JSON text — after unquoting — with surrounding
// whitespace removed, cut to MaxRaw bytes on a character boundary; invalid
// UTF-8 in it is replaced by U+FFFD, so Raw is always valid UTF-8. Code,
// Message, Details, RequestID and field errors are cut to MaxRaw bytes the
// same way.
//
// The returned strings never alias body or the Normalizer: the caller may
// reuse body at once, and the Envelope stays valid for as long as it is
// kept.
func (n *Normalizer) Normalize(body []byte) Envelope {
	n.buf = n.buf[:0]
	n.fields = n.fields[:0]
	defer n.shrink(len(body))

	env := Envelope{Shape: ShapeUnknown, RetryAfter: -1}
	text := trimSpace(body)
	if len(text) == 0 || !utf8.Valid(text) {
		return n.finish(env, n.raw(text), nil)
	}
	v, err := n.p.ParseBytes(text)
	for i := 0; err == nil && v.Type() == fastjson.TypeString && i < maxUnquote; i++ {
		s, _ := v.StringBytes()
		// Copy before parsing again: s lives in the parser's buffer.
		n.inner = append(n.inner[:0], s...)
		text = trimSpace(n.inner)
		if !utf8.Valid(text) {
			return n.finish(env, n.raw(text), nil)
		}
		v, err = n.p.ParseBytes(text)
	}
	raw := n.raw(text)
	if err != nil || v.Type() != fastjson.TypeObject {
		return n.finish(env, raw, nil)
	}
	var s strs
	n.envelope(&env, &s, v)
	return n.finish(env, raw, &s)
}

// strs holds the arena spans of an Envelope's strings until finish turns
// them into strings.
type strs struct {
	code, message, details, requestID span
}

// finish turns the arena into one string and slices the Envelope's strings
// out of it.
func (n *Normalizer) finish(env Envelope, raw span, s *strs) Envelope {
	if len(n.buf) == 0 {
		return env
	}
	all := string(n.buf)
	env.Raw = all[raw.off:raw.end]
	if s != nil {
		env.Code = all[s.code.off:s.code.end]
		env.Message = all[s.message.off:s.message.end]
		env.Details = all[s.details.off:s.details.end]
		env.RequestID = all[s.requestID.off:s.requestID.end]
	}
	if len(n.fields) > 0 {
		env.Fields = make([]FieldError, len(n.fields))
		for i, f := range n.fields {
			env.Fields[i] = FieldError{
				Field:   all[f.field.off:f.field.end],
				Message: all[f.message.off:f.message.end],
			}
		}
	}
	return env
}

// add copies b, valid UTF-8, into the arena, cut to MaxRaw bytes on a
// character boundary.
func (n *Normalizer) add(b []byte) span {
	off := len(n.buf)
	n.buf = append(n.buf, b[:cutUTF8(b, MaxRaw)]...)
	return span{off, len(n.buf)}
}

// raw copies text into the arena as Envelope.Raw: cut to MaxRaw bytes on a
// character boundary, invalid UTF-8 replaced by U+FFFD.
func (n *Normalizer) raw(text []byte) span {
	off := len(n.buf)
	n.buf = appendRaw(n.buf, text)
	return span{off, len(n.buf)}
}

// shrink drops scratch buffers grown past keepScratch by a large body.
func (n *Normalizer) shrink(bodyLen int) {
	if cap(n.buf) > keepScratch {
		n.buf = nil
	}
	if cap(n.inner) > keepScratch {
		n.inner = nil
	}
	if cap(n.fields) > maxFields {
		n.fields = nil
	}
	if bodyLen > keepScratch {
		n.p = fastjson.Parser{}
	}
}

// appendRaw appends src to dst, cut to at most MaxRaw bytes without
// splitting a character, with each byte of invalid UTF-8 replaced by U+FFFD.
func appendRaw(dst, src []byte) []byte {
	if utf8.Valid(src) {
		return append(dst, src[:cutUTF8(src, MaxRaw)]...)
	}
	const replacement = "\uFFFD"
	limit := len(dst) + MaxRaw
	for len(src) > 0 {
		r, size := utf8.DecodeRune(src)
		if r == utf8.RuneError && size == 1 {
			if len(dst)+len(replacement) > limit {
				break
			}
			dst = append(dst, replacement...)
			src = src[1:]
			continue
		}
		if len(dst)+size > limit {
			break
		}
		dst = append(dst, src[:size]...)
		src = src[size:]
	}
	return dst
}

// cutUTF8 returns the largest n ≤ limit such that b[:n] does not end inside a
// UTF-8 sequence of valid b.
func cutUTF8(b []byte, limit int) int {
	if len(b) <= limit {
		return len(b)
	}
	n := limit
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return n
}

// trimSpace removes JSON whitespace around b.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
