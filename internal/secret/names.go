package secret

// maxNameLen bounds the parameter and key names looked at: longer names
// are compared on their last maxNameLen normalised bytes.
const maxNameLen = 64

// credentialName reports whether a query parameter, form field, JSON key
// or header name looks like it carries a credential. It protects by
// default rather than by list: the name is percent-decoded, lower-cased
// and stripped of everything but letters and digits (so api_key, Api-Key,
// apiKey, api.key, api_key[] and %61pi_key are all "apikey"), and then
// anything ending in a credential word — key, token, secret, password,
// signature, jwt, cookie, session id, auth… — is one. query is true for
// name=value pairs, where OAuth's bare "code" is a credential too; in JSON
// an error body's "code" is its error code.
//
// Names that end in a credential word but name something else are let
// through: key ids (apiKeyId ends in "id"), token types and expiry times,
// and idempotency keys, which ratescope reads as data.
func credentialName(name []byte, query bool) bool {
	var buf [maxNameLen]byte
	n := normalizeName(buf[:], name)
	if len(n) == 0 {
		return false
	}
	if credentialWord(n, query) {
		return true
	}
	// Plurals: api_keys, tokens, credentials, secrets.
	return len(n) > 3 && n[len(n)-1] == 's' && credentialWord(n[:len(n)-1], query)
}

func credentialWord(n []byte, query bool) bool {
	switch string(n) {
	case "key", "pass", "pw", "pwd", "otp", "sid", "auth", "jwt", "sig", "secret", "token":
		return true
	case "code", "authcode", "authorizationcode":
		return query
	case "idempotencykey", "idempotentkey", "cachekey", "sortkey":
		return false
	}
	// Anything ending in a credential word, looked up by its last letter
	// (this runs for every name=value pair of every line).
	var words []string
	switch n[len(n)-1] {
	case 'y':
		words = []string{"key"}
	case 'n':
		words = []string{"token", "session", "authorization"}
	case 't':
		words = []string{"secret", "jwt"}
	case 'd':
		words = []string{"password", "passwd", "pwd", "sessionid", "sessid"}
	case 'e':
		words = []string{"passphrase", "signature", "cookie"}
	case 'g':
		words = []string{"sig"}
	case 'l':
		words = []string{"credential"}
	case 'h':
		words = []string{"auth"}
	case 'r':
		words = []string{"bearer"}
	}
	for _, w := range words {
		if len(n) >= len(w) && string(n[len(n)-len(w):]) == w {
			return true
		}
	}
	return false
}

// credentialWords are the words a credential name ends in (credentialWord
// looks them up by their last letter).
var credentialWords = [...]string{
	"key", "token", "secret", "password", "passwd", "passphrase", "pwd", "signature", "sig",
	"jwt", "cookie", "sessionid", "sessid", "session", "credential", "authorization", "auth", "bearer",
}

// normalizeName writes name, percent-decoded, lower-cased and reduced to
// letters and digits, into buf and returns it (its last len(buf) bytes
// when longer).
func normalizeName(buf []byte, name []byte) []byte {
	n := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '%' && i+2 < len(name) && isHex(name[i+1]) && isHex(name[i+2]) {
			c = unhex(name[i+1])<<4 | unhex(name[i+2])
			i += 2
		}
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		default:
			continue
		}
		if n == len(buf) { // keep the end: that is where the word is
			copy(buf, buf[1:])
			n--
		}
		buf[n] = c
		n++
	}
	return buf[:n]
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
