package secret

import (
	"bytes"
)

// Placeholder replaces a redacted value.
const Placeholder = "REDACTED"

// A credential in stored text is found two ways (shapes.go has the
// second):
//   - by name: the value of every name=value or name: value pair — query
//     and form parameters, JSON and dict keys (quoted with ", ' or \"),
//     header lines — whose name looks like a credential (credentialName);
//   - by shape, whatever its name or place: Bearer/Basic credentials,
//     JWTs, user:password@ in URIs, and well-known token formats.

// valueSpan is a credential value found in text: s[start:end] gives way
// to repl.
type valueSpan struct {
	start, end int
	repl       string
}

// nextNamedValue finds the first credential value named in s at or after
// i. It returns the value and where to look for the next one.
func nextNamedValue(s []byte, i int) (valueSpan, int, bool) {
	for i < len(s) {
		j := indexSep(s[i:])
		if j < 0 {
			return valueSpan{}, len(s), false
		}
		p := i + j
		sep := s[p]
		i = p + 1
		if sep == ':' && p+2 < len(s) && s[p+1] == '/' && s[p+2] == '/' {
			continue // a URI's scheme: user:password@ is a shape
		}
		name := nameBefore(s, p)
		if len(name) == 0 || !credentialName(name, sep == '=') {
			continue
		}
		v := p + 1
		for v < len(s) && (s[v] == ' ' || s[v] == '\t') {
			v++
		}
		sp, after, ok := valueAt(s, v)
		if !ok || string(s[sp.start:sp.end]) == Placeholder {
			continue
		}
		return sp, after, true
	}
	return valueSpan{}, len(s), false
}

// indexSep returns the index of the first '=' or ':' in s, or -1: what
// bytes.IndexAny(s, "=:") returns, without building its byte set on
// every call (it runs on every field of every line).
func indexSep(s []byte) int {
	for i, c := range s {
		if c == '=' || c == ':' {
			return i
		}
	}
	return -1
}

// nameBefore returns the name that ends before the separator at p,
// stepping back over blanks and a closing quote (", ' or \").
func nameBefore(s []byte, p int) []byte {
	e := p
	for e > 0 && p-e < 4 && (s[e-1] == ' ' || s[e-1] == '\t') {
		e--
	}
	if e > 0 && (s[e-1] == '"' || s[e-1] == '\'') {
		e--
		if e > 0 && s[e-1] == '\\' {
			e--
		}
	}
	k := e
	for k > 0 && e-k < 4*maxNameLen && isNameByte(s[k-1]) {
		k--
	}
	return s[k:e]
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '-' || c == '.' || c == '[' || c == ']' || c == '%'
}

// valueAt reads the value starting at v: a quoted string (", ' or \"),
// an array, or a bare token. An object is not a value here: its own keys
// are looked at one by one.
func valueAt(s []byte, v int) (valueSpan, int, bool) {
	if v >= len(s) {
		return valueSpan{}, v, false
	}
	switch c := s[v]; {
	case c == '\\' && v+1 < len(s) && s[v+1] == '"': // JSON inside a JSON string
		start := v + 2
		end := bytes.Index(s[start:], []byte(`\"`))
		if end < 0 {
			return valueSpan{start, len(s), Placeholder}, len(s), len(s) > start
		}
		return valueSpan{start, start + end, Placeholder}, start + end + 2, end > 0
	case c == '"':
		start := v + 1
		end := start
		for end < len(s) && s[end] != '"' {
			if s[end] == '\\' {
				end++
			}
			end++
		}
		end = min(end, len(s))
		return valueSpan{start, end, Placeholder}, min(end+1, len(s)), end > start
	case c == '\'':
		start := v + 1
		end := bytes.IndexByte(s[start:], '\'')
		if end < 0 {
			end = len(s) - start
		}
		return valueSpan{start, start + end, Placeholder}, min(start+end+1, len(s)), end > 0
	case c == '[':
		end := bytes.IndexByte(s[v:], ']')
		if end < 0 {
			end = len(s) - v - 1
		}
		return valueSpan{v, v + end + 1, `"` + Placeholder + `"`}, v + end + 1, true
	case c == '{':
		return valueSpan{}, v, false
	}
	end := bareEnd(s, v)
	// "Authorization: Bearer abc", "?auth=Bearer+abc": the scheme and the
	// credential after it.
	if isAuthScheme(s[v:end]) {
		next := end
		switch {
		case next < len(s) && (s[next] == ' ' || s[next] == '+'):
			next++
		case bytes.HasPrefix(s[next:], []byte("%20")):
			next += 3
		}
		if next > end && next < len(s) {
			if e2 := bareEnd(s, next); e2 > next {
				end = e2
			}
		}
	}
	return valueSpan{v, end, Placeholder}, end, end > v
}

// bareEnd is where an unquoted value starting at v ends.
func bareEnd(s []byte, v int) int {
	end := v
	for end < len(s) {
		switch s[end] {
		case ' ', '\t', '\n', '\r', '&', ';', '#', ',', '"', '\'', '<', '>', ')', '}', ']', '\\':
			return end
		}
		end++
	}
	return end
}

func isAuthScheme(b []byte) bool {
	for _, w := range [...]string{"bearer", "basic", "digest", "token", "negotiate"} {
		if bytes.EqualFold(b, []byte(w)) {
			return true
		}
	}
	return false
}

// AppendRedacted appends s to dst with every credential replaced by
// REDACTED and reports true — or, when s holds none, returns dst as it was
// and false, without copying. It finds credentials by name (the value of
// any parameter, key or header named like one, case-, separator- and
// percent-encoding-insensitively) and by shape (bearer and basic
// credentials, JWTs, user:password@ in URIs, well-known token formats),
// wherever they are: paths and their query strings and fragments, routes,
// user agents, error bodies, raw log lines.
func AppendRedacted(dst, s []byte) ([]byte, bool) {
	if !MayHold(s) { // the common field: one pass, no copy (clean.go)
		return dst, false
	}
	return appendRedactedFull(dst, s)
}

// AppendRedactedAll is AppendRedacted without its pre-check (MayHold):
// every rule runs on s. It gives the same results, slower; tests and
// benchmarks hold the fast path to it.
func AppendRedactedAll(dst, s []byte) ([]byte, bool) { return appendRedactedFull(dst, s) }

// appendRedactedFull is AppendRedacted without its pre-check: every rule
// runs.
func appendRedactedFull(dst, s []byte) ([]byte, bool) {
	n0 := len(dst)
	changed := false
	if indexSep(s) >= 0 {
		last := 0
		for i := 0; ; {
			sp, next, ok := nextNamedValue(s, i)
			if !ok {
				break
			}
			changed = true
			dst = append(dst, s[last:sp.start]...)
			dst = append(dst, sp.repl...)
			last, i = sp.end, next
		}
		if changed {
			dst = append(dst, s[last:]...)
		}
	}
	text := s
	if changed {
		text = dst[n0:]
	}
	if echoes := echoValues(text); len(echoes) > 0 {
		var out []byte
		last := 0
		for _, sp := range echoes {
			if sp.start < last {
				continue
			}
			out = append(out, text[last:sp.start]...)
			out = append(out, sp.repl...)
			last = sp.end
		}
		out = append(out, text[last:]...)
		dst = append(dst[:n0], out...)
		text, changed = dst[n0:], true
	}
	if !mayHaveShape(text) {
		return dst, changed
	}
	out, shaped := redactShapes(text)
	if !shaped {
		return dst, changed
	}
	return append(dst[:n0], out...), true
}

// RedactText returns s with every credential replaced by REDACTED (see
// AppendRedacted), or s itself when it holds none.
func RedactText(s []byte) []byte {
	out, changed := AppendRedacted(nil, s)
	if !changed {
		return s
	}
	return out
}

// NamedValues calls fn with the value of each credential-named parameter
// or key in s, in order — so a credential that also shows elsewhere in the
// same line (an error body echoing the query string's api_key) can be
// scrubbed there. Values shorter than 4 bytes are skipped: they would
// match innocent text.
func NamedValues(s []byte, fn func(v []byte)) {
	if indexSep(s) < 0 {
		return
	}
	for i := 0; ; {
		sp, next, ok := nextNamedValue(s, i)
		if !ok {
			return
		}
		if sp.repl == Placeholder && sp.end-sp.start >= 4 {
			fn(s[sp.start:sp.end])
		}
		i = next
	}
}

// AppendScrubbed appends s to dst with every occurrence of each value
// replaced by REDACTED and reports true, or returns dst as it was and
// false when s holds none of them.
func AppendScrubbed(dst, s []byte, values [][]byte) ([]byte, bool) {
	found := false
	for _, v := range values {
		if len(v) > 0 && bytes.Contains(s, v) {
			found = true
			break
		}
	}
	if !found {
		return dst, false
	}
	n0 := len(dst)
	dst = append(dst, s...)
	for _, v := range values {
		if len(v) == 0 {
			continue
		}
		cur := bytes.ReplaceAll(dst[n0:], v, []byte(Placeholder))
		dst = append(dst[:n0], cur...)
	}
	return dst, true
}
