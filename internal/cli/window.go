package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Window is the half-open time range [From, To) a report covers, in UTC and
// whole seconds (the resolution of the tables' time column).
type Window struct {
	From, To time.Time
}

// DefaultSince is the window length when neither --since nor --from is given.
const DefaultSince = 24 * time.Hour

// WindowFlags are the --since, --from and --to flags every report takes.
// Register them with AddFlags; once flags are parsed, Window resolves them.
// Bad values are rejected while flags are parsed (usage errors).
type WindowFlags struct {
	since    sinceValue
	from, to timeValue
}

// AddFlags registers --since, --from and --to on fs.
func (w *WindowFlags) AddFlags(fs *pflag.FlagSet) {
	w.since = sinceValue{text: "24h", d: DefaultSince}
	fs.Var(&w.since, "since", "report on the last `DURATION`: 90m, 36h, 7d, 1w")
	fs.Var(&w.from, "from", "start of the window, inclusive (instead of --since): RFC 3339 `TIME` or a date (2026-03-01, UTC midnight)")
	w.to.endOfDay = true
	fs.Var(&w.to, "to", "end of the window, exclusive (default now): RFC 3339 `TIME` or a date (2026-03-01: to the end of that day)")
}

// Window resolves the flags against now: [to − since, to) by default, or
// [from, to) with --from; to is now unless --to is given. Both ends are
// truncated to whole seconds, in UTC. --since with --from, or a window that
// does not end after it starts, is a usage error.
func (w *WindowFlags) Window(now time.Time) (Window, error) {
	if w.since.set && w.from.set {
		return Window{}, UsageErrorf("--since and --from are mutually exclusive: give one of them")
	}
	to := now
	if w.to.set {
		to = w.to.t
	}
	from := to.Add(-w.since.d)
	if w.from.set {
		from = w.from.t
	}
	win := Window{From: from.UTC().Truncate(time.Second), To: to.UTC().Truncate(time.Second)}
	if !win.From.Before(win.To) {
		return Window{}, UsageErrorf("the window is empty: --from %s is not before --to %s",
			win.From.Format(time.RFC3339), win.To.Format(time.RFC3339))
	}
	return win, nil
}

// ParseSince parses a --since value: a positive Go duration ("90m", "36h",
// "1h30m") in which days may also be written with the unit d ("7d",
// "1d12h", "1.5d").
func ParseSince(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("empty duration")
	}
	// Rewrite each "<number>d" component as hours and let time.ParseDuration
	// do the rest (units, overflow, syntax).
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
			j++
		}
		if j > i && j < len(s) && (s[j] == 'd' || s[j] == 'w') {
			days, err := strconv.ParseFloat(s[i:j], 64)
			if err != nil {
				return 0, fmt.Errorf("bad duration %q", s)
			}
			if s[j] == 'w' {
				days *= 7
			}
			b.WriteString(strconv.FormatFloat(days*24, 'f', -1, 64))
			b.WriteByte('h')
			i = j + 1
			continue
		}
		if j == i {
			j++ // not a number: copy one byte (a sign, a unit letter) as is
		}
		b.WriteString(s[i:j])
		i = j
	}
	d, err := time.ParseDuration(b.String())
	if err != nil {
		return 0, fmt.Errorf("bad duration %q: want e.g. 90m, 36h, 7d or 1w", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("bad duration %q: must be positive", s)
	}
	return d, nil
}

// sinceValue is the pflag.Value behind --since.
type sinceValue struct {
	text string
	d    time.Duration
	set  bool
}

func (v *sinceValue) String() string { return v.text }
func (v *sinceValue) Type() string   { return "duration" }
func (v *sinceValue) Set(s string) error {
	d, err := ParseSince(s)
	if err != nil {
		return err
	}
	v.text, v.d, v.set = s, d, true
	return nil
}

// timeValue is the pflag.Value behind --from and --to.
type timeValue struct {
	t        time.Time
	set      bool
	endOfDay bool // a date alone means the end of that day (--to)
}

func (v *timeValue) String() string {
	if !v.set {
		return ""
	}
	return v.t.Format(time.RFC3339)
}
func (v *timeValue) Type() string { return "time" }
func (v *timeValue) Set(s string) error {
	t, err := ParseTimeFlag(s, v.endOfDay)
	if err != nil {
		return err
	}
	v.t, v.set = t, true
	return nil
}

// ParseTimeFlag reads a --from/--to value: RFC 3339, RFC 3339 without
// seconds or zone (UTC), or a date (UTC midnight; with endOfDay, the
// midnight that ends that day).
func ParseTimeFlag(s string, endOfDay bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("bad time %q: want a date (2026-03-01) or RFC 3339 (2026-03-01T00:00:00Z)", s)
}
