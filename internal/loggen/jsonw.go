package loggen

import (
	"strconv"
	"unicode/utf8"
)

// obj is a JSON object whose keys keep the order they are given in, so the
// generator's output is byte-for-byte reproducible.
type obj []kv

type kv struct {
	k string
	v any
}

// arr is a JSON array.
type arr []any

// fixed is a number written with a fixed count of decimals (0.087, 12.5).
type fixed struct {
	v    float64
	prec int
}

// appendJSON appends v as JSON. It understands string, bool, int, int64,
// float64, fixed, obj and arr; anything else (nil too) is written as null.
func appendJSON(dst []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return appendJSONString(dst, x)
	case bool:
		return strconv.AppendBool(dst, x)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case float64:
		return strconv.AppendFloat(dst, x, 'f', -1, 64)
	case fixed:
		return strconv.AppendFloat(dst, x.v, 'f', x.prec, 64)
	case obj:
		dst = append(dst, '{')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, e.k)
			dst = append(dst, ':')
			dst = appendJSON(dst, e.v)
		}
		return append(dst, '}')
	case arr:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, e)
		}
		return append(dst, ']')
	default:
		return append(dst, "null"...)
	}
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a quoted JSON string. Control characters,
// quotes and backslashes are escaped; invalid UTF-8 becomes U+FFFD, so the
// result is always valid JSON.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\ufffd"...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
