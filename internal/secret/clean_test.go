package secret

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkSameAsFull fails when AppendRedacted (the pre-check, then the
// rules) and appendRedactedFull (every rule, the code as it was before
// the pre-check) disagree on s, or when MayHold says no to a text the
// rules change.
func checkSameAsFull(t *testing.T, s []byte) {
	t.Helper()
	prefix := []byte("dst:")
	want, wantChanged := appendRedactedFull(bytes.Clone(prefix), s)
	got, gotChanged := AppendRedacted(bytes.Clone(prefix), s)
	if gotChanged != wantChanged || !bytes.Equal(got, want) {
		t.Fatalf("AppendRedacted(%q) = %q, %v; the full rules give %q, %v", s, got, gotChanged, want, wantChanged)
	}
	if MayHold(s) {
		return
	}
	if wantChanged {
		t.Fatalf("MayHold(%q) = false, but the rules redact it to %q", s, want)
	}
	NamedValues(s, func(v []byte) { t.Fatalf("MayHold(%q) = false, but NamedValues finds %q", s, v) })
}

// fragments are pieces of text that start, end or sit next to what the
// rules look for, mixed at random by TestMayHoldMixes.
var fragments = []string{
	"Bearer ", "bearer+", "BASIC%20", "Digest\t", "token\n", "ToKeN\f", "tokeN\r", "baſic ", "to\u212Aen ", "beare", "r ",
	"abcdef123", "Abc", "xyz", "REDACTED", " ", "+", "%20", "%2", "%40", "%2f%2f", "%2F%2F", "%3a", "//", ":", "://", "@",
	"=", "?", "&", "#", ";", ",", "'", "\"", `\"`, "{", "}", "[", "]", "\"value\":", "\"field\":\"apiKey\"", "\" :",
	"api_key", "apiKey", "page", "code", "x-api-key", "auth", "idempotency_key", "%61pi_key", "password", "sessionid",
	"eyJ", "ey", "J", "hbGciOiJ", ".", "sk", "_live_", "_test_", "pk", "AKIA", "AK", "IA", "0123456789ABCDEF",
	"gh", "ghp_", "p", "_", "xox", "xoxb-", "-", "glpat", "glpat-", "0123456789abcdefghij", "é", "\x80", "\xff",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36", "/v1/r3/1234?page=2", "https://", "user:pw",
}

// TestMayHoldMixes compares the fast path with the full rules on a
// 200,000 random mixes of fragments that trigger, almost trigger or
// border on each rule.
func TestMayHoldMixes(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	rng := rand.New(rand.NewPCG(12, 12))
	var s []byte
	for range n {
		s = s[:0]
		for k := rng.IntN(8) + 1; k > 0; k-- {
			s = append(s, fragments[rng.IntN(len(fragments))]...)
		}
		checkSameAsFull(t, s)
	}
}

// TestMayHoldRealLines compares the fast path with the full rules on
// every real log line and on each of its fields' likely cuts (the
// quoted strings of a line).
func TestMayHoldRealLines(t *testing.T) {
	var files []string
	for _, root := range []string{"../../../shared/testdata/real", "../../testdata"} {
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, path)
			}
			return nil
		})
	}
	lines := 0
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = f
		if strings.HasSuffix(name, ".gz") {
			if r, err = gzip.NewReader(f); err != nil {
				t.Fatal(err)
			}
		}
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			checkSameAsFull(t, line)
			for _, part := range bytes.Split(line, []byte(`"`)) {
				checkSameAsFull(t, part)
			}
			lines++
		}
		_ = f.Close()
	}
	if lines == 0 {
		t.Fatal("no real log lines found")
	}
	t.Logf("%d lines from %d files", lines, len(files))
}

// TestMayHoldKnownSecrets: every text of the redaction tests that holds
// a credential passes the pre-check.
func TestMayHoldKnownSecrets(t *testing.T) {
	for _, s := range []string{
		"/v1/x?api_key=sk_live_123&page=2", "http://alice:AT12x@api.example.com/v1/x",
		"/redirect?to=https%3A%2F%2Falice%3AAT13x%40host%2Fx", "Authorization: Bearer abc.def-123",
		"curl -H 'Bearer%20abcdef123'", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "AKIAABCDEFGHIJKLMNOP",
		"ghp_0123456789abcdefghijklmn", "xoxb-0123456789-abc", "glpat-0123456789abcdefghij", "sk_test_abcdef1",
		`{"field":"apiKey","rejectedValue":"abc123"}`, "token abc123XYZ", "baſic QWxhZGRpbjpvcGVu", "to\u212Aen abc123XYZ",
	} {
		if !MayHold([]byte(s)) {
			t.Errorf("MayHold(%q) = false", s)
		}
		checkSameAsFull(t, []byte(s))
	}
}

// FuzzMayHold: on any text, AppendRedacted with its pre-check gives what
// the full rules give.
func FuzzMayHold(f *testing.F) {
	for _, s := range fragments {
		f.Add([]byte(s))
	}
	f.Add([]byte("token baſic abcdef12"))
	f.Fuzz(func(t *testing.T, s []byte) {
		checkSameAsFull(t, s)
	})
}

func BenchmarkAppendRedactedClean(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"path", "/v1/r17/84213?page=2"},
		{"route", "/v1/r17/{id}"},
		{"ua", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"},
	} {
		s := []byte(c.s)
		b.Run(c.name+"/full", func(b *testing.B) {
			for b.Loop() {
				appendRedactedFull(nil, s)
			}
		})
		b.Run(c.name+"/fast", func(b *testing.B) {
			for b.Loop() {
				AppendRedacted(nil, s)
			}
		})
	}
}
