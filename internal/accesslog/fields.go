package accesslog

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// fieldKind says how a field of a text log line was delimited.
type fieldKind uint8

const (
	fieldEnd     fieldKind = iota // no field left on the line
	fieldBare                     // a word ended by a space or the end of the line
	fieldQuoted                   // "…": the bytes between the quotes, escapes kept as logged
	fieldBracket                  // […]: the bytes between the brackets
	fieldBroken                   // an opening quote or bracket that is never closed
)

// fieldScanner splits a text access-log line (nginx combined, Envoy) into
// space-separated fields. Inside a quoted field a backslash escapes the next
// byte, so Apache-style \" does not end the field; nginx writes \x22 there.
// Fields are sub-slices of the line: nothing is copied or unescaped, and the
// scanner visits each byte at most twice.
type fieldScanner struct {
	line []byte
	pos  int
}

// next returns the next field and how it was delimited; at the end of the
// line it returns fieldEnd.
func (s *fieldScanner) next() ([]byte, fieldKind) {
	line := s.line
	for s.pos < len(line) && line[s.pos] == ' ' {
		s.pos++
	}
	if s.pos >= len(line) {
		return nil, fieldEnd
	}
	start := s.pos
	switch line[start] {
	case '"':
		body := line[start+1:]
		if i := closingQuote(body); i >= 0 {
			s.pos = start + 1 + i + 1
			return body[:i], fieldQuoted
		}
		s.pos = len(line)
		return body, fieldBroken
	case '[':
		if i := indexByteNear(line[start+1:], ']'); i >= 0 {
			s.pos = start + 1 + i + 1
			return line[start+1 : start+1+i], fieldBracket
		}
		s.pos = len(line)
		return line[start+1:], fieldBroken
	}
	end := indexByteNear(line[start:], ' ')
	if end < 0 {
		end = len(line) - start
	}
	s.pos = start + end
	return line[start:s.pos], fieldBare
}

// nextWord returns the next run of non-space bytes, whatever they start
// with ("[2001:db8::1]:443" is one word); ok is false at the end of the
// line or when the word opens a quoted field.
func (s *fieldScanner) nextWord() (word []byte, ok bool) {
	line := s.line
	for s.pos < len(line) && line[s.pos] == ' ' {
		s.pos++
	}
	if s.pos >= len(line) || line[s.pos] == '"' {
		return nil, false
	}
	start := s.pos
	for s.pos < len(line) && line[s.pos] != ' ' {
		s.pos++
	}
	return line[start:s.pos], true
}

// closingQuote returns the index of the first '"' in b that no backslash
// escapes (one preceded by an even run of backslashes), or -1. Each
// backslash run is looked at once, so the work is linear in len(b).
func closingQuote(b []byte) int {
	for from := 0; ; {
		i := indexByteNear(b[from:], '"')
		if i < 0 {
			return -1
		}
		i += from
		run := 0
		for j := i - 1; j >= from && b[j] == '\\'; j-- {
			run++
		}
		if run%2 == 0 {
			return i
		}
		from = i + 1
	}
}

// indexByteNear is bytes.IndexByte for a byte that usually lies within a
// few dozen bytes, as a field's end does: it looks at eight bytes at a
// time inline, where bytes.IndexByte's vector setup costs more than the
// search.
func indexByteNear(b []byte, c byte) int {
	const (
		lo = 0x0101010101010101
		hi = 0x8080808080808080
	)
	rep := lo * uint64(c)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ rep
		if m := (x - lo) &^ x & hi; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(b); i++ {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// trimLineEnd drops trailing spaces, tabs and a carriage return (CRLF files).
func trimLineEnd(line []byte) []byte {
	for len(line) > 0 {
		switch line[len(line)-1] {
		case ' ', '\t', '\r':
			line = line[:len(line)-1]
		default:
			return line
		}
	}
	return line
}

// fieldUint parses an unsigned decimal of 1 to 18 digits (so it cannot
// overflow an int64).
func fieldUint(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// fieldStatus parses an HTTP status of 1 to 3 digits (0 to 999).
func fieldStatus(b []byte) (uint16, bool) {
	if len(b) > 3 {
		return 0, false
	}
	n, ok := fieldUint(b)
	return uint16(n), ok
}

// fieldSecondsMs parses a non-negative decimal number of seconds such as
// nginx's $request_time ("0.202") and returns it in milliseconds.
func fieldSecondsMs(b []byte) (float64, bool) {
	whole, frac := b, []byte(nil)
	if i := indexByteNear(b, '.'); i >= 0 {
		whole, frac = b[:i], b[i+1:]
	}
	w, ok := fieldUint(whole)
	if !ok || len(frac) > 9 {
		return 0, false
	}
	ms := float64(w) * 1000
	if len(frac) > 0 {
		f, ok := fieldUint(frac)
		if !ok {
			return 0, false
		}
		scale := 1.0
		for range frac {
			scale *= 10
		}
		ms += float64(f) * 1000 / scale
	}
	return ms, true
}

// isDash reports whether a field is the "-" that text formats log for an
// absent value.
func isDash(b []byte) bool { return len(b) == 1 && b[0] == '-' }

// dashToNil returns nil for the "-" placeholder and b otherwise.
func dashToNil(b []byte) []byte {
	if isDash(b) {
		return nil
	}
	return b
}

// firstListEntry returns the first entry of a comma-separated address list
// such as an X-Forwarded-For value ("203.0.113.9, 10.0.0.1" → 203.0.113.9),
// trimmed of spaces; "-" yields nil.
func firstListEntry(b []byte) []byte {
	if i := indexByteNear(b, ','); i >= 0 {
		b = b[:i]
	}
	return dashToNil(bytes.TrimSpace(b))
}

// splitRequest splits a logged request line "METHOD TARGET PROTOCOL" into
// its method and target (see splitRequestLine). An empty line, "-" and
// Envoy's "- - -" (a TCP stream) give no method and no target and ok: the
// request is still an access record. A line that is not a request line —
// a scanner's garbage, TLS bytes, a lone word — is not ok: the caller
// rejects it as bad_request_line rather than store junk as a method.
func splitRequest(req []byte) (method, target []byte, ok bool) {
	if onlyDashesAndSpaces(req) {
		return nil, nil, true
	}
	return splitRequestLine(req)
}

// onlyDashesAndSpaces reports whether b holds nothing but '-' and ' ' (as
// bytes.Trim(b, "- ") would leave nothing of it), without building a
// cutset each time.
func onlyDashesAndSpaces(b []byte) bool {
	for _, c := range b {
		if c != '-' && c != ' ' {
			return false
		}
	}
	return true
}

// splitRequestLine splits "METHOD TARGET [PROTOCOL]": the method ends at
// the first space and must look like a method (isMethod); the protocol, when
// there are two or more spaces, starts after the last one; the target
// between them must not be empty. "-" parts are absent.
func splitRequestLine(req []byte) (method, target []byte, ok bool) {
	sp := indexByteNear(req, ' ')
	if sp <= 0 || !isMethod(req[:sp]) {
		return nil, nil, false
	}
	method, rest := req[:sp], req[sp+1:]
	if last := bytes.LastIndexByte(rest, ' '); last >= 0 {
		rest = rest[:last]
	}
	rest = bytes.TrimSpace(rest)
	if len(rest) == 0 {
		return nil, nil, false
	}
	return method, dashToNil(rest), true
}

// maxMethodLen bounds a method's length (the longest registered one,
// UPDATEREDIRECTREF, has 17 letters).
const maxMethodLen = 20

// isMethod reports whether b looks like an HTTP method as servers accept
// them: 1 to 20 upper-case letters, digits, '-' or '_', starting with a
// letter (GET, PROPFIND, M-SEARCH, BASELINE-CONTROL). RFC 9110 allows any
// token, but real servers answer anything else with 400, and scanners send
// all sorts: "145.ll|'|'|SGFjS2Vk…|Win" is no method.
func isMethod(b []byte) bool {
	if len(b) == 0 || len(b) > maxMethodLen || b[0] < 'A' || b[0] > 'Z' {
		return false
	}
	for _, c := range b {
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// hostOnly returns the address part of a logged client address: brackets
// and a port removed ("[2001:db8::1]:443" → 2001:db8::1, "10.0.0.1:80" →
// 10.0.0.1), a bare IPv6 address kept whole, "-" absent. It returns a
// sub-slice of b.
func hostOnly(b []byte) []byte {
	b = dashToNil(bytes.TrimSpace(b))
	if len(b) == 0 {
		return b
	}
	if b[0] == '[' {
		if end := indexByteNear(b, ']'); end > 0 {
			return b[1:end]
		}
		return b
	}
	i := indexByteNear(b, ':')
	if i <= 0 || indexByteNear(b[i+1:], ':') >= 0 { // no port, or IPv6
		return b
	}
	if _, ok := fieldUint(b[i+1:]); !ok {
		return b
	}
	return b[:i]
}

// isHTTPToken reports whether b is an RFC 9110 token (the syntax of a method).
func isHTTPToken(b []byte) bool {
	for _, c := range b {
		if !isTokenByte(c) {
			return false
		}
	}
	return len(b) > 0
}

func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}
