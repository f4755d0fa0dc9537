package accesslog

import (
	"strings"
	"testing"
)

func TestStripLogPrefix(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := stripLogPrefix([]byte(in)); string(got) != want {
			t.Errorf("stripLogPrefix(%q)\n = %q\nwant %q", in, got, want)
		}
	}
	const (
		envoy = `[2026-11-22T05:13:01.250Z] "GET /v1/a HTTP/1.1" 200 - 0 2 1 1 "-" "-" "-" "-" "-"`
		json  = `{"level":"info","ts":1795324427.5,"msg":"handled request"}`
		nginx = `203.0.113.7 - - [22/Nov/2026:05:13:47 +0000] "GET / HTTP/1.1" 200 1 "-" "-"`
	)
	t.Run("compose", func(t *testing.T) {
		f("gateway-1        | 2026-11-22T05:13:01.918273645Z "+envoy, envoy)
		f("gateway-1 | "+envoy, envoy)
		f("caddy  | "+json, json)
		f("api_gateway_1  | 2026-11-22T05:13:01Z "+json, json)
		f("web.1 | "+nginx, nginx)
		// After a compose prefix the timestamp is docker's, whatever follows.
		f("nginx-1  | 2026-11-22T05:13:01.918273645Z "+nginx, nginx)
		f("app-1  | 2026-11-22T05:13:01Z", "2026-11-22T05:13:01Z")
		f("app-1  | ", "")
		f("app-1  |", "app-1  |")
	})
	t.Run("timestamp only", func(t *testing.T) {
		f("2026-11-22T05:13:01.918273645Z "+envoy, envoy)
		f("2026-11-22T05:13:01+01:00 "+json, json)
		// Without a compose prefix, only before '[' or '{'.
		f("2026-11-22T05:13:01Z "+nginx, "2026-11-22T05:13:01Z "+nginx)
		f("2026-11-22T05:13:01Z", "2026-11-22T05:13:01Z")
		f("2026-11-22T05:13:01Z ", "2026-11-22T05:13:01Z ")
		f("2026-11-22 05:13:01Z "+json, "2026-11-22 05:13:01Z "+json)
		f("2026-11-22T05:13:01 "+json, "2026-11-22T05:13:01 "+json)
		f("2026-11-22T05:13:01.Z "+json, "2026-11-22T05:13:01.Z "+json)
	})
	t.Run("byte order mark", func(t *testing.T) {
		f("\xef\xbb\xbf"+nginx, nginx)
		f("\xef\xbb\xbfcaddy | "+json, json)
	})
	t.Run("genuine lines are kept", func(t *testing.T) {
		for _, line := range []string{
			envoy, json, nginx, "",
			`api.example.com 198.51.100.21 - - [22/Nov/2026:05:13:04 +0000] "GET /|x HTTP/1.1" 200 1 "-" "-"`,
			`2001:db8::2, 10.1.0.6 10.1.0.7 - - [22/Nov/2026:05:13:09 +0000] "GET /c HTTP/1.1" 404 9 "-" "x"`,
			`"203.0.113.51, 198.51.100.2" 10.1.0.5 - - [22/Nov/2026:05:13:08 +0000] "GET /b HTTP/1.1" 200 1 "-" "x"`,
			`unix: - - [22/Nov/2026:05:13:08 +0000] "" 400 0`,
			`- | - - [22/Nov/2026:05:13:08 +0000] "" 400 0`,
			`{"msg":"a | b"}`,
			"name|nospace",
			"a\t| tab",
		} {
			f(line, line)
		}
	})
	t.Run("bounded scan", func(t *testing.T) {
		long := strings.Repeat("x", prefixScan) + " | " + json
		f(long, long)
		f(strings.Repeat("x", 40)+strings.Repeat(" ", 80)+"| "+json, strings.Repeat("x", 40)+strings.Repeat(" ", 80)+"| "+json)
	})
}

func TestStripLogPrefixDoesNotAllocate(t *testing.T) {
	line := []byte("gateway-1        | 2026-11-22T05:13:01.918273645Z [2026-11-22T05:13:01.250Z] \"GET / HTTP/1.1\"")
	if n := testing.AllocsPerRun(100, func() { stripLogPrefix(line) }); n != 0 {
		t.Errorf("stripLogPrefix allocates %.0f times, want 0", n)
	}
}

func TestRFC3339Len(t *testing.T) {
	f := func(in string, want int) {
		t.Helper()
		if got := rfc3339Len([]byte(in)); got != want {
			t.Errorf("rfc3339Len(%q) = %d, want %d", in, got, want)
		}
	}
	f("2026-11-22T05:13:01Z rest", 20)
	f("2026-11-22T05:13:01.918273645Z", 30)
	f("2026-11-22T05:13:01.5-07:00 x", 27)
	f("2026-11-22T05:13:01+0100", 0)
	f("2026-11-22T05:13:01", 0)
	f("2026-11-22t05:13:01Z", 0)
	f("2026-11-22T05:13:01.Z", 0)
	f("2026-11-22T05:13:01.1234567890123Z", 0) // more than 12 fraction digits
	f("", 0)
}
