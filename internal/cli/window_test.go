package cli

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestParseSince(t *testing.T) {
	f := func(in string, want time.Duration, wantErr bool) {
		t.Helper()
		got, err := ParseSince(in)
		if wantErr {
			if err == nil {
				t.Errorf("ParseSince(%q) = %v, want an error", in, got)
			}
			return
		}
		if err != nil || got != want {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	f("24h", 24*time.Hour, false)
	f("90m", 90*time.Minute, false)
	f("1h30m", 90*time.Minute, false)
	f("7d", 7*24*time.Hour, false)
	f("1d12h", 36*time.Hour, false)
	f("1.5d", 36*time.Hour, false)
	f("2d30m", 48*time.Hour+30*time.Minute, false)
	f("10s", 10*time.Second, false)
	f("500ms", 500*time.Millisecond, false)

	f("", 0, true)
	f("d", 0, true)
	f("7", 0, true)      // no unit
	f("7days", 0, true)  // "d" then garbage
	f("1.2.3d", 0, true) // bad number
	f(".d", 0, true)
	f("0d", 0, true) // not positive
	f("0s", 0, true)
	f("-1h", 0, true)
	f("-1d", 0, true)
	f("1w", 7*24*time.Hour, false)
	f("2w", 14*24*time.Hour, false)
	f("99999999999999d", 0, true)        // overflows time.Duration
	f("1d\x00", 0, true)                 // trailing junk
	f("１d", 0, true)                     // not an ASCII digit
	f("1e3d", 0, true)                   // no exponents
	f(strings.Repeat("1", 400), 0, true) // no unit, long
}

func TestWindowFlags(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 30, 45, 999_000_000, time.UTC)
	nowSec := now.Truncate(time.Second)
	mar1 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	mar2 := mar1.Add(24 * time.Hour)
	// f parses args as flags and resolves the window. wantErr is a substring
	// of the error, which must be a usage error.
	f := func(args []string, want Window, wantErr string) {
		t.Helper()
		var w WindowFlags
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		fs.SetOutput(new(strings.Builder))
		w.AddFlags(fs)
		err := fs.Parse(args)
		var got Window
		if err == nil {
			got, err = w.Window(now)
			var ue *UsageError
			if err != nil && !errors.As(err, &ue) {
				t.Errorf("%q: error %v is not a *UsageError", args, err)
			}
		}
		if wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), wantErr) {
				t.Errorf("%q: error = %v, want one containing %q", args, err, wantErr)
			}
			return
		}
		if err != nil {
			t.Errorf("%q: %v", args, err)
			return
		}
		if !got.From.Equal(want.From) || !got.To.Equal(want.To) {
			t.Errorf("%q: window [%v, %v), want [%v, %v)", args, got.From, got.To, want.From, want.To)
		}
		if got.From.Location() != time.UTC || got.To.Location() != time.UTC {
			t.Errorf("%q: window not in UTC: %v, %v", args, got.From, got.To)
		}
	}
	f(nil, Window{nowSec.Add(-24 * time.Hour), nowSec}, "")
	f([]string{"--since", "7d"}, Window{nowSec.Add(-7 * 24 * time.Hour), nowSec}, "")
	f([]string{"--since=90m"}, Window{nowSec.Add(-90 * time.Minute), nowSec}, "")
	f([]string{"--since", "1h", "--to", "2026-03-02T00:00:00Z"}, Window{mar2.Add(-time.Hour), mar2}, "")
	f([]string{"--from", "2026-03-01T00:00:00Z"}, Window{mar1, nowSec}, "")
	f([]string{"--from", "2026-03-01T00:00:00Z", "--to", "2026-03-02T00:00:00Z"}, Window{mar1, mar2}, "")
	// Other offsets are converted to UTC; fractions of seconds are dropped.
	f([]string{"--from", "2026-03-01T01:00:00+01:00", "--to", "2026-03-01T23:59:59.75-00:00"},
		Window{mar1, mar2.Add(-time.Second)}, "")
	// The default --since is no conflict with --from.
	f([]string{"--from", "2026-03-09T12:30:45Z"}, Window{nowSec.Add(-24 * time.Hour), nowSec}, "")

	f([]string{"--since", "1h", "--from", "2026-03-01T00:00:00Z"}, Window{}, "mutually exclusive")
	f([]string{"--since", "24h", "--from", "2026-03-01T00:00:00Z"}, Window{}, "mutually exclusive")
	f([]string{"--from", "2026-03-02T00:00:00Z", "--to", "2026-03-01T00:00:00Z"}, Window{}, "window is empty")
	f([]string{"--from", "2026-03-01T00:00:00Z", "--to", "2026-03-01T00:00:00Z"}, Window{}, "window is empty")
	f([]string{"--from", "2026-03-01T00:00:00.2Z", "--to", "2026-03-01T00:00:00.7Z"}, Window{}, "window is empty")
	f([]string{"--from", "2026-04-01T00:00:00Z"}, Window{}, "window is empty") // after now
	f([]string{"--since", "yesterday"}, Window{}, `bad duration "yesterday"`)
	f([]string{"--since", "-3h"}, Window{}, "must be positive")
	f([]string{"--from", "2026-03-01"}, Window{mar1, nowSec}, "")
	f([]string{"--from", "2026-03-01", "--to", "2026-03-01"}, Window{mar1, mar2}, "") // a date --to ends that day
	f([]string{"--from", "2026-03-01T00:00", "--to", "2026-03-02 00:00"}, Window{mar1, mar2}, "")
	f([]string{"--from", "03/01/2026"}, Window{}, `bad time "03/01/2026": want a date (2026-03-01) or RFC 3339`)
	f([]string{"--to", "22/Nov/2026:05:13:47 +0000"}, Window{}, "bad time")
	f([]string{"--from", ""}, Window{}, "bad time")
}
