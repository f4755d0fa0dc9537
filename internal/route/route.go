// Package route derives a route template from a request path, so that
// /v1/bookings/123 and /v1/bookings/456 group as /v1/bookings/{id}.
package route

// Template appends to dst the route template of path and returns the
// extended slice. The query string and fragment are dropped; a segment that
// looks like an identifier becomes {id}: all digits, a UUID, or any segment
// with at least three digits or at least 16 characters of which some are
// digits (tokens such as req_01HZ9VBKX4, V100001, 140410210038). Short
// segments with a digit or two stay (v1, oauth2, s3), as do words.
func Template(dst, path []byte) []byte {
	for i, c := range path {
		if c == '?' || c == '#' {
			path = path[:i]
			break
		}
	}
	if len(path) == 0 {
		return dst
	}
	start := 0
	for i := 0; i <= len(path); i++ {
		if i < len(path) && path[i] != '/' {
			continue
		}
		seg := path[start:i]
		if isID(seg) {
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

func isID(seg []byte) bool {
	if len(seg) == 0 || seg[0] == '{' {
		return false
	}
	d := 0
	for _, c := range seg {
		if c >= '0' && c <= '9' {
			d++
		}
	}
	switch {
	case d == len(seg):
		return true
	case isUUID(seg):
		return true
	case d >= 3:
		return true
	case d > 0 && len(seg) >= 16:
		return true
	}
	return false
}

func isUUID(s []byte) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
