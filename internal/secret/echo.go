package secret

import (
	"bytes"
	"regexp"
)

// Validation errors echo a rejected value next to the name of the field
// it was given for, under a key that says nothing of credentials:
// {"field":"apiKey","rejectedValue":"…"} (Spring), {"loc":["query",
// "api_key"],"input":"…"} (pydantic), {"param":"token","value":"…"}.
// Such a value is redacted when its object names a credential field.

// echoKeyRE finds the keys under which validators echo a value.
var echoKeyRE = regexp.MustCompile(`"(?:value|rejectedValue|rejected_value|invalidValue|invalid_value|input|received|given|actual|provided)"\s*:\s*`)

// echoValues returns the spans of echoed values whose object names a
// credential field, in order.
func echoValues(s []byte) []valueSpan {
	if !bytes.Contains(s, []byte(`":`)) && !bytes.Contains(s, []byte(`" :`)) {
		return nil
	}
	var out []valueSpan
	for _, m := range echoKeyRE.FindAllIndex(s, -1) {
		sp, _, ok := valueAt(s, m[1])
		if !ok || string(s[sp.start:sp.end]) == Placeholder {
			continue
		}
		open, end := enclosingObject(s, m[0])
		if open < 0 {
			continue
		}
		if namesCredential(s[open:end]) {
			out = append(out, sp)
		}
	}
	return out
}

// enclosingObject returns the bounds of the innermost {…} around s[at],
// or -1 when there is none.
func enclosingObject(s []byte, at int) (int, int) {
	depth, open := 0, -1
	for i := at - 1; i >= 0; i-- {
		switch s[i] {
		case '}':
			depth++
		case '{':
			if depth == 0 {
				open = i
			} else {
				depth--
			}
		}
		if open >= 0 {
			break
		}
	}
	if open < 0 {
		return -1, -1
	}
	depth = 0
	for i := at; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			if depth == 0 {
				return open, i + 1
			}
			depth--
		}
	}
	return open, len(s)
}

// namesCredential reports whether obj holds a quoted string value (not a
// key) that is a credential name: "apiKey" in "field":"apiKey".
func namesCredential(obj []byte) bool {
	for i := 0; i < len(obj); i++ {
		if obj[i] != '"' {
			continue
		}
		end := bytes.IndexByte(obj[i+1:], '"')
		if end < 0 {
			return false
		}
		str := obj[i+1 : i+1+end]
		next := i + 1 + end + 1
		rest := bytes.TrimLeft(obj[next:], " \t")
		isKey := len(rest) > 0 && rest[0] == ':'
		if !isKey && len(str) <= maxNameLen && credentialName(str, false) {
			return true
		}
		i = next - 1
	}
	return false
}
