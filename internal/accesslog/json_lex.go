package accesslog

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
)

// The JSON lexer under the streaming field scan (json.go): it finds where
// strings, numbers, literals and containers end, and validates while doing
// so. It accepts exactly what ratescope's JSON reading has always accepted
// (the grammar of fastjson 1.6, which it replaced), which is looser than
// RFC 8259 in ways that decide whether a line is stored or rejected:
//
//   - strings end at the first '"' not escaped by a backslash; their
//     escapes, control bytes and UTF-8 are not checked, and escapes are
//     decoded best-effort (appendUnescaped): an invalid one is kept as
//     written;
//   - a number is any run of 0-9 . + - e E, or inf/nan (any case, one
//     optional sign); "nan" and the like are numbers, not syntax errors;
//   - nesting deeper than maxJSONNesting levels is a syntax error.
//
// Every function works on arbitrary bytes: it never reads outside b, and a
// malformed value gives ok=false (or an end of -1).

// maxJSONNesting is the deepest nesting accepted: the top-level object is
// level 1, its members' values level 2, and a value at a deeper level
// rejects the line.
const maxJSONNesting = 300

// Kinds of JSON values.
const (
	jsonNull uint8 = iota
	jsonFalse
	jsonTrue
	jsonNumber
	jsonString
	jsonObject
	jsonArray
)

// jsonValue is a scalar value found by the lexer. Its text is decoded on
// demand (Parser.valueText) and then cached.
type jsonValue struct {
	kind       uint8
	esc        bool // a string with a backslash: its text must be unescaped
	decoded    bool // text holds the decoded text
	start, end int  // the raw text in the line; a string's span includes its quotes
	ts, te     int  // a string's content (without quotes) or a number's text in the line
	text       []byte
}

// isText reports whether v is a string or a number: the only values that
// fill fields.
func (v *jsonValue) isText() bool { return v.kind == jsonString || v.kind == jsonNumber }

// stringEnd returns the index just after the string whose opening quote is
// at b[i], and whether it holds a backslash; end is -1 when the string is
// not closed. It looks at eight bytes at a time for a quote or a
// backslash.
func stringEnd(b []byte, i int) (end int, esc bool) {
	j := i + 1
	for {
		if j+8 <= len(b) {
			m := quoteOrBackslash(binary.LittleEndian.Uint64(b[j:]))
			if m == 0 {
				j += 8
				continue
			}
			j += bits.TrailingZeros64(m) >> 3
		} else {
			for j < len(b) && b[j] != '"' && b[j] != '\\' {
				j++
			}
			if j >= len(b) {
				return -1, esc
			}
		}
		if b[j] == '"' {
			return j + 1, esc
		}
		esc = true
		j += 2 // the escaped byte cannot end the string
	}
}

// quoteOrBackslash returns a mask of the bytes of x (little-endian) that
// are '"' or '\\': the high bit of each such byte, and possibly of bytes
// after it. Its lowest set bit is exact: it marks the first such byte. (A
// byte of x xor the repeated character is zero where x holds it.)
func quoteOrBackslash(x uint64) uint64 {
	const (
		lo  = 0x0101010101010101
		hi  = 0x8080808080808080
		quo = lo * '"'
		bsl = lo * '\\'
	)
	q, s := x^quo, x^bsl
	return ((q-lo)&^q | (s-lo)&^s) & hi
}

// isNumberByte reports whether c may appear in a JSON number as read here.
func isNumberByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'
}

// numberEnd returns the index just after the number starting at b[i], or
// -1 when there is none.
func numberEnd(b []byte, i int) int {
	j := i
	for j < len(b) && isNumberByte(b[j]) {
		j++
	}
	if j == len(b) || j > i+1 || j == i+1 && b[i] != '-' && b[i] != '+' {
		return j
	}
	// Nothing numeric, or a lone sign, before a non-numeric byte: only
	// inf or nan may follow.
	if len(b)-j >= 3 && (foldEq3(b[j:j+3], "inf") || foldEq3(b[j:j+3], "nan")) {
		return j + 3
	}
	return -1
}

// foldEq3 reports whether the three bytes b equal the lower-case ASCII s in
// any case.
func foldEq3(b []byte, s string) bool {
	return b[0]|0x20 == s[0] && b[1]|0x20 == s[1] && b[2]|0x20 == s[2]
}

// scalarAt reads the string, number or literal starting at b[i] (not an
// object or array) into v; depth is its nesting level. (v is filled in
// place: a struct returned by value and copied costs more than the scan.)
func scalarAt(b []byte, i, depth int, v *jsonValue) bool {
	v.start, v.esc, v.decoded = i, false, false
	if i >= len(b) || depth > maxJSONNesting {
		return false
	}
	switch b[i] {
	case '"':
		v.kind = jsonString
		v.end, v.esc = stringEnd(b, i)
		v.ts, v.te = i+1, v.end-1
		return v.end > 0
	case 't':
		v.kind, v.end = jsonTrue, i+4
		return len(b)-i >= 4 && string(b[i:i+4]) == "true"
	case 'f':
		v.kind, v.end = jsonFalse, i+5
		return len(b)-i >= 5 && string(b[i:i+5]) == "false"
	case 'n':
		if len(b)-i >= 4 && string(b[i:i+4]) == "null" {
			v.kind, v.end = jsonNull, i+4
			return true
		}
		v.kind, v.end = jsonNumber, i+3
		v.ts, v.te = i, i+3
		return len(b)-i >= 3 && foldEq3(b[i:i+3], "nan")
	case '{', '[':
		return false
	}
	v.kind, v.end = jsonNumber, numberEnd(b, i)
	v.ts, v.te = i, v.end
	return v.end > 0
}

// jsonValueEnd validates the value starting at b[i], whose nesting level is
// depth, and returns the index just after it, or -1 when it is malformed.
func jsonValueEnd(b []byte, i, depth int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '{':
		return jsonContainerEnd(b, i, depth, '}')
	case '[':
		return jsonContainerEnd(b, i, depth, ']')
	}
	var v jsonValue
	if !scalarAt(b, i, depth, &v) {
		return -1
	}
	return v.end
}

// jsonContainerEnd validates the object or array opening at b[i].
func jsonContainerEnd(b []byte, i, depth int, closing byte) int {
	if depth > maxJSONNesting {
		return -1
	}
	i = skipSpaceAt(b, i+1)
	if i >= len(b) {
		return -1
	}
	if b[i] == closing {
		return i + 1
	}
	for {
		if closing == '}' {
			if i >= len(b) || b[i] != '"' {
				return -1
			}
			if i, _ = stringEnd(b, i); i < 0 {
				return -1
			}
			if i = skipSpaceAt(b, i); i >= len(b) || b[i] != ':' {
				return -1
			}
			i = skipSpaceAt(b, i+1)
		}
		if i = jsonValueEnd(b, i, depth+1); i < 0 {
			return -1
		}
		if i = skipSpaceAt(b, i); i >= len(b) {
			return -1
		}
		switch b[i] {
		case ',':
			i = skipSpaceAt(b, i+1)
		case closing:
			return i + 1
		default:
			return -1
		}
	}
}

// afterMember moves past the space and the ',' or '}' that follow an
// object member's value ending at b[i]: more says another member follows
// (i is then at its key), ok=false that neither does.
func afterMember(b []byte, i int) (next int, more, ok bool) {
	if i = skipSpaceAt(b, i); i >= len(b) {
		return i, false, false
	}
	switch b[i] {
	case ',':
		return skipSpaceAt(b, i+1), true, true
	case '}':
		return i + 1, false, true
	}
	return i, false, false
}

// memberKeyAt reads an object member's key at b[i] and the ':' after it:
// raw is the key as written, esc whether it holds a backslash, and value
// the index where the member's value starts (-1 when malformed).
func memberKeyAt(b []byte, i int) (raw []byte, esc bool, value int) {
	if i >= len(b) || b[i] != '"' {
		return nil, false, -1
	}
	end, esc := stringEnd(b, i)
	if end < 0 {
		return nil, false, -1
	}
	j := skipSpaceAt(b, end)
	if j >= len(b) || b[j] != ':' {
		return nil, false, -1
	}
	return b[i+1 : end-1], esc, skipSpaceAt(b, j+1)
}

// appendUnescaped appends the JSON string content s with its escapes
// decoded, best-effort: an unknown escape, a \u with fewer than four hex
// digits and an unpaired surrogate are kept as written; a high surrogate
// followed by any other \u escape gives U+FFFD. The result is never longer
// than s.
func appendUnescaped(dst, s []byte) []byte {
	for {
		n := -1
		for k, c := range s {
			if c == '\\' {
				n = k
				break
			}
		}
		if n < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:n]...)
		s = s[n+1:]
		if len(s) == 0 {
			return dst
		}
		ch := s[0]
		s = s[1:]
		switch ch {
		case '"', '\\', '/':
			dst = append(dst, ch)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			x, ok := hex4(s)
			if !ok {
				dst = append(dst, `\u`...)
				continue
			}
			xs := s[:4]
			s = s[4:]
			if !utf16.IsSurrogate(rune(x)) {
				dst = append(dst, string(rune(x))...)
				continue
			}
			if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
				dst = append(dst, `\u`...)
				dst = append(dst, xs...)
				continue
			}
			x1, ok := hex4(s[2:])
			if !ok {
				dst = append(dst, `\u`...)
				dst = append(dst, xs...)
				continue
			}
			dst = append(dst, string(utf16.DecodeRune(rune(x), rune(x1)))...)
			s = s[6:]
		default:
			dst = append(dst, '\\', ch)
		}
	}
}

// hex4 reads the four hex digits s starts with.
func hex4(s []byte) (uint16, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var x uint16
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		x = x<<4 | uint16(c)
	}
	return x, true
}

// appendCompactJSON appends the raw JSON value text b without the space
// between its tokens: how a rejected object or array value is shown.
func appendCompactJSON(dst, b []byte) []byte {
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			end, _ := stringEnd(b, i)
			if end < 0 {
				end = len(b)
			}
			dst = append(dst, b[i:end]...)
			i = end - 1
		case !isJSONSpace(c):
			dst = append(dst, c)
		}
	}
	return dst
}

// jsonTextKey unescapes a key for an error detail or a list of keys.
func jsonTextKey(raw []byte, esc bool) string {
	if !esc {
		return string(raw)
	}
	return string(appendUnescaped(nil, raw))
}
