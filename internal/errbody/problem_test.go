package errbody

import "testing"

func TestProblemCode(t *testing.T) {
	f := func(typ, want string) {
		t.Helper()
		t.Run(typ, func(t *testing.T) {
			if got := string(problemCode([]byte(typ))); got != want {
				t.Errorf("problemCode(%q) = %q, want %q", typ, got, want)
			}
		})
	}
	f("", "")
	f("about:blank", "")
	f("About:Blank", "")
	f(" about:blank ", "")
	f("https://example.com/probs/out-of-credit", "out-of-credit")
	f("https://example.com/probs/out-of-credit/", "out-of-credit")
	f("https://example.com/probs/out-of-credit?lang=en", "out-of-credit")
	f("https://example.com/errors#rate-limited", "rate-limited")
	f("https://example.com/errors/#", "errors")
	f("https://example.com", "")
	f("https://example.com/", "")
	f("/errors/rate-limited", "rate-limited")
	f("urn:problem-type:rate-limited", "rate-limited")
	f("out-of-credit", "out-of-credit")
}
