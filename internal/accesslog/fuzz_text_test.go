package accesslog

import (
	"bytes"
	"errors"
	"testing"
	"time"
	"unsafe"
)

// Seeds shared by FuzzNginx, FuzzEnvoy and FuzzDetect; more live in
// testdata/fuzz/<FuzzName>/.
var textFuzzSeeds = []string{
	`203.0.113.7 - - [22/Nov/2026:05:13:01 +0000] "POST /v1/bookings HTTP/1.1" 429 87 "-" "acme-sdk/2.1"`,
	`api.example.com:443 "203.0.113.53, 198.51.100.3" 10.1.0.8 - - [22/Nov/2026:05:13:10 +0000] "GET /d HTTP/1.1" 200 1 0.002 "-" "x" "-" junk`,
	`2001:db8::2, 10.1.0.6 10.1.0.7 - - [22/Nov/2026:05:13:09 +0000] "" 400 0`,
	`unix: - frank [22/Nov/2026:05:13:09 -0930] "hello" 400 -`,
	`[2026-11-22T05:13:01.250Z] "POST /v1/payments HTTP/2" 429 RL 312 98 3 - "203.0.113.9, 10.0.0.1" "bot" "5b0e6f1c" "api" "-"`,
	`[2026-11-22T05:13:04.321Z] "- - -" 0 UF,URX 0 0 12 - "-" "-" "-" "-" "10.2.0.9:5432"`,
	`gateway-1   | 2026-11-22T05:13:11.918273645Z [2026-11-22T05:13:11.900Z] "GET /z HTTP/1.1" 503 UF x{a,b} - "-" 0 24 1 - "-" "c" "i" "h" "u" extra - default`,
	`caddy  | {"requestId":"c1","httpMethod":"GET","status":"200"}`,
	`{"remote_addr":"203.0.113.7","request":"GET / HTTP/1.1","status":200}`,
	"\"unterminated [22/Nov/2026:05:13:01 +0000",
	"[\xff\xfe] \"\xc3\x28 \xa0\xa1\" 200 - 0 0 0 0 \"\" \"\" \"\" \"\" \"\"",
}

func FuzzNginx(f *testing.F) {
	for _, s := range textFuzzSeeds {
		f.Add([]byte(s))
	}
	p := NewParser(FormatNginx)
	f.Fuzz(func(t *testing.T, line []byte) {
		checkTextParse(t, p, line, 100)
	})
}

func FuzzEnvoy(f *testing.F) {
	for _, s := range textFuzzSeeds {
		f.Add([]byte(s))
	}
	p := NewParser(FormatEnvoy)
	f.Fuzz(func(t *testing.T, line []byte) {
		checkTextParse(t, p, line, 0)
	})
}

// checkTextParse parses line and checks what must hold for any input: a
// rejection is a *ParseError with a reason; an accepted line has a time,
// a status in [minStatus, 999], fields that alias the line, and parses the
// same way twice.
func checkTextParse(t *testing.T, p *Parser, line []byte, minStatus uint16) {
	var r Record
	err := p.Parse(line, &r)
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Reason == "" {
			t.Fatalf("Parse(%q): error %v is not a *ParseError with a reason", line, err)
		}
		return
	}
	if r.Status < minStatus || r.Status > 999 {
		t.Fatalf("Parse(%q): status %d out of range", line, r.Status)
	}
	if r.TimeMs == 0 || r.TimePrec < 0 || r.TimePrec > 9 {
		t.Fatalf("Parse(%q): time %d precision %d", line, r.TimeMs, r.TimePrec)
	}
	if r.BytesSent < 0 || (r.LatencyMs < 0 && r.LatencyMs != -1) {
		t.Fatalf("Parse(%q): bytes %d latency %v", line, r.BytesSent, r.LatencyMs)
	}
	for name, b := range map[string][]byte{
		"Method": r.Method, "Path": r.Path, "ClientIP": r.ClientIP, "UserAgent": r.UserAgent,
		"RequestID": r.RequestID, "ResponseFlags": r.ResponseFlags,
	} {
		if !textAliases(line, b) && !textAliases(p.scratch[:cap(p.scratch)], b) {
			t.Fatalf("Parse(%q): %s %q is neither in the line nor in the scratch buffer", line, name, b)
		}
	}
	var again Record
	if err := p.Parse(line, &again); err != nil || !sameTextRecord(&r, &again) {
		t.Fatalf("Parse(%q) twice: %v, %+v then %+v", line, err, r, again)
	}
}

// textAliases reports whether inner lies within outer's memory.
func textAliases(outer, inner []byte) bool {
	if len(inner) == 0 {
		return true
	}
	if len(outer) == 0 {
		return false
	}
	o := uintptr(unsafe.Pointer(unsafe.SliceData(outer)))
	i := uintptr(unsafe.Pointer(unsafe.SliceData(inner)))
	return i >= o && i+uintptr(len(inner)) <= o+uintptr(len(outer))
}

func sameTextRecord(a, b *Record) bool {
	return a.TimeMs == b.TimeMs && a.TimePrec == b.TimePrec && a.Status == b.Status &&
		bytes.Equal(a.Method, b.Method) && bytes.Equal(a.Path, b.Path) && bytes.Equal(a.ClientIP, b.ClientIP) &&
		bytes.Equal(a.UserAgent, b.UserAgent) && bytes.Equal(a.RequestID, b.RequestID) &&
		bytes.Equal(a.ResponseFlags, b.ResponseFlags) && a.BytesSent == b.BytesSent &&
		(a.LatencyMs == b.LatencyMs)
}

func FuzzDetect(f *testing.F) {
	for _, s := range textFuzzSeeds {
		f.Add([]byte(s + "\n" + s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sample := bytes.Split(data, []byte("\n"))
		got := Detect(sample)
		switch got {
		case FormatAuto, FormatAPIGW, FormatNginx, FormatNginxJSON, FormatEnvoy, FormatJSONL:
		default:
			t.Fatalf("Detect(%q) = %v, not a format", data, got)
		}
		// Blank lines do not vote, so adding some changes nothing (as
		// long as the sample stays within the lines Detect reads).
		if len(sample) < detectMaxLines-2 {
			padded := append([][]byte{nil, []byte("  ")}, sample...)
			if again := Detect(padded); again != got {
				t.Fatalf("Detect(%q) = %s, with blank lines %s", data, got, again)
			}
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"22/Nov/2026:05:13:47 +0000", "22/Nov/2026:05:13:47 -0930", "29/Feb/2028:00:00:00 +1400",
		"2026-11-22T05:13:47Z", "2026-11-22 05:13:47.123456+02:00", "2024-07-20T07:05:58.670998585Z",
		"2026-11-22T05:13:47,5-03:30", "1795324427", "1795324427.123", "1795324427123",
		"1795324427123456", "1795324427123456789", "9999999999999999999", "", "-", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, prec, ok := ParseTime([]byte(s))
		if !ok {
			if ms != 0 || prec != 0 {
				t.Fatalf("ParseTime(%q) = %d, %d, !ok: want zeros", s, ms, prec)
			}
		} else if prec < 0 || prec > 9 {
			t.Fatalf("ParseTime(%q): precision %d", s, prec)
		}
		if ok && !TimeInRange(ms) {
			t.Fatalf("ParseTime(%q) = %d: outside the accepted range", s, ms)
		}
		// Whatever the standard library reads as RFC 3339 or CLF, ParseTime
		// reads to the same millisecond — or rejects, outside the range.
		if want, ok := stdlibTime(s); ok {
			got, _, gotOK := ParseTime([]byte(s))
			switch inRange := TimeInRange(want.UnixMilli()); {
			case inRange && (!gotOK || got != want.UnixMilli()):
				t.Fatalf("ParseTime(%q) = %d, %v; the time package reads %d (%s)", s, got, gotOK, want.UnixMilli(), want)
			case !inRange && gotOK:
				t.Fatalf("ParseTime(%q) = %d, accepted; the time package reads %s, outside the range", s, got, want)
			}
		}
	})
}

// stdlibTime parses s with the time package as RFC 3339 or, when its month
// is spelled as nginx spells it and its zone offset is under 24 hours, as
// CLF. The time package is lenient beyond the formats (one-digit hours, say),
// so only strings with the exact digit layout are compared.
func stdlibTime(s string) (time.Time, bool) {
	if hasShape(s, "dddd-dd-ddTdd:dd:dd") {
		if n := len(s); n >= 25 && (s[n-6] == '+' || s[n-6] == '-') && s[n-2] > '5' {
			return time.Time{}, false // the time package takes offset minutes of 60 and more
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		return t, err == nil
	}
	if len(s) != 26 || !hasShape(s, "dd/???/dddd:dd:dd:dd ?dddd") ||
		s[22] > '2' || (s[22] == '2' && s[23] >= '4') || s[24] > '5' {
		return time.Time{}, false
	}
	for _, m := range months {
		if s[3:6] == m {
			t, err := time.Parse("02/Jan/2006:15:04:05 -0700", s)
			return t, err == nil
		}
	}
	return time.Time{}, false
}

// hasShape reports whether s starts with pattern, where 'd' stands for a
// digit and '?' for any byte.
func hasShape(s, pattern string) bool {
	if len(s) < len(pattern) {
		return false
	}
	for i := range len(pattern) {
		switch c := pattern[i]; {
		case c == 'd' && (s[i] < '0' || s[i] > '9'):
			return false
		case c != 'd' && c != '?' && s[i] != c:
			return false
		}
	}
	return true
}

// Seeds for FuzzALB and FuzzMixed.
var albFuzzSeeds = []string{albLine, albFailed, albIPv6, albNoReq, elbLine,
	`http 2026-11-22T05:13:47Z app/x [::1 - 0 0 0 200 200 1 2 "GET http://h?q HTTP/1.1" "-"`}

func FuzzALB(f *testing.F) {
	for _, s := range append(albFuzzSeeds, textFuzzSeeds...) {
		f.Add([]byte(s))
	}
	p := NewParser(FormatALB)
	f.Fuzz(func(t *testing.T, line []byte) {
		checkTextParse(t, p, line, 0)
	})
}

// FuzzMixed: a file read line by line, each line in the format it looks
// like, must reject what it cannot read with a reason and never panic.
func FuzzMixed(f *testing.F) {
	for _, s := range append(albFuzzSeeds, textFuzzSeeds...) {
		f.Add([]byte(s))
	}
	p := NewParser(FormatMixed)
	f.Fuzz(func(t *testing.T, line []byte) {
		var r Record
		if err := p.Parse(line, &r); err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Reason == "" {
				t.Fatalf("Parse(%q): error %v is not a *ParseError with a reason", line, err)
			}
			return
		}
		if p.LineFormat() == FormatAuto || p.LineFormat() == FormatMixed {
			t.Fatalf("Parse(%q) accepted a line of format %v", line, p.LineFormat())
		}
	})
}

// FuzzUnwrap: container wrappers never panic, and what they return is
// part of the line (CRI) or no longer than it (Docker's JSON unescaped).
func FuzzUnwrap(f *testing.F) {
	for _, s := range []string{
		"2016-10-20T18:39:20.57606443Z stdout F cri stdout test log",
		"2016-10-20T18:39:20.57606443Z stdout P:TAG1:TAG2 cri stdout partial test log",
		"2016-10-20T18:39:20.57606443Z stderr F",
		`{"log":"docker stdout test log\n","stream":"stdout","time":"2016-10-20T18:39:20.57606443Z"}`,
		`{"log":"part","stream":"stdout","time":"2016-10-20T18:39:20.57606443Z"}`,
		`{"log":1}`, `{"log":"\u00e9\r\n"}`, "2016-10-20T18:39:20Z stdout X y",
	} {
		f.Add([]byte(s))
	}
	var u Unwrapper
	f.Fuzz(func(t *testing.T, line []byte) {
		c, partial, w := u.Unwrap(line)
		switch w {
		case WrapNone:
			if !bytes.Equal(c, line) || partial {
				t.Fatalf("Unwrap(%q) changed a bare line: %q, %v", line, c, partial)
			}
		case WrapCRI:
			if len(c) > 0 && !textAliases(line, c) {
				t.Fatalf("Unwrap(%q): CRI content %q is not part of the line", line, c)
			}
		case WrapDocker:
			if len(c) > len(line) {
				t.Fatalf("Unwrap(%q): content %q longer than the line", line, c)
			}
		}
	})
}
