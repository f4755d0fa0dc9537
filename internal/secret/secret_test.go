package secret

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHasherStableAndKeyed(t *testing.T) {
	a := string(NewHasher([]byte("k1")).AppendID(nil, []byte("sk_live_abc")))
	b := string(NewHasher([]byte("k1")).AppendID(nil, []byte("sk_live_abc")))
	c := string(NewHasher([]byte("k2")).AppendID(nil, []byte("sk_live_abc")))
	d := string(NewHasher([]byte("k1")).AppendID(nil, []byte("sk_live_abd")))
	if a != b {
		t.Fatalf("same key and credential gave %q and %q", a, b)
	}
	if a == c || a == d {
		t.Fatalf("different key or credential gave the same id %q", a)
	}
	if !strings.HasPrefix(a, HashPrefix) || len(a) != len(HashPrefix)+16 || strings.Contains(a, "sk_live") {
		t.Fatalf("id %q: want kh- and 16 hex digits, no trace of the credential", a)
	}
	h := NewHasher([]byte("k1"))
	dst, cred := make([]byte, 0, 64), []byte("tok")
	if n := testing.AllocsPerRun(100, func() { dst = h.AppendID(dst[:0], cred) }); n != 0 {
		t.Errorf("AppendID allocates %v times per call", n)
	}
}

func TestLoadKey(t *testing.T) {
	t.Setenv(EnvKey, "")
	path := filepath.Join(t.TempDir(), "sub", "hash.key")
	k1, err := LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != 64 {
		t.Fatalf("generated key %q: want 64 hex digits", k1)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	k2, err := LoadKey(path)
	if err != nil || string(k2) != string(k1) {
		t.Fatalf("second load: %q, %v; want the same key %q", k2, err, k1)
	}
	t.Setenv(EnvKey, "from-env")
	if k, _ := LoadKey(path); string(k) != "from-env" {
		t.Fatalf("env key ignored: got %q", k)
	}
	t.Setenv(EnvKey, "")
	empty := filepath.Join(t.TempDir(), "empty.key")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(empty); err == nil || !strings.Contains(err.Error(), empty) {
		t.Fatalf("empty key file: err = %v, want one naming the file", err)
	}
}
