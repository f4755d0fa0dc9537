package accesslog

import "testing"

// TestParseEnvoyJSON: Envoy's JSON access logs (its default keys, Istio's,
// Envoy Gateway's header-named keys) read through the JSON vocabulary with
// the right units and the client address (issue 9).
func TestParseEnvoyJSON(t *testing.T) {
	f := func(name, line, want string) {
		t.Helper()
		t.Run(name, func(t *testing.T) { checkJSON(t, FormatJSONL, line, want) })
	}
	f("envoy default keys: duration in ms, client from x_forwarded_for",
		`{"start_time":"2026-11-22T05:13:47.421Z","method":"POST","path":"/v1/payments","protocol":"HTTP/1.1","response_code":429,"response_flags":"RL","bytes_received":0,"bytes_sent":18,"duration":420,"upstream_service_time":"-","x_forwarded_for":"203.0.113.9, 10.0.0.1","user_agent":"curl/8.5.0","request_id":"r-1","authority":"api","upstream_host":"-"}`,
		`time=2026-11-22T05:13:47.421Z/3 status=429 id="r-1" method="POST" path="/v1/payments" ip="203.0.113.9" ua="curl/8.5.0" latency=420 bytes=18 flags="RL"`)
	f("istio: values as strings, no forwarded-for: the downstream address without port",
		`{"bytes_sent":"135","upstream_cluster":"outbound|8000||httpbin.default.svc.cluster.local","downstream_remote_address":"10.0.1.38:35842","authority":"httpbin:8000","path":"/status/418","protocol":"HTTP/1.1","upstream_service_time":"1","duration":"2","x_forwarded_for":"-","user_agent":"curl/7.69.1","response_code":"418","response_flags":"-","start_time":"2020-12-08T03:24:22.162Z","method":"GET","request_id":"r-2"}`,
		`time=2020-12-08T03:24:22.162Z/3 status=418 id="r-2" method="GET" path="/status/418" ip="10.0.1.38" ua="curl/7.69.1" latency=2 bytes=135`)
	f("istio ipv6 downstream",
		`{"downstream_remote_address":"[2001:db8::9]:40937","duration":7,"method":"GET","path":"/x","response_code":200,"start_time":"2026-11-22T05:13:47Z"}`,
		`time=2026-11-22T05:13:47.000Z/0 status=200 method="GET" path="/x" ip="2001:db8::9" latency=7`)
	f("envoy gateway header-named keys",
		`{":authority":"reviews:9080","bytes_received":0,"bytes_sent":18,"downstream_remote_address":"10.244.0.44:40937","duration":3,"method":"GET","response_code":429,"response_code_details":"local_rate_limited","response_flags":"RL","start_time":"2025-05-01T08:34:27.573Z","user-agent":"curl/8.7.1","x-envoy-origin-path":"/reviews/1","x-forwarded-for":"192.168.65.4","x-request-id":"r-3"}`,
		`time=2025-05-01T08:34:27.573Z/3 status=429 id="r-3" method="GET" path="/reviews/1" ip="192.168.65.4" ua="curl/8.7.1" latency=3 bytes=18 flags="RL"`)
	f("caddy: duration stays seconds",
		`{"ts":1763788427.5,"request":{"remote_ip":"203.0.113.9","method":"GET","uri":"/x"},"duration":0.5,"status":200}`,
		`time=2025-11-22T05:13:47.500Z/1 status=200 method="GET" path="/x" latency=500`)
	f("nginx json: forwarded-for beats remote_addr",
		`{"time_iso8601":"2026-11-22T05:13:47+00:00","remote_addr":"10.0.0.2","http_x_forwarded_for":"198.51.100.4, 10.0.0.1","request":"GET /y HTTP/1.1","status":"200"}`,
		`time=2026-11-22T05:13:47.000Z/0 status=200 method="GET" path="/y" ip="198.51.100.4"`)
	f("nginx json: a forwarded-for that is no address leaves remote_addr",
		`{"time_iso8601":"2026-11-22T05:13:47+00:00","remote_addr":"10.0.0.3","http_x_forwarded_for":"unknown, 10.0.0.1","request":"GET /y HTTP/1.1","status":"200"}`,
		`time=2026-11-22T05:13:47.000Z/0 status=200 method="GET" path="/y" ip="10.0.0.3"`)
	f("nginx json: forwarded-for '-' leaves remote_addr",
		`{"time_iso8601":"2026-11-22T05:13:47+00:00","remote_addr":"10.0.0.2:5555","http_x_forwarded_for":"-","request":"GET /y HTTP/1.1","status":"200"}`,
		`time=2026-11-22T05:13:47.000Z/0 status=200 method="GET" path="/y" ip="10.0.0.2"`)
}
