// Package secret keeps credentials found in logs out of storage: it turns a
// raw API key or bearer token into a keyed hash that still identifies the
// caller, and redacts credentials from paths and from raw text that is kept
// verbatim (dead-letter lines, raw error bodies).
package secret

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/ratescope/ratescope/internal/readlimit"
)

// EnvKey names the environment variable that supplies the hashing key
// directly (it wins over the key file).
const EnvKey = "RATESCOPE_HASH_KEY"

// Placeholder replaces a redacted value.
const Placeholder = "REDACTED"

// HashPrefix starts every keyed hash, so reports show plainly that a caller
// was identified by a hashed credential.
const HashPrefix = "kh-"

// Hasher maps a credential to a stable, non-reversible caller id with
// HMAC-SHA256 under a key kept outside ClickHouse. Not safe for concurrent
// use (it reuses its MAC state); make one per goroutine.
type Hasher struct {
	mac hash.Hash
	sum []byte
}

// NewHasher returns a Hasher keyed with key.
func NewHasher(key []byte) *Hasher {
	return &Hasher{mac: hmac.New(sha256.New, key), sum: make([]byte, 0, sha256.Size)}
}

// AppendID appends "kh-" and 16 hex digits of the keyed hash of cred to dst.
func (h *Hasher) AppendID(dst, cred []byte) []byte {
	h.mac.Reset()
	h.mac.Write(cred)
	h.sum = h.mac.Sum(h.sum[:0])
	dst = append(dst, HashPrefix...)
	return hex.AppendEncode(dst, h.sum[:8])
}

// MaxKeyFileBytes bounds the hash key file: a key is 64 hex digits.
const MaxKeyFileBytes = 4 << 10

// LoadKey returns the hashing key: $RATESCOPE_HASH_KEY when set, else the
// contents of path, which is created (mode 0600, 32 random bytes, hex) when
// it does not exist yet. Keep the file: a new key gives every hashed caller
// a new id.
func LoadKey(path string) ([]byte, error) {
	if k := os.Getenv(EnvKey); k != "" {
		return []byte(k), nil
	}
	b, err := readlimit.File(path, "hash key file", MaxKeyFileBytes)
	if errors.Is(err, readlimit.ErrTooLarge) {
		return nil, err
	}
	if err == nil {
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			return nil, fmt.Errorf("hash key file %s is empty", path)
		}
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read hash key: %w", err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("generate hash key: %w", err)
	}
	key := []byte(hex.EncodeToString(raw[:]))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create hash key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process won the race: use its key
		return LoadKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("create hash key: %w", err)
	}
	_, werr := f.Write(append(key, '\n'))
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return nil, fmt.Errorf("write hash key %s: %w", path, err)
	}
	return key, nil
}

// DefaultKeyPath is where LoadKey keeps the key unless told otherwise:
// the user's configuration directory, ratescope/hash.key.
func DefaultKeyPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = "."
	}
	return filepath.Join(dir, "ratescope", "hash.key")
}

// sensitiveParam reports whether a query parameter or header name carries a
// credential. name is compared case-insensitively with '-' and '_' alike.
func sensitiveParam(name []byte) bool {
	if len(name) > 32 {
		return false
	}
	var buf [32]byte
	n := 0
	for _, c := range name {
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == '-':
			c = '_'
		}
		buf[n] = c
		n++
	}
	switch string(buf[:n]) {
	case "api_key", "apikey", "x_api_key", "key", "token", "access_token", "refresh_token", "id_token",
		"auth", "authorization", "password", "passwd", "secret", "client_secret", "signature", "sig",
		"x_amz_signature", "x_amz_security_token", "code":
		return true
	}
	return false
}

// AppendRedactedPath appends path to dst with the values of credential-like
// query parameters (api_key, token, access_token, password, signature, …)
// replaced by REDACTED.
func AppendRedactedPath(dst, path []byte) []byte {
	q := bytes.IndexByte(path, '?')
	if q < 0 {
		return append(dst, path...)
	}
	dst = append(dst, path[:q+1]...)
	rest := path[q+1:]
	for len(rest) > 0 {
		end := bytes.IndexAny(rest, "&;#")
		param := rest
		if end >= 0 {
			param = rest[:end]
		}
		if eq := bytes.IndexByte(param, '='); eq >= 0 && sensitiveParam(param[:eq]) {
			dst = append(dst, param[:eq+1]...)
			dst = append(dst, Placeholder...)
		} else {
			dst = append(dst, param...)
		}
		if end < 0 {
			break
		}
		if rest[end] == '#' {
			return append(dst, rest[end:]...)
		}
		dst = append(dst, rest[end])
		rest = rest[end+1:]
	}
	return dst
}

// HasSensitiveQuery reports whether AppendRedactedPath would change path,
// so the common case can skip the copy.
func HasSensitiveQuery(path []byte) bool {
	q := bytes.IndexByte(path, '?')
	if q < 0 {
		return false
	}
	for _, param := range bytes.FieldsFunc(path[q+1:], func(r rune) bool { return r == '&' || r == ';' || r == '#' }) {
		if eq := bytes.IndexByte(param, '='); eq >= 0 && sensitiveParam(param[:eq]) {
			return true
		}
	}
	return false
}

var credNames = `[a-z0-9_.\-]*(?:api[-_]?key|authorization|auth[-_]?token|access[-_]?token|refresh[-_]?token|id[-_]?token|client[-_]?secret|password|passwd|secret|token|cookie|set[-_]cookie)`

// Text redaction rules, most specific first. They run only on text kept
// verbatim (rejected lines, raw error bodies), never on the hot path.
var textRules = []struct {
	re   *regexp.Regexp
	repl string
}{
	// "x-api-key": "…", "authorization": ["Bearer …"] in JSON.
	{regexp.MustCompile(`(?i)("` + credNames + `"\s*:\s*)("(?:[^"\\]|\\.)*"|\[[^\]]*\]|[^,}\s]+)`), `${1}"` + Placeholder + `"`},
	// Bearer/Basic credentials anywhere.
	{regexp.MustCompile(`(?i)\b(bearer|basic)(\s+|%20)[A-Za-z0-9._~+/=\-]{6,}`), `${1}${2}` + Placeholder},
	// key=value in query strings, forms and key=value logs.
	{regexp.MustCompile(`(?i)(^|[?&;\s"'])((?:api[-_]?key|x[-_]api[-_]key|access[-_]?token|refresh[-_]?token|token|key|password|passwd|secret|client[-_]?secret|signature|sig|auth)=)[^&\s"';]+`), `${1}${2}` + Placeholder},
	// Header lines: "x-api-key: …", "Authorization: …".
	{regexp.MustCompile(`(?i)\b(x-api-key|api-key|authorization|proxy-authorization)(\s*:\s*)[^\s",}]+(\s+[^\s",}]+)?`), `${1}${2}` + Placeholder},
}

// RedactText returns s with credentials replaced by REDACTED: JSON values
// of credential-named keys, bearer/basic tokens, credential query or form
// parameters and credential header lines. It returns s itself when nothing
// matched.
func RedactText(s []byte) []byte {
	if !mayHoldCredential(s) {
		return s
	}
	for _, r := range textRules {
		s = r.re.ReplaceAll(s, []byte(r.repl))
	}
	return s
}

// mayHoldCredential is a cheap pre-check before the regular expressions.
func mayHoldCredential(s []byte) bool {
	l := strings.ToLower(string(s))
	for _, w := range []string{"key", "auth", "token", "secret", "passw", "bearer", "basic", "cookie", "sig"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}
