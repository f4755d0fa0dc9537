package route

// IsID reports whether a path segment looks like an identifier rather than
// a word. Identifiers: numbers, UUIDs, ULIDs, hex digests, base64-ish and
// mixed tokens with digits (BK-0F2XHH, ord_8x7Kq2, V100001,
// app.f4b70000.js), and long mixed-case tokens without digits (base64).
// Words stay: letters only (contact, email, me), lower-case words with a
// short version or size suffix (v1, oauth2, sha256, base64, http2), and
// short numeronyms (i18n, k8s, 2fa). A segment is split at '-', '_' and '.'
// and is a word only if every part is. Upper-case-only parts of four letters
// or more are codes, not words (BK-GXXHVT); an API that names paths in
// capitals lists them as configured templates.
func IsID(seg []byte) bool {
	if len(seg) == 0 || seg[0] == '{' {
		return false
	}
	digits, upper, lower := 0, 0, 0
	for _, c := range seg {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'A' && c <= 'Z':
			upper++
		case c >= 'a' && c <= 'z':
			lower++
		}
	}
	switch {
	case isVersion(seg):
		return false
	case digits == len(seg):
		return true
	case digits == 0 && len(seg) >= 20 && upper > 0 && lower > 0:
		return true // a long mixed-case token: base64, a random key
	}
	start := 0
	for i := 0; i <= len(seg); i++ {
		if i < len(seg) && seg[i] != '-' && seg[i] != '_' && seg[i] != '.' {
			continue
		}
		if !isWord(seg[start:i]) {
			return true
		}
		start = i + 1
	}
	return false
}

// isWord reports whether part (no separators) reads as a word: empty,
// letters only (but not four or more capitals), lower-case letters followed by at most three digits
// (v1, oauth2, sha256), or at most four characters of lower-case letters and
// digits with at least one letter (i18n, k8s, 2fa, s3).
func isWord(part []byte) bool {
	if len(part) == 0 {
		return true
	}
	letters, digits, other, upper := 0, 0, 0, 0
	lowerOnly := true
	for _, c := range part {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'z':
			letters++
		case c >= 'A' && c <= 'Z':
			letters++
			upper++
			lowerOnly = false
		default:
			other++
		}
	}
	switch {
	case other > 0:
		return false
	case digits == 0:
		return upper < 4 || upper < len(part)
	case !lowerOnly || letters == 0:
		return false
	case len(part) <= 4:
		return true
	}
	// lower-case letters then a short numeric suffix
	i := 0
	for i < len(part) && part[i] >= 'a' && part[i] <= 'z' {
		i++
	}
	return i > 0 && len(part)-i <= 3 && digits == len(part)-i
}

// isVersion reports whether seg is a dotted version such as 1.2, v2.1 or
// 1.0.0: up to four numbers of at most three digits, optionally after a v.
func isVersion(seg []byte) bool {
	if len(seg) > 0 && (seg[0] == 'v' || seg[0] == 'V') {
		seg = seg[1:]
	}
	parts, run := 1, 0
	for _, c := range seg {
		switch {
		case c >= '0' && c <= '9':
			run++
			if run > 3 {
				return false
			}
		case c == '.' && run > 0:
			parts++
			run = 0
		default:
			return false
		}
	}
	return run > 0 && parts >= 2 && parts <= 4
}
