package accesslog

import "strconv"

// Lenient raw JSON scanning: where a syntax error is, and the redaction of
// credentials inside raw JSON text (an error body, which may be any text).
// The scanners work on arbitrary bytes: on malformed input they stop at the
// end of the slice and never index outside it.

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpaceAt returns the index of the first non-space byte at or after i.
func skipSpaceAt(b []byte, i int) int {
	for i < len(b) && isJSONSpace(b[i]) {
		i++
	}
	return i
}

// skipStringAt returns the index just after the string starting with the
// quote at b[i], or len(b) when it is not closed.
func skipStringAt(b []byte, i int) int {
	if e := closedStringEnd(b, i); e >= 0 {
		return e
	}
	return len(b)
}

// closedStringEnd returns the index just after the string starting with the
// quote at b[i], or -1 when it is not closed.
func closedStringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipValueAt returns the index just after the value starting at b[i]: a
// string, a balanced object or array, or a bare literal or number.
func skipValueAt(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return skipStringAt(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipStringAt(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ':', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// memberValueSpan returns where the value of the n-th member (from 0) of
// the JSON object in line starts and ends, leniently (the line need not be
// valid JSON).
func memberValueSpan(line []byte, n int) (start, end int, ok bool) {
	i := skipSpaceAt(line, 0)
	if i >= len(line) || line[i] != '{' {
		return 0, 0, false
	}
	i++
	for idx := 0; ; idx++ {
		i = skipSpaceAt(line, i)
		if i >= len(line) || line[i] != '"' {
			return 0, 0, false
		}
		i = skipSpaceAt(line, skipStringAt(line, i))
		if i >= len(line) || line[i] != ':' {
			return 0, 0, false
		}
		start = skipSpaceAt(line, i+1)
		end = skipValueAt(line, start)
		if idx == n {
			return start, end, end > start
		}
		i = skipSpaceAt(line, end)
		if i >= len(line) || line[i] != ',' {
			return 0, 0, false
		}
		i++
	}
}

// nextSensitiveValue finds, from b[i] on, the next member whose key is
// sensitive (isSensitiveKey) and returns its value's span.
func nextSensitiveValue(b []byte, i int) (start, end int, ok bool) {
	for i < len(b) {
		if b[i] != '"' {
			i++
			continue
		}
		e := skipStringAt(b, i)
		j := skipSpaceAt(b, e)
		if j < len(b) && b[j] == ':' && rawKeySensitive(b[i+1:e-1]) {
			start = skipSpaceAt(b, j+1)
			if end = skipValueAt(b, start); end > start {
				return start, end, true
			}
		}
		i = e
	}
	return 0, 0, false
}

// hasSensitiveKey reports whether JSON text has a member with a sensitive
// key.
func hasSensitiveKey(b []byte) bool {
	_, _, ok := nextSensitiveValue(b, 0)
	return ok
}

// appendRedactedJSON appends src to dst with the value of every sensitive
// key replaced by "REDACTED". It adds at most len(`"REDACTED"`) bytes per
// ':' in src.
func appendRedactedJSON(dst, src []byte) []byte {
	last := 0
	for {
		start, end, ok := nextSensitiveValue(src, last)
		if !ok {
			return append(dst, src[last:]...)
		}
		dst = append(dst, src[last:start]...)
		dst = append(dst, '"')
		dst = append(dst, redactedText...)
		dst = append(dst, '"')
		last = end
	}
}

// rawKeySensitive reports whether a key as written in JSON (escapes not yet
// decoded) is sensitive. Escapes are decoded as far as an ASCII key name
// needs; a \u escape of a non-ASCII character cannot spell one.
func rawKeySensitive(raw []byte) bool {
	var buf [maxFoldedKey]byte
	n := 0
	for i := 0; i < len(raw); i++ {
		if n == len(buf) {
			return false
		}
		c := raw[i]
		if c == '\\' && i+1 < len(raw) {
			i++
			switch raw[i] {
			case 'u':
				if i+4 >= len(raw) {
					return false
				}
				x, err := strconv.ParseUint(string(raw[i+1:i+5]), 16, 16)
				if err != nil {
					return false
				}
				i += 4
				c = 0x80 // not part of any ASCII name
				if x < 0x80 {
					c = byte(x)
				}
			default:
				c = raw[i]
			}
		}
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c == '-':
			c = '_'
		}
		buf[n] = c
		n++
	}
	return isSensitiveKey(buf[:n])
}

// jsonSyntaxError describes why the scan (json_lex.go) rejected a line that starts like an
// object, with the byte offset of the problem.
func jsonSyntaxError(line []byte) *ParseError {
	c := jsonChecker{b: line}
	if c.value(0) {
		if c.i = skipSpaceAt(line, c.i); c.i < len(line) {
			return &ParseError{Reason: "bad_json", Detail: "trailing data at byte " + strconv.Itoa(c.i) + ": " + quoteExcerpt(line, c.i)}
		}
		return &ParseError{Reason: "bad_json", Detail: "invalid JSON"}
	}
	if c.i >= len(line) {
		return &ParseError{Reason: "bad_json", Detail: "unexpected end of line at byte " + strconv.Itoa(len(line))}
	}
	return &ParseError{Reason: "bad_json", Detail: "syntax error at byte " + strconv.Itoa(c.i) + ": " + quoteExcerpt(line, c.i)}
}

// jsonChecker is a small recursive-descent JSON validator that stops where
// the first error is (c.i). It is only run on lines the scan rejected,
// to say where the problem lies.
type jsonChecker struct {
	b []byte
	i int
}

func (c *jsonChecker) value(depth int) bool {
	c.i = skipSpaceAt(c.b, c.i)
	if c.i >= len(c.b) || depth >= maxJSONNesting {
		return false
	}
	switch c.b[c.i] {
	case '{':
		return c.container('}', depth)
	case '[':
		return c.container(']', depth)
	case '"':
		e := closedStringEnd(c.b, c.i)
		if e < 0 {
			c.i = len(c.b)
			return false
		}
		c.i = e
		return true
	case 't':
		return c.literal("true")
	case 'f':
		return c.literal("false")
	case 'n':
		return c.literal("null")
	}
	start := c.i
	for c.i < len(c.b) {
		ch := c.b[c.i]
		if !('0' <= ch && ch <= '9' || ch == '.' || ch == '-' || ch == '+' || ch == 'e' || ch == 'E') {
			break
		}
		c.i++
	}
	return c.i > start
}

func (c *jsonChecker) literal(s string) bool {
	if len(c.b)-c.i < len(s) || string(c.b[c.i:c.i+len(s)]) != s {
		return false
	}
	c.i += len(s)
	return true
}

// container checks an object or array whose opening byte is at c.i.
func (c *jsonChecker) container(closing byte, depth int) bool {
	c.i = skipSpaceAt(c.b, c.i+1)
	if c.i < len(c.b) && c.b[c.i] == closing {
		c.i++
		return true
	}
	for {
		if closing == '}' {
			c.i = skipSpaceAt(c.b, c.i)
			if c.i >= len(c.b) || c.b[c.i] != '"' {
				return false
			}
			if !c.value(depth + 1) {
				return false
			}
			c.i = skipSpaceAt(c.b, c.i)
			if c.i >= len(c.b) || c.b[c.i] != ':' {
				return false
			}
			c.i++
		}
		if !c.value(depth + 1) {
			return false
		}
		c.i = skipSpaceAt(c.b, c.i)
		if c.i >= len(c.b) {
			return false
		}
		switch c.b[c.i] {
		case ',':
			c.i++
		case closing:
			c.i++
			return true
		default:
			return false
		}
	}
}

// quoteExcerpt quotes up to 24 bytes of b from offset at, for error details:
// short, and safe to print whatever the line holds.
func quoteExcerpt(b []byte, at int) string {
	const n = 24
	if at >= len(b) {
		return "end of line"
	}
	end := min(len(b), at+n)
	s := strconv.Quote(string(b[at:end]))
	if end < len(b) {
		s += "..."
	}
	return s
}
