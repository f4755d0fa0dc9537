package errbody

import (
	"math"
	"strings"

	"github.com/valyala/fastjson"
)

const (
	// retryDepth and retryBudget bound the search for a retry-after member:
	// how deep into nested objects and arrays, and how many values.
	retryDepth  = 6
	retryBudget = 256
)

// retryAfterIn returns the seconds of the first retry-after member found in
// v — v's own members first, then those of nested objects and arrays in
// the body's order, depth first — or -1. A member counts when its key is
// a retry-after key (see isRetryKey) and its value is a non-negative number
// or a string parseRetryValue accepts.
func retryAfterIn(v *fastjson.Value) int32 {
	budget := retryBudget
	return findRetryAfter(v, retryDepth, &budget)
}

func findRetryAfter(v *fastjson.Value, depth int, budget *int) int32 {
	*budget--
	if depth <= 0 || *budget < 0 {
		return -1
	}
	found := int32(-1)
	switch v.Type() {
	case fastjson.TypeObject:
		o := v.GetObject()
		o.Visit(func(k []byte, mv *fastjson.Value) {
			if found < 0 && isRetryKey(k) {
				found = retryValue(mv)
			}
		})
		o.Visit(func(_ []byte, mv *fastjson.Value) {
			if found < 0 && (mv.Type() == fastjson.TypeObject || mv.Type() == fastjson.TypeArray) {
				found = findRetryAfter(mv, depth-1, budget)
			}
		})
	case fastjson.TypeArray:
		items, _ := v.Array()
		for _, it := range items {
			if found >= 0 {
				break
			}
			if it.Type() == fastjson.TypeObject || it.Type() == fastjson.TypeArray {
				found = findRetryAfter(it, depth-1, budget)
			}
		}
	}
	return found
}

// isRetryKey reports whether k names a retry-after member.
func isRetryKey(k []byte) bool {
	switch string(k) {
	case "retryAfter", "retry_after", "retry_after_seconds", "retryAfterSeconds", "retry-after",
		"retryDelay",     // Google google.rpc.RetryInfo ("30s")
		"estimated_time": // Hugging Face inference: a model loading, seconds until it is ready
		return true
	}
	return false
}

// retryValue returns the seconds a retry-after member's value says, rounded
// up, or -1: a non-negative number, or a string parseRetryValue accepts.
func retryValue(v *fastjson.Value) int32 {
	switch v.Type() {
	case fastjson.TypeNumber:
		f, err := v.Float64()
		if err != nil || !(f >= 0) {
			return -1
		}
		return clampSeconds(f)
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return parseRetryValue(b)
	}
	return -1
}

// parseRetryValue parses a retry-after member's string value: a number of
// seconds, optionally followed by a unit ("12", "12s", "2 minutes");
// surrounding spaces are allowed. It returns -1 for anything else.
func parseRetryValue(b []byte) int32 {
	secs, rest, ok := parseAmount(b, false)
	if !ok || len(trimSpace(rest)) > 0 {
		return -1
	}
	return secs
}

// retryPhrases introduce a cooldown in message text, lower case.
const retryPhrases = "try again in|try again after|retry in|retry after"

// retryAfterInText returns the cooldown the first of the texts (arena
// spans) announces — "Try again in 30 seconds.", "Retry in 42 seconds.",
// "retry after 2 minutes" — or -1. Matching ignores ASCII case; the
// number must carry a unit (see unitSeconds).
func (n *Normalizer) retryAfterInText(texts ...span) int32 {
	for _, t := range texts {
		if secs := retryInText(n.buf[t.off:t.end]); secs >= 0 {
			return secs
		}
	}
	return -1
}

// retryInText returns the cooldown text announces, or -1.
func retryInText(text []byte) int32 {
	for i := 0; i < len(text); i++ {
		if i > 0 && isLetter(text[i-1]) {
			continue
		}
		for phrases := retryPhrases; len(phrases) > 0; {
			var p string
			p, phrases, _ = strings.Cut(phrases, "|")
			if !hasPrefixFold(text[i:], p) {
				continue
			}
			if secs, _, ok := parseAmount(text[i+len(p):], true); ok {
				return secs
			}
		}
	}
	return -1
}

// parseAmount parses spaces, a decimal number ("30", "1.5") and, after
// optional spaces, a unit word, from the start of b. Without a unit the
// amount is seconds, unless unitRequired. It returns the amount in seconds
// rounded up and clamped to int32, and the rest of b.
func parseAmount(b []byte, unitRequired bool) (int32, []byte, bool) {
	b = trimLeftSpace(b)
	i := 0
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	if i == 0 {
		return -1, b, false
	}
	j := i
	if j < len(b) && b[j] == '.' && j+1 < len(b) && isDigit(b[j+1]) {
		j++
		for j < len(b) && isDigit(b[j]) {
			j++
		}
	}
	amount := parseDecimal(b[:j])
	b = trimLeftSpace(b[j:])
	k := 0
	for k < len(b) && isLetter(b[k]) {
		k++
	}
	mult, ok := unitSeconds(b[:k])
	switch {
	case ok:
		b = b[k:]
	case k == 0 && !unitRequired:
		mult = 1
	default:
		return -1, b, false
	}
	return clampSeconds(amount * mult), b, true
}

// unitSeconds returns the seconds in one unit named by w (any ASCII case):
// ms, s, m, h and their usual spellings.
func unitSeconds(w []byte) (float64, bool) {
	var lower [16]byte
	if len(w) == 0 || len(w) > len(lower) {
		return 0, false
	}
	for i, c := range w {
		lower[i] = toLower(c)
	}
	switch string(lower[:len(w)]) {
	case "ms", "msec", "msecs", "millisecond", "milliseconds":
		return 0.001, true
	case "s", "sec", "secs", "second", "seconds":
		return 1, true
	case "m", "min", "mins", "minute", "minutes":
		return 60, true
	case "h", "hr", "hrs", "hour", "hours":
		return 3600, true
	}
	return 0, false
}

// parseDecimal parses digits with an optional fraction; callers pass only
// such text. Long numbers lose precision but stay finite.
func parseDecimal(b []byte) float64 {
	var f float64
	i := 0
	for ; i < len(b) && b[i] != '.'; i++ {
		f = f*10 + float64(b[i]-'0')
	}
	scale := 0.1
	for i++; i < len(b); i++ {
		f += float64(b[i]-'0') * scale
		scale /= 10
	}
	return f
}

// clampSeconds rounds f up to whole seconds within [0, MaxInt32].
func clampSeconds(f float64) int32 {
	f = math.Ceil(f)
	switch {
	case !(f >= 0):
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	}
	return int32(f)
}

// hasPrefixFold reports whether b starts with the lower-case ASCII prefix,
// ignoring ASCII case in b.
func hasPrefixFold(b []byte, prefix string) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if toLower(b[i]) != prefix[i] {
			return false
		}
	}
	return true
}

func trimLeftSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

func toLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isLetter(c byte) bool { return 'a' <= toLower(c) && toLower(c) <= 'z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
