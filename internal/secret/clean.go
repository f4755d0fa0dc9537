package secret

import "bytes"

// The common field holds no credential. MayHold proves that for most of
// them in one pass, looking closer only at the few bytes where a rule of
// AppendRedacted could start, so AppendRedacted copies nothing and runs
// none of its rules on them. It must never say false where one of those
// rules would redact: FuzzMayHold checks AppendRedacted against the full
// rules (appendRedactedFull).

// lookPairs is a bit set of byte pairs (the previous byte, this one),
// 8 KiB: MayHold looks closer only where a pair is in it, so a text
// without any costs one table load per byte and no mispredicted branch.
type lookPairs [1 << 16 / 8]uint8

func (t *lookPairs) has(prev, c byte) bool {
	i := uint16(prev)<<8 | uint16(c)
	return t[i>>3]&(1<<(i&7)) != 0
}

// pairsToLook marks every pair at which MayHold's checks can say yes: a
// separator after any byte, a blank after a scheme word's last letter (or
// a non-ASCII byte, which may end a Unicode case fold of one), '%' and '@'
// after any byte, and each vendor token's telling pair.
var pairsToLook = func() *lookPairs {
	t := new(lookPairs)
	set := func(prev, c byte) { i := uint16(prev)<<8 | uint16(c); t[i>>3] |= 1 << (i & 7) }
	for p := range 256 {
		prev := byte(p)
		for _, c := range []byte("=:%@") {
			set(prev, c)
		}
		if isAnyOf(prev|0x20, "rctn") || prev >= 0x80 {
			for _, c := range []byte("\t\n\f\r +") {
				set(prev, c)
			}
		}
	}
	set('y', 'J') // eyJ
	set('A', 'K') // AKIA
	for _, prev := range []byte("kpousr") {
		set(prev, '_') // sk_live_, ghp_
	}
	for _, prev := range []byte("abprst") {
		set(prev, '-') // xoxb-, glpat-
	}
	return t
}()

// MayHold reports whether AppendRedacted could find a credential in s;
// false means it certainly finds none, and NamedValues calls nothing. The checks below are each a
// necessary condition of one rule (named values, echoed values, each
// shape), so false from all of them means no rule matches.
func MayHold(s []byte) bool {
	at := false // userinfo: '@' or %40 (and // or %2f%2f, below)
	prev := byte(0)
	for i, c := range s {
		if !pairsToLook.has(prev, c) {
			prev = c
			continue
		}
		prev = c
		switch c {
		case '=', ':':
			// A credential-named pair (nextNamedValue's test, without
			// its skip of "://", so it says true more often, never less).
			if name := nameBefore(s, i); len(name) > 0 && credentialName(name, c == '=') {
				return true
			}
			// echoValues' gate: `":` or `" :`.
			if c == ':' && i > 0 && (s[i-1] == '"' || s[i-1] == ' ' && i > 1 && s[i-2] == '"') {
				return true
			}
		case '\t', '\n', '\f', '\r', ' ', '+':
			if schemeWordBefore(s, i) {
				return true
			}
		case '%':
			rest := s[i:]
			if hasFoldPrefix(rest, "%20") && schemeWordBefore(s, i) {
				return true
			}
			at = at || hasFoldPrefix(rest, "%40")
		case '@':
			at = true
		case 'J':
			if i >= 2 && s[i-2] == 'e' {
				return true
			}
		case '_':
			if hasPrefix(s[i:], "_live_") || hasPrefix(s[i:], "_test_") ||
				i >= 3 && s[i-3] == 'g' && s[i-2] == 'h' && isAnyOf(s[i-1], "pousr") {
				return true
			}
		case '-':
			if i >= 4 && s[i-4] == 'x' && s[i-3] == 'o' && s[i-2] == 'x' && isAnyOf(s[i-1], "abprs") ||
				i >= 5 && hasPrefix(s[i-5:], "glpat") {
				return true
			}
		case 'K':
			if hasPrefix(s[i+1:], "IA") {
				return true
			}
		}
	}
	// user:password@ in a URI: hasUserinfo's gate.
	return at && (bytes.Contains(s, []byte("//")) || containsFold(s, "%2f%2f"))
}

// schemeWordBefore reports whether an authorization scheme word (bearer,
// basic, digest, token) may end at s[p]: the rule's regular expression
// folds case the Unicode way, so any non-ASCII byte just before p counts
// as a possible one (the Kelvin sign folds to k, the long s to s).
func schemeWordBefore(s []byte, p int) bool {
	if p == 0 {
		return false
	}
	switch s[p-1] | 0x20 { // the word's last letter, in any case
	case 'r', 'c', 't', 'n':
	default:
		return false
	}
	const longest = len("bearer") * 3 // every letter as a 3-byte fold
	for k := max(p-longest, 0); k < p; k++ {
		if s[k] >= 0x80 {
			return true
		}
	}
	w := s[:p]
	for _, word := range [...]string{"bearer", "basic", "digest", "token"} {
		if len(w) >= len(word) && hasFoldPrefix(w[len(w)-len(word):], word) {
			return true
		}
	}
	return false
}

func hasPrefix(s []byte, p string) bool {
	return len(s) >= len(p) && string(s[:len(p)]) == p
}

func isAnyOf(c byte, set string) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == c {
			return true
		}
	}
	return false
}
