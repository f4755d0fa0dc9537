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

	"github.com/ratescope/ratescope/internal/readlimit"
)

// EnvKey names the environment variable that supplies the hashing key
// directly (it wins over the key file).
const EnvKey = "RATESCOPE_HASH_KEY"

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
