package secret

import (
	"bytes"
	"testing"
)

// mayHaveShapeByRule is the pre-check as each rule states it, one scan per
// word: what mayHaveShape's single scan must never miss.
func mayHaveShapeByRule(s []byte) bool {
	return hasScheme(s) || bytes.Contains(s, []byte("eyJ")) || hasUserinfo(s) || hasVendor(s)
}

func TestMayHaveShape(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"/v1/bookings/12345?page=2", false},
		{"partner-sdk/2.1 (linux; go1.26)", false},
		{"Authorization: BEARER abc", true},
		{"basic x", true},
		{"x DiGeSt y", true},
		{"?access_token=abc", true},
		{"eyJhbGciOi.eyJzdWIi.sig", true},
		{"https://user:pw@host/", true},
		{"https%3A%2F%2Fuser%3Apw%40host", true},
		{"a@b but no double slash", false},
		{"sk_live_abcdef", true},
		{"rk_test_abcdef", true},
		{"AKIAABCDEFGHIJKLMNOP", true},
		{"ghp_0123456789abcdefghij", true},
		{"high sight", false},
		{"glpat-0123456789abcdefghij", true},
		{"xoxb-0123456789", true},
	} {
		if got := mayHaveShape([]byte(c.in)); got != c.want {
			t.Errorf("mayHaveShape(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

// FuzzMayHaveShape: whenever the shape rules redact something, the single
// scan said they might; whenever each rule's own pre-check holds but for
// the one loosened ("gh" alone), so does it.
func FuzzMayHaveShape(f *testing.F) {
	for _, s := range []string{"Bearer abcdef123", "https://u:p@h", "ghp_0123456789abcdefghij", "eyJa.eyJb.c", "%40 %2F%2f", "sk_live_123456"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		fast := mayHaveShape(s)
		if _, changed := redactShapes(s); changed && !fast {
			t.Fatalf("redactShapes changes %q but mayHaveShape says no", s)
		}
		if mayHaveShapeByRule(s) && !fast && !onlyGH(s) {
			t.Fatalf("the rules' pre-checks hold for %q but mayHaveShape says no", s)
		}
	})
}

// onlyGH reports whether of the rules' pre-checks only hasVendor's loose
// "gh" holds for s, which mayHaveShape narrows to gh[pousr]_.
func onlyGH(s []byte) bool {
	return !hasScheme(s) && !bytes.Contains(s, []byte("eyJ")) && !hasUserinfo(s) && bytes.Contains(s, []byte("gh")) &&
		!bytes.Contains(s, []byte("_live_")) && !bytes.Contains(s, []byte("_test_")) && !bytes.Contains(s, []byte("AKIA")) &&
		!bytes.Contains(s, []byte("xox")) && !bytes.Contains(s, []byte("glpat-"))
}
