package accesslog

import (
	"path/filepath"
	"testing"
	"time"
)

func TestParseEnvoy(t *testing.T) {
	p := NewParser(FormatEnvoy)
	var r Record
	f := func(line string, want textRecord) {
		t.Helper()
		if err := p.Parse([]byte(line), &r); err != nil {
			t.Errorf("Parse(%q): %v", line, err)
			return
		}
		checkTextRecord(t, line, &r, want)
	}
	at := func(sec, ms int) time.Time { return time.Date(2026, 11, 22, 5, 13, sec, ms*1e6, time.UTC) }
	const (
		id1 = "5b0e6f1c-9a55-4d0b-8a43-2c1f0f6d1a77"
		id2 = "e1f00d2a-7c1b-4f6e-9d3a-0b8c5e4f2a10"
	)

	t.Run("default format", func(t *testing.T) {
		f(`[2026-11-22T05:13:01.250Z] "POST /v1/payments?idem=1 HTTP/2" 429 RL 312 98 3 - "203.0.113.9, 10.0.0.1" "partner-bot/1.4 (+https://partner.example)" "`+id1+`" "api.example.com" "-"`,
			textRecord{Time: at(1, 250), Prec: 3, Status: 429, Method: "POST", Path: "/v1/payments?idem=1", ClientIP: "203.0.113.9",
				UserAgent: "partner-bot/1.4 (+https://partner.example)", RequestID: id1, Flags: "RL", LatencyMs: 3, BytesSent: 98})
		f(`[2026-11-22T05:13:02.007Z] "GET /v1/accounts/42 HTTP/1.1" 200 - 0 1532 41 40 "198.51.100.7" "curl/8.5.0" "`+id2+`" "api.example.com" "10.4.0.12:8080"`,
			textRecord{Time: at(2, 7), Prec: 3, Status: 200, Method: "GET", Path: "/v1/accounts/42", ClientIP: "198.51.100.7",
				UserAgent: "curl/8.5.0", RequestID: id2, LatencyMs: 41, BytesSent: 1532})
		// No X-Forwarded-For: ClientIP stays empty.
		f(`[2026-11-22T05:13:03.000Z] "GET /v1/status HTTP/1.1" 503 UH 0 19 0 - "-" "-" "-" "api.example.com" "-"`,
			textRecord{Time: at(3, 0), Prec: 3, Status: 503, Method: "GET", Path: "/v1/status", Flags: "UH", LatencyMs: 0, BytesSent: 19})
	})
	t.Run("tcp proxy line", func(t *testing.T) {
		f(`[2026-11-22T05:13:04.321Z] "- - -" 0 UF,URX 0 0 12 - "-" "-" "-" "-" "10.2.0.9:5432"`,
			textRecord{Time: at(4, 321), Prec: 3, Status: 0, Flags: "UF,URX", LatencyMs: 12, BytesSent: 0})
	})
	t.Run("response code details", func(t *testing.T) {
		f(`[2026-11-22T05:13:05.100Z] "GET /v1/orders/77 HTTP/1.1" 503 UF upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111} 0 91 1 - "-" "curl/8.5.0" "`+id1+`" "localhost:8080" "10.3.0.2:80"`,
			textRecord{Time: at(5, 100), Prec: 3, Status: 503, Method: "GET", Path: "/v1/orders/77", UserAgent: "curl/8.5.0", RequestID: id1, Flags: "UF", LatencyMs: 1, BytesSent: 91})
		f(`[2026-11-22T05:13:06.200Z] "GET /v1/orders HTTP/1.1" 200 - via_upstream 0 682 5002 5001 "-" "curl/8.5.0" "`+id2+`" "localhost:8080" "10.3.0.2:80"`,
			textRecord{Time: at(6, 200), Prec: 3, Status: 200, Method: "GET", Path: "/v1/orders", UserAgent: "curl/8.5.0", RequestID: id2, LatencyMs: 5002, BytesSent: 682})
	})
	t.Run("istio", func(t *testing.T) {
		// Istio 1.8+: details, termination details, quoted failure reason, then cluster and addresses.
		f(`[2026-11-22T05:13:07.300Z] "PUT /v1/carts/9 HTTP/1.1" 503 UO upstream_reset_before_response_started{overflow} - "-" 0 81 0 - "203.0.113.70" "Go-http-client/1.1" "`+id1+`" "carts:8000" "10.44.1.27:80" outbound|8000||carts.shop.svc.cluster.local 10.44.1.23:37652 10.0.45.184:8000 10.44.1.23:46520 - default`,
			textRecord{Time: at(7, 300), Prec: 3, Status: 503, Method: "PUT", Path: "/v1/carts/9", ClientIP: "203.0.113.70", UserAgent: "Go-http-client/1.1", RequestID: id1, Flags: "UO", LatencyMs: 0, BytesSent: 81})
		// Istio 1.1-era: a quoted "-" after the flags. No X-Forwarded-For:
		// the client is %DOWNSTREAM_REMOTE_ADDRESS%, without its port (issue 9).
		f(`[2026-11-22T05:13:08.400Z] "GET /v1/teapot HTTP/1.1" 418 - "-" 0 135 11 10 "-" "curl/8.5.0" "`+id2+`" "teapot:8000" "172.30.146.73:80" outbound|8000||teapot.default.svc.cluster.local - 172.21.13.94:8000 172.30.146.82:60290 -`,
			textRecord{Time: at(8, 400), Prec: 3, Status: 418, Method: "GET", Path: "/v1/teapot", ClientIP: "172.30.146.82", UserAgent: "curl/8.5.0", RequestID: id2, LatencyMs: 11, BytesSent: 135})
		f(`[2026-11-22T05:13:08.400Z] "GET /v1/teapot HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 "-" "curl/8.5.0" "`+id2+`" "teapot:8000" "10.44.1.27:80" outbound|8000||teapot.foo.svc.cluster.local 10.44.1.23:37652 10.0.45.184:8000 [2001:db8::23]:46520 - default`,
			textRecord{Time: at(8, 400), Prec: 3, Status: 418, Method: "GET", Path: "/v1/teapot", ClientIP: "2001:db8::23", UserAgent: "curl/8.5.0", RequestID: id2, LatencyMs: 4, BytesSent: 135})
		// A failure reason with spaces is one quoted field.
		f(`[2026-11-22T05:13:09.500Z] "GET /v1/x HTTP/1.1" 503 UF upstream_reset_before_response_started{connection_failure} - "TLS error: 268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED" 0 91 3 - "-" "curl/8.5.0" "`+id1+`" "x:443" "10.0.0.3:443" outbound|443||x.svc.cluster.local`,
			textRecord{Time: at(9, 500), Prec: 3, Status: 503, Method: "GET", Path: "/v1/x", UserAgent: "curl/8.5.0", RequestID: id1, Flags: "UF", LatencyMs: 3, BytesSent: 91})
	})
	t.Run("absent duration", func(t *testing.T) {
		f(`[2026-11-22T05:13:10.000Z] "GET /v1/y HTTP/1.1" 0 DC 0 0 - - "-" "-" "-" "-" "-"`,
			textRecord{Time: at(10, 0), Prec: 3, Status: 0, Method: "GET", Path: "/v1/y", Flags: "DC", LatencyMs: -1, BytesSent: 0})
	})
	t.Run("collector prefixes", func(t *testing.T) {
		f(`gateway-1        | 2026-11-22T05:13:11.918273645Z [2026-11-22T05:13:11.900Z] "GET /v1/z HTTP/1.1" 504 UT response_timeout 0 24 15001 - "-" "curl/8.5.0" "`+id2+`" "localhost:8000" "10.9.0.2:8080"`,
			textRecord{Time: at(11, 900), Prec: 3, Status: 504, Method: "GET", Path: "/v1/z", UserAgent: "curl/8.5.0", RequestID: id2, Flags: "UT", LatencyMs: 15001, BytesSent: 24})
		f(`2026-11-22T05:13:12.5+01:00 [2026-11-22T05:13:12.001Z] "GET /v1/w HTTP/1.1" 200 - 0 2 1 1 "-" "-" "-" "-" "-"`,
			textRecord{Time: at(12, 1), Prec: 3, Status: 200, Method: "GET", Path: "/v1/w", LatencyMs: 1, BytesSent: 2})
	})
	t.Run("start time with offset and seconds", func(t *testing.T) {
		f(`[2026-11-22T06:13:13+01:00] "GET /v1/v HTTP/1.1" 200 - 0 2 1 1 "-" "-" "-" "-" "-"`,
			textRecord{Time: at(13, 0), Status: 200, Method: "GET", Path: "/v1/v", LatencyMs: 1, BytesSent: 2})
	})
}

// TestParseEnvoyRejects reads testdata/envoy_reject.txt: each line is the
// expected reason, a tab, and a line that is not in Envoy's format.
func TestParseEnvoyRejects(t *testing.T) {
	checkRejects(t, FormatEnvoy, filepath.Join("testdata", "envoy_reject.txt"))
}
