package errbody

import "bytes"

// problemCode derives an error code from an RFC 7807 problem's "type" URI
// reference, so that problems group by type the way other envelopes group
// by code:
//
//   - "about:blank" (the RFC's default: no type beyond the status), an
//     empty type, or an absolute URI with no path → no code;
//   - a URI with a fragment → the fragment
//     ("https://example.com/errors#out-of-credit" → "out-of-credit");
//   - else the last non-empty path segment, query removed
//     ("https://example.com/probs/out-of-credit/" → "out-of-credit",
//     "/errors/rate-limited" → "rate-limited");
//   - a URN or other URI without "/" → the part after the last ':'
//     ("urn:problem-type:rate-limited" → "rate-limited");
//   - a bare word → itself.
//
// The result aliases t.
func problemCode(t []byte) []byte {
	t = trimSpace(t)
	if len(t) == 0 || bytes.EqualFold(t, []byte("about:blank")) {
		return nil
	}
	if i := bytes.IndexByte(t, '#'); i >= 0 {
		if frag := t[i+1:]; len(frag) > 0 {
			return frag
		}
		t = t[:i]
	}
	if i := bytes.IndexByte(t, '?'); i >= 0 {
		t = t[:i]
	}
	if i := bytes.Index(t, []byte("://")); i >= 0 {
		rest := t[i+3:]
		j := bytes.IndexByte(rest, '/')
		if j < 0 {
			return nil
		}
		t = rest[j:]
	}
	for len(t) > 0 && t[len(t)-1] == '/' {
		t = t[:len(t)-1]
	}
	if i := bytes.LastIndexByte(t, '/'); i >= 0 {
		return t[i+1:]
	}
	if i := bytes.LastIndexByte(t, ':'); i >= 0 {
		return t[i+1:]
	}
	return t
}
