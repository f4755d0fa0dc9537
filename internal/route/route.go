// Package route derives a route template from a request path, so that
// /v1/bookings/123 and /v1/bookings/BK-0F2XHH group as /v1/bookings/{id}.
//
// Configured templates (Templates) win over derivation; derivation
// (Template) replaces every segment that looks like an identifier with
// {id} and keeps the segments that read as words.
package route

// Template appends to dst the derived route template of path and returns
// the extended slice. The query string and fragment are dropped; a segment
// that looks like an identifier becomes {id} (see IsID). Segments already in
// braces stay as they are.
func Template(dst, path []byte) []byte {
	path = stripQuery(path)
	if len(path) == 0 {
		return dst
	}
	start := 0
	for i := 0; i <= len(path); i++ {
		if i < len(path) && path[i] != '/' {
			continue
		}
		seg := path[start:i]
		if IsID(seg) {
			dst = append(dst, "{id}"...)
		} else {
			dst = append(dst, seg...)
		}
		if i < len(path) {
			dst = append(dst, '/')
		}
		start = i + 1
	}
	return dst
}

func stripQuery(path []byte) []byte {
	for i, c := range path {
		if c == '?' || c == '#' {
			return path[:i]
		}
	}
	return path
}
