package secret

import (
	"strings"
	"testing"
)

func TestCredentialName(t *testing.T) {
	for _, c := range []struct {
		name  string
		query bool
		want  bool
	}{
		{"api_key", true, true}, {"API-KEY", true, true}, {"apiKey", false, true}, {"api.key", true, true},
		{"api_key[]", true, true}, {"%61pi_key", true, true}, {"x-api-key", false, true}, {"key", false, true},
		{"api_token", true, true}, {"auth_token", true, true}, {"accessToken", true, true},
		{"session_token", true, true}, {"sessionToken", true, true}, {"private_token", true, true},
		{"jwt", true, true}, {"sessionid", false, true}, {"JSESSIONID", true, true}, {"private_key", false, true},
		{"client_secret", true, true}, {"password", false, true}, {"Passwd", true, true}, {"pwd", true, true},
		{"X-Amz-Signature", true, true}, {"sig", true, true}, {"authorization", false, true},
		{"Proxy-Authorization", false, true}, {"cookie", false, true}, {"api_keys", true, true},
		{"credentials", false, true}, {"code", true, true},
		// Not credentials.
		{"code", false, false}, {"error_code", true, false}, {"apiKeyId", false, false}, {"key_id", true, false},
		{"token_type", false, false}, {"expires_in", false, false}, {"idempotency_key", false, false},
		{"Idempotency-Key", false, false}, {"page", true, false}, {"author", true, false}, {"status", true, false},
		{"", true, false}, {"%%%", true, false},
	} {
		if got := credentialName([]byte(c.name), c.query); got != c.want {
			t.Errorf("credentialName(%q, query=%v) = %v, want %v", c.name, c.query, got, c.want)
		}
	}
}

// TestRedactText holds every credential form the hostile test found and
// more: the marker must go, the placeholder must come.
func TestRedactText(t *testing.T) {
	f := func(in string, secrets ...string) {
		t.Helper()
		got := string(RedactText([]byte(in)))
		for _, s := range secrets {
			if strings.Contains(got, s) {
				t.Errorf("RedactText(%q) = %q still holds %q", in, got, s)
			}
		}
		if !strings.Contains(got, Placeholder) {
			t.Errorf("RedactText(%q) = %q: no placeholder", in, got)
		}
	}
	// Query strings: any credential-like name, a second '?', fragments,
	// brackets, percent-encoded names, user:pass@.
	f("/v1/x?api_key=sk_live_123&page=2", "sk_live_123")
	f("/v1/x?api_token=AT1x&auth_token=AT2x", "AT1x", "AT2x")
	f("/v1/x?accessToken=AT3x&session_token=AT4x&sessionToken=AT5x", "AT3x", "AT4x", "AT5x")
	f("/v1/x?private_token=AT6x&jwt=AT7x&api_key[]=AT8x", "AT6x", "AT7x", "AT8x")
	f("/v1/x?%61pi_key=AT9x", "AT9x")
	f("/v1/x?x=1?token=AT10x", "AT10x")
	f("/cb#access_token=AT11x&state=1", "AT11x")
	f("http://alice:AT12x@api.example.com/v1/x", "AT12x")
	f("/redirect?to=https%3A%2F%2Falice%3AAT13x%40host%2Fx", "AT13x")
	f("/v1/x;jsessionid=AT14x", "AT14x")
	f("/cb?code=AT15x&state=1", "AT15x")
	f("/v1/x?authorization=Bearer+AT16x0", "AT16x0")
	f("/v1/x?Authorization=Bearer%20AT17x0", "AT17x0")
	// User agents.
	f("curl/8.0 Bearer AT18xyz0", "AT18xyz0")
	f("client/1.0 (api_key=AT19x)", "AT19x")
	f("client/1.0 token=AT20x", "AT20x")
	// Error bodies.
	f(`{"error":"bad","key":"AT21x"}`, "AT21x")
	f(`{"jwt":"AT22x","sessionid":"AT23x","private_key":"AT24x"}`, "AT22x", "AT23x", "AT24x")
	f(`{"message":"bad key","received":"api_key: AT25x"}`, "AT25x")
	f(`{"x-api-key":"sk_live_0123456789","status":200}`, "sk_live_0123456789")
	f(`{"authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"}`, "eyJhbGciOiJIUzI1NiJ9")
	f(`{"request":{"headers":{"Authorization":["Bearer tok_abcdef123"]}}}`, "tok_abcdef123")
	f(`{"password":"hunter22","user":"a"}`, "hunter22")
	// Raw lines: referers, single-quoted dicts, JSON escaped in a string.
	f(`1.2.3.4 - - "GET /x HTTP/1.1" 200 5 "https://app/cb?code=AT26x" "ua"`, "AT26x")
	f(`{'api_key': 'AT27x', 'path': '/x'}`, "AT27x")
	f(`{"body":"{\"api_key\":\"AT28x\",\"a\":1}"}`, "AT28x")
	f(`Authorization: Basic dXNlcjpwYXNz`, "dXNlcjpwYXNz")
	f(`x-api-key: k3y-v4lue-abc`, "k3y-v4lue-abc")
	// Validators echoing the value given for a credential field.
	f(`{"errors":[{"field":"apiKey","rejectedValue":"AT31x","message":"invalid"}]}`, "AT31x")
	f(`{"detail":[{"type":"string_too_short","loc":["query","api_key"],"msg":"short","input":"AT32x"}]}`, "AT32x")
	f(`{"param":"token","value":"AT33x"}`, "AT33x")
	// Shapes, wherever they are and whatever they are called.
	f("/v1/keys/sk_live_AT29xabc/rotate", "sk_live_AT29xabc")
	f("note eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl here", "eyJzdWIiOiIxIn0")
	f("aws AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE")
	f("gh ghp_abcdefghijklmnopqrstuvwxyz0123456789 used", "ghp_abcdefghijklmnopqrstuvwxyz0123456789")
	f("slack xoxb-123456789012-abcdef used", "xoxb-123456789012-abcdef")
	f("ftp://bob:AT30x@files.example.com/", "AT30x")

	// Nothing to redact: returned unchanged, key ids and prose untouched.
	for _, in := range []string{
		`{"apiKeyId":"k-acme01","status":429}`, `plain text line`, ``,
		`{"code":"rate_limited","message":"Basic authentication failed: token expired"}`,
		"Token Expired", "Token Validation Failed", "Digest Authentication required", "Missing Bearer Token",
		"/v1/x?page=2&limit=10", "/v1/bookings/1", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
		"Googlebot/2.1 (+http://www.google.com/bot.html)", `{"token_type":"bearer","expires_in":3600}`,
		"/v1/x?token", "/v1/x?", "ssh://git@github.com/x",
		`{"errors":[{"field":"email","rejectedValue":"a@b","message":"invalid"},{"field":"apiKey","message":"required"}]}`,
	} {
		if got := string(RedactText([]byte(in))); got != in {
			t.Errorf("RedactText(%q) = %q, want it unchanged", in, got)
		}
	}
}

func TestRedactKeepsStructure(t *testing.T) {
	for in, want := range map[string]string{
		"/v1/x?api_key=sk_live_123&page=2":              "/v1/x?api_key=REDACTED&page=2",
		"/v1/x?page=2&Access-Token=abc;X-Api-Key=k#top": "/v1/x?page=2&Access-Token=REDACTED;X-Api-Key=REDACTED#top",
		`{"Authorization":["Bearer x1234567"],"a":1}`:   `{"Authorization":"REDACTED","a":1}`,
		`{"body":"{\"api_key\":\"AT28x\",\"a\":1}"}`:    `{"body":"{\"api_key\":\"REDACTED\",\"a\":1}"}`,
		`{'api_key': 'AT27x'}`:                          `{'api_key': 'REDACTED'}`,
		"http://alice:pw@host/x":                        "http://REDACTED@host/x",
		"/v1/x?authorization=Bearer+AT16x0&y=1":         "/v1/x?authorization=REDACTED&y=1",
		"curl/8.0 Bearer AT18xyz0":                      "curl/8.0 Bearer REDACTED",
		"/v1/x?api_key=REDACTED":                        "/v1/x?api_key=REDACTED",
	} {
		if got := string(RedactText([]byte(in))); got != want {
			t.Errorf("RedactText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNamedValuesAndScrub(t *testing.T) {
	var got []string
	NamedValues([]byte("/v1/x?api_key=sk_echo_1&page=2&token=abc&auth=Bearer+tok12345"), func(v []byte) { got = append(got, string(v)) })
	if strings.Join(got, ",") != "sk_echo_1,Bearer+tok12345" { // "abc" is too short to scrub safely
		t.Errorf("NamedValues = %q", got)
	}
	out, ok := AppendScrubbed(nil, []byte(`{"message":"key sk_echo_1 is revoked"}`), [][]byte{[]byte("sk_echo_1")})
	if !ok || string(out) != `{"message":"key REDACTED is revoked"}` {
		t.Errorf("AppendScrubbed = %q, %v", out, ok)
	}
	if out, ok := AppendScrubbed([]byte("x"), []byte("clean"), [][]byte{[]byte("sk_echo_1")}); ok || string(out) != "x" {
		t.Errorf("AppendScrubbed of clean text = %q, %v", out, ok)
	}
}

// The common path and user agent cost no allocation.
func TestRedactCleanTextAllocatesNothing(t *testing.T) {
	for _, in := range []string{"/v1/bookings/123?page=2&limit=10", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0"} {
		b := []byte(in)
		if n := testing.AllocsPerRun(100, func() { _, _ = AppendRedacted(nil, b) }); n != 0 {
			t.Errorf("AppendRedacted(%q) allocates %v times", in, n)
		}
	}
}

func BenchmarkRedact(b *testing.B) {
	for _, in := range []string{"/v1/bookings/123?page=2&limit=10", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0", "/v1/x?api_key=sk_live_123&page=2"} {
		s := []byte(in)
		b.Run(in[:8], func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(s)))
			var dst []byte
			for b.Loop() {
				dst, _ = AppendRedacted(dst[:0], s)
			}
		})
	}
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{`{"x-api-key":"abc"}`, "/p?api_key=1&a=2", "Bearer abcdefgh", "/?token=&&;#", `{\"key\":\"`, "a://b:c@", "[", "key='"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		out := RedactText(text)
		// Redacting is idempotent: a redacted text holds nothing more to redact.
		if again := RedactText(out); string(again) != string(out) {
			t.Fatalf("RedactText not idempotent on %q: %q then %q", text, out, again)
		}
		NamedValues(text, func([]byte) {})
	})
}

// credentialWordOracle is credentialWord as it was: every word tried as
// a suffix.
func credentialWordOracle(n []byte, query bool) bool {
	switch string(n) {
	case "key", "pass", "pw", "pwd", "otp", "sid", "auth", "jwt", "sig", "secret", "token":
		return true
	case "code", "authcode", "authorizationcode":
		return query
	case "idempotencykey", "idempotentkey", "cachekey", "sortkey":
		return false
	}
	for _, w := range credentialWords {
		if len(n) >= len(w) && string(n[len(n)-len(w):]) == w {
			return true
		}
	}
	return false
}

// TestCredentialWordSuffixes: the last-letter lookup agrees with trying
// every word, on every word alone, as a suffix, cut short and extended.
func TestCredentialWordSuffixes(t *testing.T) {
	var names []string
	for _, w := range credentialWords {
		names = append(names, w, "x"+w, "apiv2"+w, w[1:], w[:len(w)-1], w+"x", w+"s")
	}
	names = append(names, "page", "limit", "offset", "code", "pass", "idempotencykey", "a", "9")
	for _, name := range names {
		for _, query := range []bool{false, true} {
			if got, want := credentialWord([]byte(name), query), credentialWordOracle([]byte(name), query); got != want {
				t.Errorf("credentialWord(%q, %v) = %v, want %v", name, query, got, want)
			}
		}
	}
}
