package accesslog

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	// want is computed with the time package, independently of ParseTime.
	f := func(in string, want time.Time, wantPrec int8) {
		t.Helper()
		ms, prec, ok := ParseTime([]byte(in))
		if !ok {
			t.Errorf("ParseTime(%q): not ok, want %s", in, want.Format(time.RFC3339Nano))
			return
		}
		if ms != want.UnixMilli() || prec != wantPrec {
			t.Errorf("ParseTime(%q) = %d (%s), prec %d; want %d (%s), prec %d", in,
				ms, time.UnixMilli(ms).UTC().Format(time.RFC3339Nano), prec,
				want.UnixMilli(), want.UTC().Format(time.RFC3339Nano), wantPrec)
		}
	}
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	zone := func(sec int) *time.Location { return time.FixedZone("", sec) }

	t.Run("clf", func(t *testing.T) {
		f("22/Nov/2026:05:13:47 +0000", utc(2026, 11, 22, 5, 13, 47, 0), 0)
		f("22/Nov/2026:05:13:47 +0200", time.Date(2026, 11, 22, 5, 13, 47, 0, zone(2*3600)), 0)
		f("19/Feb/2015:15:50:36 -0500", time.Date(2015, 2, 19, 15, 50, 36, 0, zone(-5*3600)), 0)
		f("01/Jan/2027:00:30:00 +0530", time.Date(2027, 1, 1, 0, 30, 0, 0, zone(5*3600+30*60)), 0)
		f("31/Dec/2026:23:59:59 -0930", time.Date(2026, 12, 31, 23, 59, 59, 0, zone(-(9*3600+30*60))), 0)
		f("29/Feb/2028:12:00:00 +0000", utc(2028, 2, 29, 12, 0, 0, 0), 0)
	})
	t.Run("rfc3339", func(t *testing.T) {
		f("2026-11-22T05:13:47Z", utc(2026, 11, 22, 5, 13, 47, 0), 0)
		f("2026-11-22t05:13:47z", utc(2026, 11, 22, 5, 13, 47, 0), 0)
		f("2026-11-22 05:13:47", utc(2026, 11, 22, 5, 13, 47, 0), 0)
		f("2026-11-22T05:13:47", utc(2026, 11, 22, 5, 13, 47, 0), 0)
		f("2026-11-22T05:13:47.1Z", utc(2026, 11, 22, 5, 13, 47, 100e6), 1)
		f("2026-11-22T05:13:47.123Z", utc(2026, 11, 22, 5, 13, 47, 123e6), 3)
		f("2026-11-22T05:13:47.123456+02:00", time.Date(2026, 11, 22, 5, 13, 47, 123456e3, zone(2*3600)), 6)
		f("2026-11-22T05:13:47,5-03:30", time.Date(2026, 11, 22, 5, 13, 47, 500e6, zone(-(3*3600+30*60))), 1)
		f("2026-11-22T05:13:47+0100", time.Date(2026, 11, 22, 5, 13, 47, 0, zone(3600)), 0)
		// Nanoseconds are kept to the millisecond (truncated); digits past the ninth are ignored.
		f("2024-07-20T07:05:58.670998585Z", utc(2024, 7, 20, 7, 5, 58, 670e6), 9)
		f("2024-07-20T07:05:58.6709985851234Z", utc(2024, 7, 20, 7, 5, 58, 670e6), 9)
		f("2026-12-31T23:30:00-01:00", utc(2027, 1, 1, 0, 30, 0, 0), 0)
	})
	t.Run("epoch", func(t *testing.T) {
		f("1763788427", time.Unix(1763788427, 0), 0)
		f("1763788427.5", time.Unix(1763788427, 500e6), 1)
		f("1763788427.123", time.Unix(1763788427, 123e6), 3)
		f("1761019828.6153953", time.Unix(1761019828, 615395300), 7)
		f("999999999", time.Unix(999999999, 0), 0) // 9 digits: seconds, 2001
		f("946684800000", time.UnixMilli(946684800000), 3)
	})
	t.Run("range ends", func(t *testing.T) {
		f("2000-01-01T00:00:00Z", utc(2000, 1, 1, 0, 0, 0, 0), 0)
		f("2099-12-31T23:59:59.999Z", utc(2099, 12, 31, 23, 59, 59, 999e6), 3)
		f("01/Jan/2000:01:00:00 +0100", utc(2000, 1, 1, 0, 0, 0, 0), 0)
		f("1763788427123", time.UnixMilli(1763788427123), 3)
		f("1763788427123.456", time.UnixMilli(1763788427123), 6)
		f("1763788427123456", time.UnixMicro(1763788427123456), 6)
		f("1763788427123456789", time.Unix(0, 1763788427123456789), 9)
	})
}

func TestParseTimeRejects(t *testing.T) {
	f := func(in string) {
		t.Helper()
		if ms, prec, ok := ParseTime([]byte(in)); ok {
			t.Errorf("ParseTime(%q) = %d, %d, ok; want !ok", in, ms, prec)
		}
	}
	for _, in := range []string{
		"", "-", "now", "0", "12345678", // too short for an epoch from 1973 on
		"1763788427x", "1763788427.", "1763788427.5e3", "-1763788427", "+1763788427", "17637884.27",
		"17637884271234567890", // 20 digits
		"9999999999999999999",  // overflows int64 nanoseconds
		"1763788427123456.5",   // a fraction is only read for seconds and milliseconds
		"22/Nov/2026:05:13:47", // CLF without a zone
		"22/Nov/2026:05:13:47 +0000]",
		"22/Foo/2026:05:13:47 +0000",
		"22/nov/2026:05:13:47 +0000",
		"32/Nov/2026:05:13:47 +0000",
		"31/Nov/2026:05:13:47 +0000", // November has 30 days
		"29/Feb/2026:05:13:47 +0000", // 2026 is not a leap year
		"22/Nov/2026:24:13:47 +0000",
		"22/Nov/2026:05:13:47 +2400",
		"22/Nov/2026:05:13:47 0000",
		"2/Nov/2026:05:13:47 +0000",
		"2026-11-22",
		"2026-11-22T05:13",
		"2026-13-22T05:13:47Z",
		"2026-00-22T05:13:47Z",
		"2026-11-00T05:13:47Z",
		"2026-02-30T05:13:47Z",
		"2026-11-22T05:60:47Z",
		"2026-11-22T05:13:47.Z",
		"2026-11-22T05:13:47ZZ",
		"2026-11-22T05:13:47 Z",
		"2026-11-22T05:13:47+2",
		"2026-11-22X05:13:47Z",
		"2026-1a-22T05:13:47Z",
		"\xff\xfe\xfd\xfc-\xfb\xfa-\xf9\xf8T",
		// Real dates outside [2000, 2100): impossible for an access log
		// (issue 14), each once stored as the ingest time.
		"1900-01-01", "1900-01-01T00:00:00Z", "2200-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
		"0000-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "2106-02-07T06:28:16Z",
		"1970-01-01T00:00:00Z", "1999-12-31T23:59:59.999Z", "2100-01-01T00:00:00Z",
		"01/Jan/2000:00:59:59 +0100", "31/Dec/2099:23:00:00 -0100",
		"123456789",       // 9 digits: seconds, 1973
		"253402300800000", // year 10000 in ms, read as µs: 1978
		"253402300800",    // year 10000 in s, read as ms: 1978
		"4102444800",      // 2100-01-01 in seconds
	} {
		f(in)
	}
}

func TestParseTimeDoesNotAllocate(t *testing.T) {
	in := []byte("2026-11-22T05:13:47.123456+02:00")
	clf := []byte("22/Nov/2026:05:13:47 +0000")
	epoch := []byte("1763788427.123")
	if n := testing.AllocsPerRun(100, func() {
		ParseTime(in)
		ParseTime(clf)
		ParseTime(epoch)
	}); n != 0 {
		t.Errorf("ParseTime allocates %.0f times per run, want 0", n)
	}
}
