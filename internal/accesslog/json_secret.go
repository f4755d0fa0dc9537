package accesslog

import "bytes"

// Credentials: a line's API key or bearer token goes to Record.Secret and
// nowhere else (see the notes in json.go).

// minSecretLen is the shortest credential that is scrubbed from other
// fields: shorter values would match innocent bytes (digits of a path).
const minSecretLen = 4

// redactedText replaces a credential wherever it would otherwise show.
const redactedText = "REDACTED"

// takeSecret stores the first credential of the line in r.Secret: a
// string or a number (takeSecretAt takes the first element of an array, as
// Caddy logs headers). For an Authorization value "Bearer X" or "Basic X",
// the credential is X.
func (p *Parser) takeSecret(r *Record, v *jsonValue) {
	if r.Secret != nil {
		return
	}
	text, _, ok := p.scalarText(v)
	if !ok {
		return
	}
	text = bytes.TrimSpace(stripAuthScheme(text))
	if len(text) == 0 {
		return
	}
	r.Secret = pin(text)
}

// stripAuthScheme drops a leading "Bearer " or "Basic " (any case).
func stripAuthScheme(b []byte) []byte {
	for _, scheme := range [...]string{"bearer ", "basic "} {
		if len(b) > len(scheme) && bytes.EqualFold(b[:len(scheme)], []byte(scheme)) {
			return b[len(scheme):]
		}
	}
	return b
}

// redact keeps credentials out of every field but Secret: a JSON body's
// sensitive values are replaced, then the credential's text wherever it
// still shows. The copies go to st.redacted, reserved once up front so that
// no copy moves another: redacting a body adds at most len(`"REDACTED"`)
// bytes per ':', and scrubbing a field at most doubles it (each match of at
// least minSecretLen bytes becomes len(redactedText) = 2×minSecretLen).
func (p *Parser) redact(r *Record) {
	st := &p.js
	bodySensitive := r.Body != nil && hasSensitiveKey(r.Body)
	scrub := len(r.Secret) >= minSecretLen
	if !bodySensitive && !scrub {
		return
	}
	bodyGrowth := 0
	if bodySensitive {
		bodyGrowth = (bytes.Count(r.Body, []byte{':'}) + 1) * (len(redactedText) + 2)
	}
	need := len(r.Body) + bodyGrowth
	if scrub {
		for _, f := range scrubbedFields(r) {
			need += 2 * len(*f)
		}
		need += 2 * bodyGrowth
	}
	st.growRedacted(need)

	if bodySensitive {
		n := len(st.redacted)
		st.redacted = appendRedactedJSON(st.redacted, r.Body)
		r.Body = st.redacted[n:len(st.redacted):len(st.redacted)]
	}
	if scrub {
		for _, f := range scrubbedFields(r) {
			if bytes.Contains(*f, r.Secret) {
				*f = st.appendScrubbed(*f, r.Secret)
			}
		}
	}
}

// scrubbedFields lists the byte fields of r that must never hold the
// credential: all but Secret.
func scrubbedFields(r *Record) [11]*[]byte {
	return [...]*[]byte{&r.RequestID, &r.Method, &r.Path, &r.Route, &r.Partner, &r.ClientIP,
		&r.UserAgent, &r.IdempotencyKey, &r.ErrorType, &r.ResponseFlags, &r.Body}
}

// appendScrubbed appends b to st.redacted with every occurrence of secret
// replaced by redactedText and returns the copy.
func (st *jsonState) appendScrubbed(b, secret []byte) []byte {
	n := len(st.redacted)
	for {
		i := bytes.Index(b, secret)
		if i < 0 {
			break
		}
		st.redacted = append(st.redacted, b[:i]...)
		st.redacted = append(st.redacted, redactedText...)
		b = b[i+len(secret):]
	}
	st.redacted = append(st.redacted, b...)
	return st.redacted[n:len(st.redacted):len(st.redacted)]
}

// growRedacted makes room for n more bytes in st.redacted.
func (st *jsonState) growRedacted(n int) {
	if cap(st.redacted)-len(st.redacted) >= n {
		return
	}
	grown := make([]byte, len(st.redacted), max(2*cap(st.redacted), len(st.redacted)+n))
	copy(grown, st.redacted)
	st.redacted = grown
}
