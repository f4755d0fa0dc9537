package oracle

// Log collectors put their own prefix in front of a server's line:
//
//	envoy-1         | 2024-07-20T07:05:58.670998585Z [2024-07-20T07:05:54.173Z] "GET …
//	caddy  | {"level":"info",…
//	2024-07-20T07:05:58.670998585Z {"level":"info",…
//
// The first two are `docker compose logs` (a service name padded with
// spaces, "| ", and with -t docker's own RFC 3339 timestamp); the third is
// `docker logs -t` or `kubectl logs --timestamps`. stripLogPrefix removes
// them so the parsers see the server's line.

// prefixScan bounds how far into a line stripLogPrefix looks for the
// service-name prefix.
const prefixScan = 100

// stripLogPrefix returns line without a leading UTF-8 byte-order mark, a
// `docker compose logs` "name | " prefix and a collector's RFC 3339
// timestamp. After a compose prefix the timestamp is docker's and is
// stripped whatever follows it; without one, only when "[" or "{" follows,
// so a genuine nginx, Envoy or JSON line never loses a byte (none of them
// starts with a timestamp followed by a space). The result is a sub-slice of
// line; it does not allocate and looks at no more than the first ~140 bytes.
func stripLogPrefix(line []byte) []byte {
	if len(line) >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF {
		line = line[3:]
	}
	compose := composePrefixLen(line)
	line = line[compose:]
	n := rfc3339Len(line)
	if n == 0 || n >= len(line)-1 || line[n] != ' ' {
		return line
	}
	if next := line[n+1]; compose > 0 || next == '[' || next == '{' {
		return line[n+1:]
	}
	return line
}

// composePrefixLen returns the length of a `docker compose logs` prefix —
// a service name, one or more spaces, "| " — or 0 when line has none. An
// empty container line ("web-1  | ") strips to nothing.
func composePrefixLen(line []byte) int {
	limit := min(len(line), prefixScan)
	if limit == 0 || !isASCIIAlnum(line[0]) {
		return 0
	}
	i := 1
	for i < limit && isServiceNameByte(line[i]) {
		i++
	}
	if i == limit || line[i] != ' ' {
		return 0
	}
	for i < limit && line[i] == ' ' {
		i++
	}
	if i+1 >= len(line) || line[i] != '|' || line[i+1] != ' ' {
		return 0
	}
	return i + 2
}

// isServiceNameByte reports whether c may appear in a compose service or
// container name ("envoy-1", "api_gateway_1", "web.1"); names start with a
// letter or digit.
func isServiceNameByte(c byte) bool {
	return isASCIIAlnum(c) || c == '-' || c == '_' || c == '.'
}

func isASCIIAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// rfc3339Len returns the length of the RFC 3339 timestamp b starts with
// (2006-01-02T15:04:05[.fraction](Z|±07:00)) or 0. It checks the shape
// only, not the calendar, and reads at most 40 bytes.
func rfc3339Len(b []byte) int {
	const shape = "dddd-dd-ddTdd:dd:dd"
	if len(b) < len(shape)+1 {
		return 0
	}
	for i := 0; i < len(shape); i++ {
		if shape[i] == 'd' && !isDigitByte(b[i]) || shape[i] != 'd' && b[i] != shape[i] {
			return 0
		}
	}
	i := len(shape)
	if b[i] == '.' {
		j := i + 1
		for j < len(b) && j < i+13 && isDigitByte(b[j]) {
			j++
		}
		if j == i+1 {
			return 0
		}
		i = j
	}
	switch {
	case i < len(b) && b[i] == 'Z':
		return i + 1
	case i+6 <= len(b) && (b[i] == '+' || b[i] == '-') && isDigitByte(b[i+1]) && isDigitByte(b[i+2]) &&
		b[i+3] == ':' && isDigitByte(b[i+4]) && isDigitByte(b[i+5]):
		return i + 6
	}
	return 0
}

func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }
