package cli

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// FuzzParseSince checks that ParseSince never panics, accepts only positive
// durations, and agrees with time.ParseDuration on inputs without days.
func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"24h", "7d", "1.5d", "1d12h30m", "-1d", "0d", "d", ".d", "1e3d", "99999999999999d", "90m", "1h30", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseSince(s)
		if err != nil {
			if d != 0 {
				t.Errorf("ParseSince(%q) = %v with error %v", s, d, err)
			}
			return
		}
		if d <= 0 {
			t.Errorf("ParseSince(%q) = %v, not positive", s, d)
		}
		if !strings.Contains(s, "d") {
			if want, err := time.ParseDuration(s); err != nil || want != d {
				t.Errorf("ParseSince(%q) = %v; time.ParseDuration says %v, %v", s, d, want, err)
			}
		}
	})
}

// FuzzOneLine checks that OneLine's output is one line without control
// characters or surrounding space, and keeps every printable word.
func FuzzOneLine(f *testing.F) {
	for _, s := range []string{"plain", "a\nb", " \t\r\n", "x\x1b[31my", "code: 60\nStack trace:\n0. x", "\u0085\u009b", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := OneLine(s)
		for _, r := range got {
			if unicode.IsControl(r) {
				t.Fatalf("OneLine(%q) = %q holds control character %U", s, got, r)
			}
		}
		if strings.TrimSpace(got) != got || strings.Contains(got, "  ") {
			t.Errorf("OneLine(%q) = %q: stray spaces", s, got)
		}
		if !strings.Contains(s, "Stack trace:") {
			for _, w := range strings.Fields(s) {
				if strings.IndexFunc(w, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }) < 0 && !strings.Contains(got, w) {
					t.Errorf("OneLine(%q) = %q lost %q", s, got, w)
				}
			}
		}
	})
}
