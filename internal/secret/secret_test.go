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

func TestRedactedPath(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		got := string(AppendRedactedPath(nil, []byte(in)))
		if got != want {
			t.Errorf("AppendRedactedPath(%q) = %q, want %q", in, got, want)
		}
		if HasSensitiveQuery([]byte(in)) != (in != want) {
			t.Errorf("HasSensitiveQuery(%q) disagrees with AppendRedactedPath", in)
		}
	}
	f("/v1/bookings/1", "/v1/bookings/1")
	f("/v1/x?page=2&limit=10", "/v1/x?page=2&limit=10")
	f("/v1/x?api_key=sk_live_123&page=2", "/v1/x?api_key=REDACTED&page=2")
	f("/v1/x?page=2&Access-Token=abc;X-Api-Key=k#top", "/v1/x?page=2&Access-Token=REDACTED;X-Api-Key=REDACTED#top")
	f("/cb?code=xyz&state=1", "/cb?code=REDACTED&state=1")
	f("/v1/x?token", "/v1/x?token")
	f("/v1/x?", "/v1/x?")
}

func TestRedactText(t *testing.T) {
	f := func(in string, secrets ...string) {
		t.Helper()
		got := string(RedactText([]byte(in)))
		for _, s := range secrets {
			if strings.Contains(got, s) {
				t.Errorf("RedactText(%q) = %q still holds %q", in, got, s)
			}
		}
		if len(secrets) > 0 && !strings.Contains(got, Placeholder) {
			t.Errorf("RedactText(%q) = %q: no placeholder", in, got)
		}
	}
	f(`{"x-api-key":"sk_live_0123456789","status":200}`, "sk_live_0123456789")
	f(`{"http_x_api_key": "abcDEF123456", "apiKeyId":"k-acme01"}`, "abcDEF123456")
	f(`{"authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"}`, "eyJhbGciOiJIUzI1NiJ9")
	f(`{"request":{"headers":{"Authorization":["Bearer tok_abcdef123"]}}}`, "tok_abcdef123")
	f(`GET /v1/x?api_key=sk_test_999&x=1 HTTP/1.1`, "sk_test_999")
	f(`Authorization: Basic dXNlcjpwYXNz`, "dXNlcjpwYXNz")
	f(`x-api-key: k3y-v4lue-abc`, "k3y-v4lue-abc")
	f(`{"password":"hunter22","user":"a"}`, "hunter22")
	// Nothing to redact: returned unchanged, key ids untouched.
	for _, in := range []string{`{"apiKeyId":"k-acme01","status":429}`, `plain text line`, ``} {
		if got := string(RedactText([]byte(in))); got != in {
			t.Errorf("RedactText(%q) = %q, want it unchanged", in, got)
		}
	}
}

func FuzzRedact(f *testing.F) {
	f.Add([]byte(`{"x-api-key":"abc"}`), []byte("/p?api_key=1&a=2"))
	f.Add([]byte("Bearer abcdefgh"), []byte("/?token=&&;#"))
	f.Fuzz(func(t *testing.T, text, path []byte) {
		_ = RedactText(text)
		out := AppendRedactedPath(nil, path)
		if !HasSensitiveQuery(path) && string(out) != string(path) {
			t.Fatalf("path %q changed to %q without a sensitive parameter", path, out)
		}
	})
}
