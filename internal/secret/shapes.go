package secret

import (
	"bytes"
	"regexp"
)

// Credentials recognised by their shape, whatever they are called and
// wherever they stand. Each rule's cheap pre-check (mayHaveShape) keeps
// the regular expressions off the common line.
var (
	// Bearer, Basic, Digest and token schemes: "Bearer abc", "Bearer+abc"
	// (a form-encoded space), "Bearer%20abc".
	authSchemeRE = regexp.MustCompile(`(?i)\b(?:bearer|basic|digest|token)(?:\s+|\+|%20)([A-Za-z0-9._~+/\-]+=*)`)
	// A JWT: base64url JSON header ("eyJ"), payload and signature.
	jwtRE = regexp.MustCompile(`eyJ[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]{2,}(?:\.[A-Za-z0-9_\-]+)?`)
	// user:password@ in a URI, plain or percent-encoded.
	userinfoRE = regexp.MustCompile(`(?i)[a-z][a-z0-9+.\-]*(?:://|%3a%2f%2f)([^\s/?#@"'<>\\]*?(?::|%3a)[^\s/?#@"'<>\\]*?)(?:@|%40)`)
	// Well-known token formats: Stripe-style keys, AWS access key ids,
	// GitHub, Slack and GitLab tokens.
	vendorRE = regexp.MustCompile(`\b(?:(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{6,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9\-]{10,}|glpat-[A-Za-z0-9_\-]{20,})`)
)

// mayHaveShape is the cheap pre-check for redactShapes: false means no
// rule can match s. It runs on every field of every line, so it looks at
// each byte once, comparing only where a rule's first byte stands (the
// rules' own pre-checks, below, look again when it says true).
func mayHaveShape(s []byte) bool {
	at, slashes := false, false
	for i := 0; i < len(s); i++ {
		rest := s[i:]
		switch s[i] {
		case 'b', 'B':
			if hasFoldPrefix(rest[1:], "earer") || hasFoldPrefix(rest[1:], "asic") {
				return true
			}
		case 'd', 'D':
			if hasFoldPrefix(rest[1:], "igest") {
				return true
			}
		case 't', 'T':
			if hasFoldPrefix(rest[1:], "oken") {
				return true
			}
		case 'e':
			if bytes.HasPrefix(rest, []byte("eyJ")) {
				return true
			}
		case '_':
			if bytes.HasPrefix(rest, []byte("_live_")) || bytes.HasPrefix(rest, []byte("_test_")) {
				return true
			}
		case 'A':
			if bytes.HasPrefix(rest, []byte("AKIA")) {
				return true
			}
		case 'g':
			// gh[pousr]_ (GitHub), glpat- (GitLab)
			if len(rest) >= 4 && rest[1] == 'h' && bytes.IndexByte([]byte("pousr"), rest[2]) >= 0 && rest[3] == '_' ||
				bytes.HasPrefix(rest, []byte("glpat-")) {
				return true
			}
		case 'x':
			if bytes.HasPrefix(rest, []byte("xox")) {
				return true
			}
		case '@':
			at = true
		case '/':
			slashes = slashes || len(rest) > 1 && rest[1] == '/'
		case '%':
			at = at || hasFoldPrefix(rest, "%40")
			slashes = slashes || hasFoldPrefix(rest, "%2f%2f")
		}
		if at && slashes {
			return true // user:password@ in a URI
		}
	}
	return false
}

// hasFoldPrefix reports whether s starts with the lower-case ASCII word w
// in any case.
func hasFoldPrefix(s []byte, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for j := 0; j < len(w); j++ {
		c := s[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[j] {
			return false
		}
	}
	return true
}

func hasScheme(s []byte) bool {
	for _, w := range [...]string{"bearer", "basic", "digest", "token"} {
		if containsFold(s, w) {
			return true
		}
	}
	return false
}

func hasUserinfo(s []byte) bool {
	return (bytes.IndexByte(s, '@') >= 0 || containsFold(s, "%40")) &&
		(bytes.Contains(s, []byte("//")) || containsFold(s, "%2f%2f"))
}

func hasVendor(s []byte) bool {
	for _, w := range [...]string{"_live_", "_test_", "AKIA", "gh", "xox", "glpat-"} {
		if bytes.Contains(s, []byte(w)) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII word w in
// any case, without allocating.
func containsFold(s []byte, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for j < len(w) {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != w[j] {
				break
			}
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

// redactShapes replaces every credential recognised by its shape in s; it
// reports whether it found one.
func redactShapes(s []byte) ([]byte, bool) {
	changed := false
	// Only the credential after a scheme word goes; a plain word after
	// it — "Basic authentication", "Token Expired", "Digest
	// Authentication", "token VALIDATION" — is prose, not a credential.
	if hasScheme(s) {
		s, changed = replaceGroup(s, authSchemeRE, func(v []byte) bool {
			return len(v) >= 6 && string(v) != Placeholder && !isWord(v)
		}, changed)
	}
	if bytes.Contains(s, []byte("eyJ")) {
		s, changed = replaceGroup(s, jwtRE, nil, changed)
	}
	if hasUserinfo(s) {
		s, changed = replaceGroup(s, userinfoRE, func(v []byte) bool { return string(v) != Placeholder }, changed)
	}
	if hasVendor(s) {
		s, changed = replaceGroup(s, vendorRE, nil, changed)
	}
	return s, changed
}

// replaceGroup replaces, in each match of re, its first group (or the
// whole match when re has none) by Placeholder when keep is nil or says
// so. It reports whether anything was replaced, or-ed with changed.
func replaceGroup(s []byte, re *regexp.Regexp, keep func([]byte) bool, changed bool) ([]byte, bool) {
	ms := re.FindAllSubmatchIndex(s, -1)
	if len(ms) == 0 {
		return s, changed
	}
	var out []byte
	last := 0
	for _, m := range ms {
		start, end := m[0], m[1]
		if len(m) >= 4 && m[2] >= 0 {
			start, end = m[2], m[3]
		}
		if keep != nil && !keep(s[start:end]) {
			continue
		}
		out = append(out, s[last:start]...)
		out = append(out, Placeholder...)
		last = end
	}
	if out == nil {
		return s, changed
	}
	return append(out, s[last:]...), true
}

// isWord reports whether b is a word of prose: letters only, all lower
// case, all upper case, or capitalised. A credential has digits,
// punctuation or mixed case.
func isWord(b []byte) bool {
	upper, lower := 0, 0
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			lower++
		case 'A' <= c && c <= 'Z':
			if i > 0 && lower > 0 {
				return false // case changes inside: tOkEn
			}
			upper++
		default:
			return false
		}
	}
	return lower == 0 || upper <= 1
}
