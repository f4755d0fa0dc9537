package errbody

import (
	"math"
	"testing"
)

func TestRetryInText(t *testing.T) {
	f := func(text string, want int32) {
		t.Helper()
		t.Run(text, func(t *testing.T) {
			if got := retryInText([]byte(text)); got != want {
				t.Errorf("retryInText(%q) = %d, want %d", text, got, want)
			}
		})
	}
	// The seed pages' phrasings.
	f("Rate limit exceeded. Try again in 30 seconds.", 30)
	f("Rate limit exceeded for read endpoints. Retry in 42 seconds.", 42)
	// Case, units, spacing.
	f("TRY AGAIN IN 5 SECONDS", 5)
	f("retry in 1 second", 1)
	f("Retry in 3s.", 3)
	f("retry in 2 min", 120)
	f("Please try again in 2 minutes.", 120)
	f("try again after 1 hour", 3600)
	f("Retry after 1.5 minutes", 90)
	f("retry in 1500ms", 2)
	f("retry in   7   secs", 7)
	f("Retry after 0 seconds", 0)
	// The first announced cooldown wins; a phrase without one is skipped.
	f("Retry in a moment, or try again in 10 seconds", 10)
	f("retry in 4 seconds, then retry in 8 seconds", 4)
	// No cooldown.
	f("", -1)
	f("Rate limit exceeded.", -1)
	f("Retry in 42.", -1)
	f("retry in 42 parsecs", -1)
	f("retry in 42 secondsx", -1)
	f("retry in -5 seconds", -1)
	f("entry in 5 seconds", -1)
	f("ToRetry in 5 seconds", -1)
	f("retry in", -1)
	// Clamped, never negative or wrapped.
	f("retry in 99999999999999999999 hours", math.MaxInt32)
}

func TestParseRetryValue(t *testing.T) {
	f := func(s string, want int32) {
		t.Helper()
		t.Run(s, func(t *testing.T) {
			if got := parseRetryValue([]byte(s)); got != want {
				t.Errorf("parseRetryValue(%q) = %d, want %d", s, got, want)
			}
		})
	}
	f("12", 12)
	f(" 12 ", 12)
	f("12s", 12)
	f("2 minutes", 120)
	f("0.2", 1)
	f("0", 0)
	f("", -1)
	f("soon", -1)
	f("12 apples", -1)
	f("12 s later", -1)
	f("-1", -1)
	f("Wed, 21 Oct 2026 07:28:00 GMT", -1)
}
