package accesslog

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseNginx(t *testing.T) {
	p := NewParser(FormatNginx)
	var r Record
	f := func(line string, want textRecord) {
		t.Helper()
		if err := p.Parse([]byte(line), &r); err != nil {
			t.Errorf("Parse(%q): %v", line, err)
			return
		}
		checkTextRecord(t, line, &r, want)
	}
	at := func(sec int, zoneHours int) time.Time {
		return time.Date(2026, 11, 22, 5, 13, sec, 0, time.FixedZone("", zoneHours*3600))
	}
	const ua = "acme-sdk/2.1 (go; linux)"

	t.Run("combined", func(t *testing.T) {
		f(`203.0.113.7 - - [22/Nov/2026:05:13:01 +0000] "POST /v1/bookings?ref=a%20b HTTP/1.1" 429 87 "https://partner.example/app" "`+ua+`"`,
			textRecord{Time: at(1, 0), Status: 429, Method: "POST", Path: "/v1/bookings?ref=a%20b", ClientIP: "203.0.113.7", UserAgent: ua, LatencyMs: -1, BytesSent: 87})
		f(`2001:db8::12 - partner7 [22/Nov/2026:05:13:02 -0500] "DELETE /v1/bookings/981 HTTP/2.0" 204 0 "-" "-"`,
			textRecord{Time: at(2, -5), Status: 204, Method: "DELETE", Path: "/v1/bookings/981", ClientIP: "2001:db8::12", LatencyMs: -1, BytesSent: 0})
	})
	t.Run("clf without referer and agent", func(t *testing.T) {
		f(`198.51.100.20 - alice [22/Nov/2026:05:13:03 +0100] "GET /v1/users/me HTTP/1.0" 200 1432`,
			textRecord{Time: at(3, 1), Status: 200, Method: "GET", Path: "/v1/users/me", ClientIP: "198.51.100.20", LatencyMs: -1, BytesSent: 1432})
		f(`198.51.100.20 - - [22/Nov/2026:05:13:03 +0100] "GET /empty HTTP/1.0" 304 -`,
			textRecord{Time: at(3, 1), Status: 304, Method: "GET", Path: "/empty", ClientIP: "198.51.100.20", LatencyMs: -1, BytesSent: 0})
	})
	t.Run("host prefix", func(t *testing.T) {
		f(`api.example.com 198.51.100.21 - - [22/Nov/2026:05:13:04 +0000] "GET /v1/quotes HTTP/1.1" 200 310 "-" "`+ua+`"`,
			textRecord{Time: at(4, 0), Status: 200, Method: "GET", Path: "/v1/quotes", ClientIP: "198.51.100.21", UserAgent: ua, LatencyMs: -1, BytesSent: 310})
		f(`api.example.com:8443 198.51.100.22 - - [22/Nov/2026:05:13:05 +0000] "GET /v1/quotes HTTP/1.1" 200 310 "-" "`+ua+`"`,
			textRecord{Time: at(5, 0), Status: 200, Method: "GET", Path: "/v1/quotes", ClientIP: "198.51.100.22", UserAgent: ua, LatencyMs: -1, BytesSent: 310})
		// A host that is an IP address is still the host, not the client.
		f(`192.0.2.80 localhost - - [22/Nov/2026:05:13:06 +0000] "GET /health HTTP/1.1" 200 2 "-" "kube-probe/1.30"`,
			textRecord{Time: at(6, 0), Status: 200, Method: "GET", Path: "/health", ClientIP: "localhost", UserAgent: "kube-probe/1.30", LatencyMs: -1, BytesSent: 2})
	})
	t.Run("forwarded-for lists", func(t *testing.T) {
		// The list alone in the address position: its first entry is the client.
		f(`203.0.113.50, 10.1.0.4, 127.0.0.1 - - [22/Nov/2026:05:13:07 +0000] "GET /a HTTP/1.1" 200 1 "-" "x"`,
			textRecord{Time: at(7, 0), Status: 200, Method: "GET", Path: "/a", ClientIP: "203.0.113.50", UserAgent: "x", LatencyMs: -1, BytesSent: 1})
		// Quoted list, then $remote_addr.
		f(`"203.0.113.51, 198.51.100.2" 10.1.0.5 - - [22/Nov/2026:05:13:08 +0000] "GET /b HTTP/1.1" 200 1 "-" "x"`,
			textRecord{Time: at(8, 0), Status: 200, Method: "GET", Path: "/b", ClientIP: "203.0.113.51", UserAgent: "x", LatencyMs: -1, BytesSent: 1})
		// A quoted single address is a forwarded-for value, not a host.
		f(`"203.0.113.52" 10.1.0.5 - - [22/Nov/2026:05:13:08 +0000] "GET /b HTTP/1.1" 200 1 "-" "x"`,
			textRecord{Time: at(8, 0), Status: 200, Method: "GET", Path: "/b", ClientIP: "203.0.113.52", UserAgent: "x", LatencyMs: -1, BytesSent: 1})
		// Unquoted list (IPv6 first), then $remote_addr.
		f(`2001:db8::2, 10.1.0.6 10.1.0.7 - - [22/Nov/2026:05:13:09 +0000] "GET /c HTTP/1.1" 404 9 "-" "x"`,
			textRecord{Time: at(9, 0), Status: 404, Method: "GET", Path: "/c", ClientIP: "2001:db8::2", UserAgent: "x", LatencyMs: -1, BytesSent: 9})
		// Host, quoted list, $remote_addr.
		f(`api.example.com:443 "203.0.113.53, 198.51.100.3" 10.1.0.8 - - [22/Nov/2026:05:13:10 +0000] "GET /d HTTP/1.1" 200 1 "-" "x"`,
			textRecord{Time: at(10, 0), Status: 200, Method: "GET", Path: "/d", ClientIP: "203.0.113.53", UserAgent: "x", LatencyMs: -1, BytesSent: 1})
		// Host (an IP), unquoted list, $remote_addr.
		f(`192.0.2.1 2001:db8::3, 10.1.0.6 10.1.0.9 - - [22/Nov/2026:05:13:11 +0000] "GET /e HTTP/1.1" 200 1 "-" "x"`,
			textRecord{Time: at(11, 0), Status: 200, Method: "GET", Path: "/e", ClientIP: "2001:db8::3", UserAgent: "x", LatencyMs: -1, BytesSent: 1})
		// Host, then a list in the address position.
		f(`api.example.com 203.0.113.54, 10.1.0.4 - - [22/Nov/2026:05:13:12 +0000] "GET /f HTTP/1.1" 200 1 "-" "x"`,
			textRecord{Time: at(12, 0), Status: 200, Method: "GET", Path: "/f", ClientIP: "203.0.113.54", UserAgent: "x", LatencyMs: -1, BytesSent: 1})
		// A list without spaces is one field.
		f(`203.0.113.55,10.1.0.4 10.1.0.10 - - [22/Nov/2026:05:13:13 +0000] "GET /g HTTP/1.1" 200 1 "-" "x"`,
			textRecord{Time: at(13, 0), Status: 200, Method: "GET", Path: "/g", ClientIP: "203.0.113.55", UserAgent: "x", LatencyMs: -1, BytesSent: 1})
		// An empty forwarded-for ("-") falls back to $remote_addr.
		f(`"-" 10.1.0.11 - - [22/Nov/2026:05:13:14 +0000] "GET /h HTTP/1.1" 200 1 "-" "x"`,
			textRecord{Time: at(14, 0), Status: 200, Method: "GET", Path: "/h", ClientIP: "10.1.0.11", UserAgent: "x", LatencyMs: -1, BytesSent: 1})
		f(`api.example.com internal-lb, internal-lb - - [22/Nov/2026:05:13:15 +0000] "GET /i HTTP/1.1" 200 1 "-" "x"`,
			textRecord{Time: at(15, 0), Status: 200, Method: "GET", Path: "/i", ClientIP: "internal-lb", UserAgent: "x", LatencyMs: -1, BytesSent: 1})
	})
	t.Run("empty requests are kept", func(t *testing.T) {
		// A connection closed before it sent a request: a real 400.
		// Garbage request lines are rejected (nginx_reject.txt).
		f(`198.51.100.23 - - [22/Nov/2026:05:13:17 +0000] "" 400 0 "-" "-"`,
			textRecord{Time: at(17, 0), Status: 400, ClientIP: "198.51.100.23", LatencyMs: -1, BytesSent: 0})
		f(`198.51.100.26 - - [22/Nov/2026:05:13:17 +0000] "-" 408 0 "-" "-"`,
			textRecord{Time: at(17, 0), Status: 408, ClientIP: "198.51.100.26", LatencyMs: -1, BytesSent: 0})
		f(`198.51.100.25 - - [22/Nov/2026:05:13:19 +0000] "GET /legacy" 200 5 "-" "-"`,
			textRecord{Time: at(19, 0), Status: 200, Method: "GET", Path: "/legacy", ClientIP: "198.51.100.25", LatencyMs: -1, BytesSent: 5})
	})
	t.Run("trailing fields and junk", func(t *testing.T) {
		// nginx's "main" format: the trailing "$http_x_forwarded_for" names
		// the client, $remote_addr is the proxy (issue 9).
		f(`198.51.100.26 - - [22/Nov/2026:05:13:20 +0000] "GET /j HTTP/1.1" 502 166 "-" "`+ua+`" "203.0.113.60"`,
			textRecord{Time: at(20, 0), Status: 502, Method: "GET", Path: "/j", ClientIP: "203.0.113.60", UserAgent: ua, LatencyMs: -1, BytesSent: 166})
		f(`198.51.100.26 - - [22/Nov/2026:05:13:20 +0000] "GET /j HTTP/1.1" 502 166 "-" "`+ua+`" "2001:db8::7, 10.0.0.1"`,
			textRecord{Time: at(20, 0), Status: 502, Method: "GET", Path: "/j", ClientIP: "2001:db8::7", UserAgent: ua, LatencyMs: -1, BytesSent: 166})
		// A forwarded-for list before the address wins; trailing junk is no client.
		f(`"203.0.113.61" 10.0.0.2 - - [22/Nov/2026:05:13:20 +0000] "GET /j HTTP/1.1" 502 166 "-" "`+ua+`" "203.0.113.62"`,
			textRecord{Time: at(20, 0), Status: 502, Method: "GET", Path: "/j", ClientIP: "203.0.113.61", UserAgent: ua, LatencyMs: -1, BytesSent: 166})
		f(`198.51.100.26 - - [22/Nov/2026:05:13:20 +0000] "GET /j HTTP/1.1" 502 166 "-" "`+ua+`" "10.0.0.5:8080"`, // $upstream_addr
			textRecord{Time: at(20, 0), Status: 502, Method: "GET", Path: "/j", ClientIP: "198.51.100.26", UserAgent: ua, LatencyMs: -1, BytesSent: 166})
		f(`198.51.100.26 - - [22/Nov/2026:05:13:20 +0000] "GET /j HTTP/1.1" 502 166 "-" "`+ua+`" "not an address"`,
			textRecord{Time: at(20, 0), Status: 502, Method: "GET", Path: "/j", ClientIP: "198.51.100.26", UserAgent: ua, LatencyMs: -1, BytesSent: 166})
		f(`198.51.100.27 - - [22/Nov/2026:05:13:21 +0000] "GET /k HTTP/1.1" 503 166 "-" "`+ua+`" "-" left over words 42`,
			textRecord{Time: at(21, 0), Status: 503, Method: "GET", Path: "/k", ClientIP: "198.51.100.27", UserAgent: ua, LatencyMs: -1, BytesSent: 166})
		f(`198.51.100.28 - - [22/Nov/2026:05:13:22 +0000] "GET /l HTTP/1.1" 200 3 not quoted "-" "ua"`,
			textRecord{Time: at(22, 0), Status: 200, Method: "GET", Path: "/l", ClientIP: "198.51.100.28", LatencyMs: -1, BytesSent: 3})
		f("198.51.100.29 - - [22/Nov/2026:05:13:23 +0000] \"GET /m HTTP/1.1\" 200 3 \"-\" \"ua\"\r",
			textRecord{Time: at(23, 0), Status: 200, Method: "GET", Path: "/m", ClientIP: "198.51.100.29", UserAgent: "ua", LatencyMs: -1, BytesSent: 3})
	})
	t.Run("request time", func(t *testing.T) {
		f(`198.51.100.30 - - [22/Nov/2026:05:13:24 +0000] "GET /n HTTP/1.1" 206 4096 0.047 "-" "`+ua+`"`,
			textRecord{Time: at(24, 0), Status: 206, Method: "GET", Path: "/n", ClientIP: "198.51.100.30", UserAgent: ua, LatencyMs: 47, BytesSent: 4096})
		f(`198.51.100.31 - - [22/Nov/2026:05:13:25 +0000] "POST /o HTTP/1.1" 504 0 60.000`,
			textRecord{Time: at(25, 0), Status: 504, Method: "POST", Path: "/o", ClientIP: "198.51.100.31", LatencyMs: 60000, BytesSent: 0})
	})
	t.Run("escaped quotes in fields", func(t *testing.T) {
		f(`198.51.100.32 - - [22/Nov/2026:05:13:26 +0000] "GET /p?q=\x22x\x22 HTTP/1.1" 200 1 "-" "agent \"quoted\" v1"`,
			textRecord{Time: at(26, 0), Status: 200, Method: "GET", Path: `/p?q=\x22x\x22`, ClientIP: "198.51.100.32", UserAgent: `agent \"quoted\" v1`, LatencyMs: -1, BytesSent: 1})
	})
	t.Run("collector prefixes", func(t *testing.T) {
		f(`nginx-1  | 2026-11-22T05:13:27.118432907Z 198.51.100.33 - - [22/Nov/2026:05:13:27 +0000] "GET /q HTTP/1.1" 200 1 "-" "x"`,
			textRecord{Time: at(27, 0), Status: 200, Method: "GET", Path: "/q", ClientIP: "198.51.100.33", UserAgent: "x", LatencyMs: -1, BytesSent: 1})
		f(`web | 198.51.100.34 - - [22/Nov/2026:05:13:28 +0000] "GET /r HTTP/1.1" 200 1 "-" "x"`,
			textRecord{Time: at(28, 0), Status: 200, Method: "GET", Path: "/r", ClientIP: "198.51.100.34", UserAgent: "x", LatencyMs: -1, BytesSent: 1})
	})
}

func TestParseNginxNoRecordLeak(t *testing.T) {
	// A Parser and a Record are reused: nothing from one line may survive
	// into the next.
	p := NewParser(FormatNginx)
	var r Record
	full := `"203.0.113.51, 198.51.100.2" 10.1.0.5 - - [22/Nov/2026:05:13:08 +0000] "GET /b HTTP/1.1" 200 1 0.5 "-" "agent"`
	bare := `unix: - - [22/Nov/2026:05:13:08 +0000] "" 400 0`
	if err := p.Parse([]byte(full), &r); err != nil {
		t.Fatal(err)
	}
	if err := p.Parse([]byte(bare), &r); err != nil {
		t.Fatal(err)
	}
	checkTextRecord(t, bare, &r, textRecord{Time: time.Date(2026, 11, 22, 5, 13, 8, 0, time.UTC),
		Status: 400, ClientIP: "unix:", LatencyMs: -1, BytesSent: 0})
}

// TestParseNginxRejects reads testdata/nginx_reject.txt: each line is the
// expected reason, a tab, and a line that is not nginx combined.
func TestParseNginxRejects(t *testing.T) {
	checkRejects(t, FormatNginx, filepath.Join("testdata", "nginx_reject.txt"))
}

// checkRejects reads a reject file — each line the expected reason, a tab,
// and a line the parser for format must reject with that reason — and
// checks every case.
func checkRejects(t *testing.T, format Format, path string) {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	p := NewParser(format)
	var r Record
	sc := bufio.NewScanner(file)
	n := 0
	for sc.Scan() {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		reason, line, ok := strings.Cut(text, "\t")
		if !ok {
			t.Fatalf("%s: no tab in %q", path, text)
		}
		n++
		err := p.Parse([]byte(line), &r)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want a *ParseError %s", line, err, reason)
			continue
		}
		if pe.Reason != reason {
			t.Errorf("Parse(%q): reason %q (%v), want %q", line, pe.Reason, pe, reason)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("%s holds no cases", path)
	}
}
