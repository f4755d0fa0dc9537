package accesslog

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// textRecord is what the text parsers fill, as strings for readable diffs.
type textRecord struct {
	Time      time.Time // zero = absent
	Prec      int8
	Status    uint16
	Method    string
	Path      string
	ClientIP  string
	UserAgent string
	RequestID string
	Flags     string
	LatencyMs float64
	BytesSent int64
}

// checkTextRecord compares the fields a text parser fills and checks that
// the fields no text format carries stayed absent.
func checkTextRecord(t *testing.T, line string, got *Record, want textRecord) {
	t.Helper()
	wantMs := int64(0)
	if !want.Time.IsZero() {
		wantMs = want.Time.UnixMilli()
	}
	have := textRecord{
		Time: want.Time, Prec: got.TimePrec, Status: got.Status,
		Method: string(got.Method), Path: string(got.Path), ClientIP: string(got.ClientIP),
		UserAgent: string(got.UserAgent), RequestID: string(got.RequestID), Flags: string(got.ResponseFlags),
		LatencyMs: got.LatencyMs, BytesSent: got.BytesSent,
	}
	if got.TimeMs != wantMs {
		t.Errorf("line %q:\nTimeMs = %d (%s), want %d (%s)", line, got.TimeMs,
			time.UnixMilli(got.TimeMs).UTC().Format(time.RFC3339Nano), wantMs, want.Time.UTC().Format(time.RFC3339Nano))
	}
	if have != want {
		t.Errorf("line %q:\n got %s\nwant %s", line, fmtTextRecord(have), fmtTextRecord(want))
	}
	if got.Route != nil || got.Partner != nil || got.IdempotencyKey != nil || got.ErrorType != nil ||
		got.Body != nil || got.Secret != nil || got.RetryAfter != -1 ||
		got.RateLimitLimit != -1 || got.RateLimitRemaining != -1 || got.RateLimitReset != -1 {
		t.Errorf("line %q: fields no text format carries are set: %+v", line, *got)
	}
}

func fmtTextRecord(r textRecord) string {
	return fmt.Sprintf("prec=%d status=%d method=%q path=%q ip=%q ua=%q rid=%q flags=%q latency=%v bytes=%d",
		r.Prec, r.Status, r.Method, r.Path, r.ClientIP, r.UserAgent, r.RequestID, r.Flags, r.LatencyMs, r.BytesSent)
}

func TestFieldScanner(t *testing.T) {
	f := func(line string, want ...string) {
		t.Helper()
		s := fieldScanner{line: []byte(line)}
		var got []string
		for {
			b, kind := s.next()
			if kind == fieldEnd {
				break
			}
			got = append(got, fmt.Sprintf("%c%s", "?bq[!"[kind], b))
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("fields of %q:\n got %q\nwant %q", line, got, want)
		}
	}
	f("")
	f("   ")
	f("a  b ", "ba", "bb")
	f(`"x y" [1 2] z`, "qx y", "[1 2", "bz")
	f(`"" []`, "q", "[")
	f(`"a \"b\" c" d`, `qa \"b\" c`, "bd")
	f(`"a\x22b"`, `qa\x22b`)
	f(`"open`, "!open")
	f(`"ends in backslash\`, `!ends in backslash\`)
	f(`[open "x"`, `!open "x"`)
	f(`a"b c`, `ba"b`, "bc")
	f(`"a"b`, "qa", "bb")
}

func TestSplitRequest(t *testing.T) {
	f := func(req, method, target string, ok bool) {
		t.Helper()
		m, p, gotOK := splitRequest([]byte(req))
		if string(m) != method || string(p) != target || gotOK != ok {
			t.Errorf("splitRequest(%q) = %q, %q, %v; want %q, %q, %v", req, m, p, gotOK, method, target, ok)
		}
	}
	f("GET /v1/a?b=c HTTP/1.1", "GET", "/v1/a?b=c", true)
	f("PATCH /x HTTP/2.0", "PATCH", "/x", true)
	f("GET /legacy", "GET", "/legacy", true)
	f("GET  /double HTTP/1.1", "GET", "/double", true)
	f("GET /a b HTTP/1.1", "GET", "/a b", true)
	f("M-SEARCH * HTTP/1.1", "M-SEARCH", "*", true)
	f("OPTIONS * HTTP/1.1", "OPTIONS", "*", true)
	f("CONNECT example.com:443 HTTP/1.1", "CONNECT", "example.com:443", true)
	// Nothing logged: an access record without method and path.
	f("- - -", "", "", true)
	f("-", "", "", true)
	f("", "", "", true)
	// Not a request line: rejected as bad_request_line (issue 9).
	f("hello", "", "", false)
	f("GET", "", "", false)
	f("GET  ", "", "", false)
	f(`\x16\x03\x01 junk`, "", "", false)
	f(" GET / HTTP/1.1", "", "", false)
	f("get / HTTP/1.1", "", "", false)
	f("145.ll|'|'|SGFjS2VkX0ZmNTY0OTIy|'|'|WIN-AAAAAAAAAAA|'|'|Admin|'|'|20-01-01|'|'||'|'|Win 7 Professional SP1 x64|'|'|No|'|'|0.7d|'|'|..|'|'|AA==|'|'|112.inf|'|'|SGFjS2VkDQoxOTIuMTY4LjkyLjIyMjo1NTUyDQpEZXNrdG9wDQpjbGllbnRhLmV4ZQ0KRmFsc2UNCkZhbHNlDQpUcnVlDQpGYWxzZQ==12.act|'|'|AA==", "", "", false)
	f("AVERYVERYLONGMETHODNAME /x HTTP/1.1", "", "", false)
}

func TestHostOnly(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := hostOnly([]byte(in)); string(got) != want {
			t.Errorf("hostOnly(%q) = %q, want %q", in, got, want)
		}
	}
	f("203.0.113.9", "203.0.113.9")
	f("203.0.113.9:443", "203.0.113.9")
	f("[2001:db8::1]:443", "2001:db8::1")
	f("[2001:db8::1]", "2001:db8::1")
	f("2001:db8::1", "2001:db8::1")
	f("::1", "::1")
	f("unix:", "unix:")
	f("host:http", "host:http")
	f("-", "")
	f("", "")
	f(" 10.0.0.1 ", "10.0.0.1")
}

func TestFieldNumbers(t *testing.T) {
	t.Run("uint", func(t *testing.T) {
		f := func(in string, want int64, ok bool) {
			t.Helper()
			if got, gotOK := fieldUint([]byte(in)); got != want || gotOK != ok {
				t.Errorf("fieldUint(%q) = %d, %v; want %d, %v", in, got, gotOK, want, ok)
			}
		}
		f("0", 0, true)
		f("33973115", 33973115, true)
		f("999999999999999999", 999999999999999999, true)
		f("9999999999999999999", 0, false)
		f("", 0, false)
		f("-1", 0, false)
		f("1e3", 0, false)
	})
	t.Run("status", func(t *testing.T) {
		f := func(in string, want uint16, ok bool) {
			t.Helper()
			if got, gotOK := fieldStatus([]byte(in)); got != want || gotOK != ok {
				t.Errorf("fieldStatus(%q) = %d, %v; want %d, %v", in, got, gotOK, want, ok)
			}
		}
		f("429", 429, true)
		f("0", 0, true)
		f("999", 999, true)
		f("1000", 0, false)
		f("20x", 0, false)
		f("-", 0, false)
	})
	t.Run("seconds", func(t *testing.T) {
		f := func(in string, want float64, ok bool) {
			t.Helper()
			if got, gotOK := fieldSecondsMs([]byte(in)); got != want || gotOK != ok {
				t.Errorf("fieldSecondsMs(%q) = %v, %v; want %v, %v", in, got, gotOK, want, ok)
			}
		}
		f("0.202", 202, true)
		f("1.5", 1500, true)
		f("12", 12000, true)
		f("0.000", 0, true)
		f("0.0005", 0.5, true)
		f(".5", 0, false)
		f("1.", 1000, true)
		f("1.2.3", 0, false)
		f("-", 0, false)
		f("abc", 0, false)
		f("0.1234567890", 0, false)
	})
}

func TestFirstListEntry(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := firstListEntry([]byte(in)); string(got) != want {
			t.Errorf("firstListEntry(%q) = %q, want %q", in, got, want)
		}
	}
	f("203.0.113.9", "203.0.113.9")
	f("203.0.113.9, 10.0.0.1", "203.0.113.9")
	f("203.0.113.9,", "203.0.113.9")
	f(" 2001:db8::7 ,10.0.0.1", "2001:db8::7")
	f("-", "")
	f("-, 10.0.0.1", "")
	f("", "")
}
