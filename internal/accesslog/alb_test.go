package accesslog

import (
	"errors"
	"testing"
)

// Lines written for these tests in the field order AWS documents for
// Application Load Balancer and Classic Load Balancer access logs.
const (
	albLine   = `https 2026-11-22T05:13:47.123456Z app/api-lb/0123456789abcdef 203.0.113.9:51234 10.0.0.5:8080 0.001 0.250 0.000 429 429 512 98 "POST https://api.example.com:443/v1/payments?x=1 HTTP/1.1" "partner-sdk/1.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/api/0123456789abcdef "Root=1-6740c3e3-0123456789abcdef01234567" "api.example.com" "arn:aws:acm:us-east-1:111122223333:certificate/abc" 1 2026-11-22T05:13:46.872000Z "forward" "-" "-" "10.0.0.5:8080" "429" "-" "-" TID_0123`
	albFailed = `http 2026-11-22T05:13:48.000000Z app/api-lb/0123456789abcdef 198.51.100.7:40000 - -1 -1 -1 502 - 80 277 "GET http://api.example.com:80/v1/x HTTP/1.1" "curl/8.5.0" - - - "Root=1-6740c3e4-00000000000000000000aaaa;Self=1-xyz" "-" "-" 0 2026-11-22T05:13:47.990000Z "forward" "-" "TargetConnectionError" "-" "-" "-" "-"`
	albIPv6   = `h2 2026-11-22T05:13:49.5Z app/api-lb/0123456789abcdef [2001:db8::1]:443 10.0.0.5:8080 0.000 0.010 0.000 200 200 40 300 "GET https://api.example.com:443/v1/y HTTP/2.0" "-" - - - "Root=1-6740c3e5-00000000000000000000bbbb" "-" "-" 0 2026-11-22T05:13:49.490000Z "forward" "-" "-" "-" "-" "-" "-"`
	albNoReq  = `http 2026-11-22T05:13:50.000000Z app/api-lb/0123456789abcdef 198.51.100.8:40001 - -1 -1 -1 400 - 0 272 "- http://api.example.com:80- -" "-" - - - "-" "-" "-" - 2026-11-22T05:13:50.000000Z "-" "-" "-" "-" "-" "-" "-"`
	elbLine   = `2026-11-22T05:13:51.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -`
)

func TestParseALB(t *testing.T) {
	f := func(line, want string) {
		t.Helper()
		p := NewParser(FormatALB)
		var r Record
		if err := p.Parse([]byte(line), &r); err != nil {
			t.Errorf("Parse(%s): %v", line, err)
			return
		}
		if got := fmtJSONRecord(&r); got != want {
			t.Errorf("Parse(%s)\n got: %s\nwant: %s", line, got, want)
		}
	}
	f(albLine, `time=2026-11-22T05:13:47.123Z/6 status=429 id="1-6740c3e3-0123456789abcdef01234567" method="POST" path="/v1/payments?x=1" ip="203.0.113.9" ua="partner-sdk/1.0" latency=251 bytes=98`)
	f(albFailed, `time=2026-11-22T05:13:48.000Z/6 status=502 id="1-6740c3e4-00000000000000000000aaaa" method="GET" path="/v1/x" ip="198.51.100.7" ua="curl/8.5.0" bytes=277 error_type="TargetConnectionError"`)
	f(albIPv6, `time=2026-11-22T05:13:49.500Z/1 status=200 id="1-6740c3e5-00000000000000000000bbbb" method="GET" path="/v1/y" ip="2001:db8::1" latency=10 bytes=300`)
	f(albNoReq, `time=2026-11-22T05:13:50.000Z/6 status=400 ip="198.51.100.8" bytes=272`)
	f(elbLine, `time=2026-11-22T05:13:51.945Z/6 status=200 method="GET" path="/" ip="192.168.131.39" ua="curl/7.38.0" latency=1.178 bytes=29`)

	for _, c := range []struct{ line, reason string }{
		{`https 2026-11-22T05:13:47Z app/x 1.2.3.4:5 - 0 0 0 200`, "bad_alb_line"},
		{`tcp 2026-11-22T05:13:47Z app/x 1.2.3.4:5 - 0 0 0 200 200 1 2 "GET / HTTP/1.1" "-"`, "bad_alb_line"},
		{`https 1970-01-01T00:00:00Z app/x 1.2.3.4:5 - 0 0 0 200 200 1 2 "GET / HTTP/1.1" "-"`, "bad_time"},
		{`https 2026-11-22T05:13:47Z app/x 1.2.3.4:5 - 0 0 0 abc 200 1 2 "GET / HTTP/1.1" "-"`, "bad_status"},
		{`https 2026-11-22T05:13:47Z app/x 1.2.3.4:5 - 0 0 0 400 - 1 2 "\x16\x03\x01 junk" "-"`, "bad_request_line"},
	} {
		var r Record
		err := NewParser(FormatALB).Parse([]byte(c.line), &r)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Reason != c.reason {
			t.Errorf("Parse(%s) = %v, want reason %s", c.line, err, c.reason)
		}
	}
}

func TestDetectALB(t *testing.T) {
	for _, line := range []string{albLine, albFailed, albIPv6, albNoReq, elbLine} {
		if got := Detect([][]byte{[]byte(line)}); got != FormatALB {
			t.Errorf("Detect(%s) = %v, want alb", line, got)
		}
	}
}

func TestOriginForm(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.example.com:443/v1/a?b=c": "/v1/a?b=c",
		"http://h":                             "",     // the parser makes it "/"
		"http://h?q=1":                         "?q=1", // the parser prefixes the "/"
		"/already":                             "/already",
		"*":                                    "*",
		"h2c://x/y":                            "/y",
	} {
		if got := string(originForm([]byte(in))); got != want {
			t.Errorf("originForm(%q) = %q, want %q", in, got, want)
		}
	}
}
