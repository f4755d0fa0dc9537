package oracle

import "bytes"

// detectMaxLines bounds how many sample lines Detect looks at.
const detectMaxLines = 64

// detectOrder lists the formats Detect can answer, most specific first: it
// breaks ties between equal vote counts.
var detectOrder = [...]Format{FormatAPIGW, FormatNginxJSON, FormatJSONL, FormatEnvoy, FormatALB, FormatNginx}

// API Gateway $context keys that, together with "requestId", mark an API
// Gateway access log.
var apigwKeys = [...]string{
	"httpMethod", "routeKey", "resourcePath", "requestTime", "requestTimeEpoch",
	"apiKeyId", "errorResponseType", "eventType",
}

// nginx variable names that mark a JSON log_format.
var nginxJSONKeys = [...]string{
	"remote_addr", "time_local", "time_iso8601", "request_time", "request_uri",
	"body_bytes_sent", "msec", "http_user_agent",
}

// Detect guesses the format of a file from a sample of its first non-empty
// lines (the caller passes up to ~20; blank lines are skipped, lines beyond
// the 64th ignored). Each line votes for the format it looks like and the
// most votes win, the more specific format on a tie. It returns FormatAuto
// when no line looks like any format: the caller then reads the file as
// FormatMixed. Container wrappers (CRI, Docker json-file) and collector
// prefixes are skipped as the pipeline and Parse skip them. Detect only looks for substrings: it decodes nothing and
// does work linear in the sample's size.
func Detect(sample [][]byte) Format {
	var (
		votes [len(formatNames)]int
		u     Unwrapper
	)
	for i, line := range sample {
		if i == detectMaxLines {
			break
		}
		content, _, _ := u.Unwrap(line)
		votes[detectLine(content)]++
	}
	best, most := FormatAuto, 0
	for _, f := range detectOrder {
		if votes[f] > most {
			best, most = f, votes[f]
		}
	}
	return best
}

// detectLine returns the format one line looks like, or FormatAuto.
func detectLine(line []byte) Format {
	line = bytes.TrimSpace(stripLogPrefix(line))
	switch {
	case len(line) == 0:
		return FormatAuto
	case line[0] == '{':
		return detectJSON(line)
	case looksEnvoy(line):
		return FormatEnvoy
	case looksALB(line):
		return FormatALB
	case looksNginx(line):
		return FormatNginx
	}
	return FormatAuto
}

// detectJSON tells API Gateway, nginx JSON and generic JSON lines apart by
// the keys they carry.
func detectJSON(line []byte) Format {
	if hasJSONKey(line, "requestId") {
		for _, k := range apigwKeys {
			if hasJSONKey(line, k) {
				return FormatAPIGW
			}
		}
	}
	for _, k := range nginxJSONKeys {
		if hasJSONKey(line, k) {
			return FormatNginxJSON
		}
	}
	// nginx's $request is a string; Caddy and Kong log "request" as an object.
	if hasJSONKey(line, "status") && jsonKeyValue(line, "request") == '"' {
		return FormatNginxJSON
	}
	return FormatJSONL
}

// hasJSONKey reports whether line has "key" followed by a colon: the key of
// a member at any nesting depth.
func hasJSONKey(line []byte, key string) bool {
	return jsonKeyValue(line, key) != 0
}

// jsonKeyValue finds the first "key": in line and returns the first byte of
// its value ('"' for a string, '{' for an object, …), or 0 when there is no
// such key. A value's first byte of 0 is impossible in JSON.
func jsonKeyValue(line []byte, key string) byte {
	for from := 0; from < len(line); {
		i := bytes.Index(line[from:], []byte(key))
		if i < 0 {
			return 0
		}
		i += from
		from = i + len(key)
		if i == 0 || line[i-1] != '"' || from >= len(line) || line[from] != '"' {
			continue
		}
		rest := bytes.TrimLeft(line[from+1:], " \t")
		if len(rest) < 2 || rest[0] != ':' {
			continue
		}
		if v := bytes.TrimLeft(rest[1:], " \t"); len(v) > 0 {
			return v[0]
		}
	}
	return 0
}

// looksEnvoy reports whether line starts like Envoy's format:
// [RFC 3339 time] "…
func looksEnvoy(line []byte) bool {
	if len(line) < 2 || line[0] != '[' {
		return false
	}
	n := rfc3339Len(line[1:])
	return n > 0 && bytes.HasPrefix(line[1+n:], []byte(`] "`))
}

// looksNginx reports whether line has a CLF time in brackets after a space,
// followed by a quoted request: … [22/Nov/2026:05:13:47 +0000] "…
func looksNginx(line []byte) bool {
	const clfLen = len("22/Nov/2026:05:13:47 +0000")
	for from := 1; from < len(line); {
		i := bytes.IndexByte(line[from:], '[')
		if i < 0 {
			return false
		}
		i += from
		from = i + 1
		end := i + 1 + clfLen
		if line[i-1] != ' ' || end+3 > len(line) || line[end] != ']' || line[end+1] != ' ' || line[end+2] != '"' {
			continue
		}
		if _, _, ok := parseCLF(line[i+1 : end]); ok {
			return true
		}
	}
	return false
}
