package accesslog

import (
	"bytes"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// fmtJSONRecord renders every field of r that is not absent, in a fixed
// order, so that one string comparison checks both the fields a line sets
// and those it must leave alone. A non-nil empty slice renders as `x=""`:
// parsers must leave absent fields nil.
func fmtJSONRecord(r *Record) string {
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	addBytes := func(k string, v []byte) {
		if v != nil {
			add(k, strconv.Quote(string(v)))
		}
	}
	addInt := func(k string, v, absent int64) {
		if v != absent {
			add(k, strconv.FormatInt(v, 10))
		}
	}
	if r.TimeMs != 0 || r.TimePrec != -1 {
		add("time", time.UnixMilli(r.TimeMs).UTC().Format("2006-01-02T15:04:05.000Z")+"/"+strconv.Itoa(int(r.TimePrec)))
	}
	addInt("status", int64(r.Status), 0)
	addBytes("id", r.RequestID)
	addBytes("method", r.Method)
	addBytes("path", r.Path)
	addBytes("route", r.Route)
	addBytes("partner", r.Partner)
	addBytes("ip", r.ClientIP)
	addBytes("ua", r.UserAgent)
	if r.LatencyMs != -1 {
		add("latency", strconv.FormatFloat(r.LatencyMs, 'g', -1, 64))
	}
	addInt("bytes", r.BytesSent, -1)
	addInt("retry_after", int64(r.RetryAfter), -1)
	addInt("rl_limit", r.RateLimitLimit, -1)
	addInt("rl_remaining", r.RateLimitRemaining, -1)
	addInt("rl_reset", r.RateLimitReset, -1)
	addBytes("idem", r.IdempotencyKey)
	addBytes("error_type", r.ErrorType)
	addBytes("flags", r.ResponseFlags)
	addBytes("body", r.Body)
	addBytes("secret", r.Secret)
	return b.String()
}

// checkJSON parses line as format and compares the rendered record.
func checkJSON(t *testing.T, format Format, line, want string) {
	t.Helper()
	p := NewParser(format)
	b := []byte(line)
	var r Record
	if err := p.Parse(b, &r); err != nil {
		t.Fatalf("Parse(%s): %v", line, err)
	}
	if got := fmtJSONRecord(&r); got != want {
		t.Errorf("Parse(%s)\n got: %s\nwant: %s", line, got, want)
	}
	checkJSONAliasing(t, p, b, &r)
}

// recordSlices lists the byte-slice fields of r by name.
func recordSlices(r *Record) map[string][]byte {
	return map[string][]byte{
		"RequestID": r.RequestID, "Method": r.Method, "Path": r.Path, "Route": r.Route,
		"Partner": r.Partner, "ClientIP": r.ClientIP, "UserAgent": r.UserAgent,
		"IdempotencyKey": r.IdempotencyKey, "ErrorType": r.ErrorType,
		"ResponseFlags": r.ResponseFlags, "Body": r.Body, "Secret": r.Secret,
	}
}

// inRange reports whether sub lies inside full.
func inRange(sub, full []byte) bool {
	if len(sub) == 0 || len(full) == 0 {
		return false
	}
	s := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	f := uintptr(unsafe.Pointer(unsafe.SliceData(full)))
	return s >= f && s+uintptr(len(sub)) <= f+uintptr(len(full))
}

// checkJSONAliasing asserts that every non-empty slice of r lies in the
// line, the parser's scratch buffer or its redaction buffer.
func checkJSONAliasing(t testing.TB, p *Parser, line []byte, r *Record) {
	t.Helper()
	for name, b := range recordSlices(r) {
		if len(b) == 0 {
			continue
		}
		if !inRange(b, line) && !inRange(b, p.scratch[:cap(p.scratch)]) && !inRange(b, p.js.redacted[:cap(p.js.redacted)]) {
			t.Errorf("%s = %q lies outside the line and the parser's buffers", name, b)
		}
	}
}

func TestParseJSONVocabulary(t *testing.T) {
	f := func(line, want string) {
		t.Helper()
		t.Run(line, func(t *testing.T) {
			t.Helper()
			checkJSON(t, FormatJSONL, line, want)
		})
	}
	const t0 = "2026-11-22T05:13:47.000Z/0"

	// time: every key, every form.
	f(`{"time":"2026-11-22T05:13:47Z"}`, "time="+t0)
	f(`{"timestamp":"2026-11-22T05:13:47.250+00:00"}`, "time=2026-11-22T05:13:47.250Z/3")
	f(`{"@timestamp":"2026-11-22T06:13:47+01:00"}`, "time="+t0)
	f(`{"time_iso8601":"2026-11-22T05:13:47+00:00"}`, "time="+t0)
	f(`{"time_local":"22/Nov/2026:05:13:47 +0000"}`, "time="+t0)
	f(`{"requestTime":"22/Nov/2026:05:13:47 +0000"}`, "time="+t0)
	f(`{"requestTimeEpoch":1795324427123}`, "time=2026-11-22T05:13:47.123Z/3")
	f(`{"requestTimeEpoch":"1795324427123"}`, "time=2026-11-22T05:13:47.123Z/3")
	f(`{"start_time":"2026-11-22T05:13:47.123456Z"}`, "time=2026-11-22T05:13:47.123Z/6")
	f(`{"msec":"1795324427.123"}`, "time=2026-11-22T05:13:47.123Z/3")
	f(`{"msec":1795324427.5}`, "time=2026-11-22T05:13:47.500Z/1")
	f(`{"time":1795324427}`, "time="+t0)
	f(`{"time":1.795324427123e9}`, "time=2026-11-22T05:13:47.123Z/3")

	// request id
	f(`{"request_id":"r-1"}`, `id="r-1"`)
	f(`{"requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef"}`, `id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef"`)
	f(`{"x_request_id":"x-2"}`, `id="x-2"`)
	f(`{"req_id":12345}`, `id="12345"`)

	// method, path, route
	f(`{"method":"GET"}`, `method="GET"`)
	f(`{"httpMethod":"POST"}`, `method="POST"`)
	f(`{"request_method":"PATCH"}`, `method="PATCH"`)
	f(`{"path":"/v1/a"}`, `path="/v1/a"`)
	f(`{"uri":"/v1/a"}`, `path="/v1/a"`)
	f(`{"request_uri":"/v1/a?b=1"}`, `path="/v1/a?b=1"`)
	f(`{"uri":"/v1/a","request_uri":"/v1/a?b=1"}`, `path="/v1/a?b=1"`) // $request_uri keeps the query
	f(`{"route":"/v1/bookings/{id}"}`, `route="/v1/bookings/{id}"`)
	f(`{"resourcePath":"/pets/{petId}"}`, `route="/pets/{petId}"`)
	f(`{"routeKey":"GET /pets/{id}"}`, `method="GET" route="/pets/{id}"`)

	// status: strings and numbers
	f(`{"status":"400"}`, "status=400")
	f(`{"status":429}`, "status=429")
	f(`{"status_code":503}`, "status=503")
	f(`{"response_code":"0"}`, "") // a valid 0 is Record's "absent"
	f(`{"response_code":"201","path":"/x"}`, `status=201 path="/x"`)

	// partner
	f(`{"partner":"acme"}`, `partner="acme"`)
	f(`{"api_key_id":"k-acme01"}`, `partner="k-acme01"`)
	f(`{"apiKeyId":"k-acme02"}`, `partner="k-acme02"`)
	f(`{"client_id":"cli-9"}`, `partner="cli-9"`)
	f(`{"consumer":"acme-mobile"}`, `partner="acme-mobile"`)
	f(`{"consumer":{"id":"4f0d-id","username":"acme","created_at":1564527408}}`, `partner="acme"`)
	f(`{"consumer":{"id":"4f0d-id","created_at":1564527408}}`, `partner="4f0d-id"`)

	// client IP
	f(`{"ip":"198.51.100.7"}`, `ip="198.51.100.7"`)
	f(`{"client_ip":"2001:db8::1"}`, `ip="2001:db8::1"`)
	f(`{"remote_addr":"203.0.113.9"}`, `ip="203.0.113.9"`)
	f(`{"sourceIp":"192.0.2.1"}`, `ip="192.0.2.1"`)

	// latency
	f(`{"latency_ms":12.5}`, "latency=12.5")
	f(`{"responseLatency":"3"}`, "latency=3")
	f(`{"request_time":"0.037"}`, "latency=37")
	f(`{"request_time":0.2}`, "latency=200")
	f(`{"request_time":"-0.1","path":"/x"}`, `path="/x"`) // unreadable latency: absent

	// idempotency key
	f(`{"idempotency_key":"order-12345"}`, `idem="order-12345"`)
	f(`{"http_idempotency_key":"7c1e"}`, `idem="7c1e"`)

	// Retry-After: seconds, rounded up; an HTTP-date relative to the record's time.
	f(`{"retry_after":"30"}`, "retry_after=30")
	f(`{"sent_http_retry_after":42}`, "retry_after=42")
	f(`{"retry_after":1.5}`, "retry_after=2")
	f(`{"time":"2026-11-22T05:13:47Z","sent_http_retry_after":"Sun, 22 Nov 2026 05:14:17 GMT"}`, "time="+t0+" retry_after=30")
	f(`{"sent_http_retry_after":"Sun, 22 Nov 2026 05:14:17 GMT","time":"2026-11-22T05:13:47.500Z"}`, "time=2026-11-22T05:13:47.500Z/3 retry_after=30")
	f(`{"time":"2026-11-22T05:13:47Z","retry_after":"Sun, 22 Nov 2026 05:13:00 GMT"}`, "time="+t0+" retry_after=0")
	f(`{"retry_after":"Sun, 22 Nov 2026 05:14:17 GMT","path":"/x"}`, `path="/x"`) // no time: unknown
	f(`{"retry_after":"soon","path":"/x"}`, `path="/x"`)

	// rate-limit headers
	f(`{"ratelimit_limit":"60","ratelimit_remaining":"47","ratelimit_reset":"1714521600"}`, "rl_limit=60 rl_remaining=47 rl_reset=1714521600")
	f(`{"sent_http_x_ratelimit_limit":3000,"sent_http_x_ratelimit_remaining":2987,"sent_http_x_ratelimit_reset":1747498200}`, "rl_limit=3000 rl_remaining=2987 rl_reset=1747498200")
	f(`{"x_ratelimit_limit":"10","x_ratelimit_remaining":"0","x_ratelimit_reset":"42"}`, "rl_limit=10 rl_remaining=0 rl_reset=42")
	f(`{"ratelimit_limit":"100, 100;w=60"}`, "rl_limit=100")

	// gateway error type
	f(`{"error_type":"THROTTLED"}`, `error_type="THROTTLED"`)
	f(`{"errorResponseType":"QUOTA_EXCEEDED"}`, `error_type="QUOTA_EXCEEDED"`)
	f(`{"error":{"responseType":"WAF_FILTERED","message":"Forbidden"},"path":"/x"}`, `path="/x" error_type="WAF_FILTERED"`)
	f(`{"error.responseType":"THROTTLED","path":"/x"}`, `path="/x" error_type="THROTTLED"`)
	f(`{"errorResponseType":"-","path":"/x"}`, `path="/x"`)

	// error body: an object (raw text, spacing kept) or a JSON-encoded string
	f(`{"request_id":"r1","body":{ "error": "x" }}`, `id="r1" body="{ \"error\": \"x\" }"`)
	f(`{"request_id":"r1","response_body":"{\"error\":\"x\"}"}`, `id="r1" body="{\"error\":\"x\"}"`)
	f(`{"request_id":"r1","resp_body":"upstream timed out"}`, `id="r1" body="upstream timed out"`)
	f(`{"request_id":"r1","body":""}`, `id="r1"`)

	// user agent, bytes
	f(`{"user_agent":"curl/8.5.0"}`, `ua="curl/8.5.0"`)
	f(`{"http_user_agent":"partner-sdk/2.3"}`, `ua="partner-sdk/2.3"`)
	f(`{"userAgent":"okhttp/4.12"}`, `ua="okhttp/4.12"`)
	f(`{"responseLength":"184"}`, "bytes=184")
	f(`{"body_bytes_sent":0}`, "bytes=0")
	f(`{"bytes_sent":"512"}`, "bytes=512")

	// absent values
	f(`{"request_id":"-","method":"","path":null,"status":"-","ip":"1.2.3.4"}`, `ip="1.2.3.4"`)
	// booleans, arrays and objects never fill scalar fields
	f(`{"status":null,"method":{"name":"GET"},"request_id":true,"path":"/p"}`, `path="/p"`) // a status of true, [] or {} is rejected: TestParseJSONErrors
	// escaped slashes and unicode escapes come out decoded
	f(`{"path":"\/hello.HelloService\/SayHello","user_agent":"caf\u00e9\/1"}`, `path="/hello.HelloService/SayHello" ua="café/1"`)
}

func TestParseJSONNesting(t *testing.T) {
	f := func(line, want string) {
		t.Helper()
		t.Run(line, func(t *testing.T) {
			t.Helper()
			checkJSON(t, FormatJSONL, line, want)
		})
	}
	// Kong-style nesting: leaves are matched by their last component.
	f(`{"request":{"method":"POST","uri":"\/v1\/x","headers":{"user-agent":"grpc-go\/1.20","x-request-id":"kr-1"}},"response":{"status":201},"client_ip":"127.0.0.1","started_at":1564527732516,"latencies":{"request":8,"kong":5}}`,
		`time=2019-07-30T23:02:12.516Z/3 status=201 id="kr-1" method="POST" path="/v1/x" ip="127.0.0.1" ua="grpc-go/1.20" latency=8`)
	// Top-level keys beat nested leaves whatever the order.
	f(`{"response":{"status":200},"status":500}`, "status=500")
	f(`{"status":500,"response":{"status":200}}`, "status=500")
	f(`{"http":{"method":"GET","request_id":"inner"},"request_id":"outer"}`, `id="outer" method="GET"`)
	// A nested time never beats a top-level one, even when more precise.
	f(`{"inner":{"timestamp":"2026-11-22T05:13:48.999Z"},"time":"2026-11-22T05:13:47Z"}`, "time=2026-11-22T05:13:47.000Z/0")
	// Unreadable nested values are someone else's "status": ignored.
	f(`{"job":{"status":"done","time":"later"},"path":"/p"}`, `path="/p"`)
	// Keys are searched down to maxJSONDepth (8) objects below the top.
	f(`{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"method":"GET"}}}}}}}}}`, `method="GET"`)
	f(`{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"method":"GET"}}}}}}}}},"path":"/p"}`, `path="/p"`)
	// Generic aliases are top-level only: a nested "ts" or "duration" is not ours.
	f(`{"db":{"ts":1795324427,"duration":3},"path":"/p"}`, `path="/p"`)
	// A nested body is not searched either.
	f(`{"response":{"status":502,"body":{"requestId":"inner","status":400}},"path":"/p"}`, `status=502 path="/p"`)
	// Arrays are not searched.
	f(`{"tries":[{"ip":"10.0.0.1","status":502}],"path":"/p"}`, `path="/p"`)
	// A flattened dotted key matches like its path.
	f(`{"request.method":"GET","request.uri":"/x","consumer.username":"acme"}`, `method="GET" path="/x" partner="acme"`)
	// Header maps match header names case-insensitively; arrays take their first value.
	f(`{"request":{"uri":"/x","headers":{"User-Agent":["Mozilla/5.0"],"Idempotency-Key":["k-1"]}},"resp_headers":{"Retry-After":["30"],"X-Ratelimit-Limit":["60"],"X-Ratelimit-Remaining":["0"]}}`,
		`path="/x" ua="Mozilla/5.0" retry_after=30 rl_limit=60 rl_remaining=0 idem="k-1"`)
	f(`{"request_User-Agent":"curl/7.67.0","downstream_Retry-After":"5","http_x_request_id":"hx-1","RequestPath":"/x"}`, `id="hx-1" path="/x" ua="curl/7.67.0" retry_after=5`)
	// An explicit key beats a header.
	f(`{"http_x_request_id":"hx-1","request_id":"ngx-1"}`, `id="ngx-1"`)
}

func TestParseJSONTimePrecedence(t *testing.T) {
	f := func(line, want string) {
		t.Helper()
		t.Run(line, func(t *testing.T) {
			t.Helper()
			checkJSON(t, FormatJSONL, line, want)
		})
	}
	// The most precise time wins, in either order.
	f(`{"requestTime":"22/Nov/2026:05:13:47 +0000","requestTimeEpoch":1795324427123}`, "time=2026-11-22T05:13:47.123Z/3")
	f(`{"requestTimeEpoch":1795324427123,"requestTime":"22/Nov/2026:05:13:47 +0000"}`, "time=2026-11-22T05:13:47.123Z/3")
	f(`{"time_iso8601":"2026-11-22T05:13:47+00:00","msec":"1795324427.123"}`, "time=2026-11-22T05:13:47.123Z/3")
	f(`{"msec":"1795324427.123","time_iso8601":"2026-11-22T05:13:47+00:00"}`, "time=2026-11-22T05:13:47.123Z/3")
	// Equally precise: the first wins.
	f(`{"time":"2026-11-22T05:13:47Z","timestamp":"2026-11-22T05:13:58Z"}`, "time=2026-11-22T05:13:47.000Z/0")
	f(`{"timestamp":"2026-11-22T05:13:58Z","time":"2026-11-22T05:13:47Z"}`, "time=2026-11-22T05:13:58.000Z/0")
	// Traefik: StartUTC or StartLocal (ns, with a zone) beats time (s).
	f(`{"StartLocal":"2024-02-02T18:07:08.048870614+01:00","time":"2024-02-02T17:07:08Z"}`, "time=2024-02-02T17:07:08.048Z/9")
	f(`{"time":"2024-02-02T17:07:08Z","StartUTC":"2024-02-02T17:07:08.2Z"}`, "time=2024-02-02T17:07:08.200Z/1")
}

func TestParseJSONAPIGateway(t *testing.T) {
	f := func(line, want string) {
		t.Helper()
		t.Run(line, func(t *testing.T) {
			t.Helper()
			checkJSON(t, FormatAPIGW, line, want)
		})
	}
	for _, typ := range []string{"THROTTLED", "QUOTA_EXCEEDED", "WAF_FILTERED"} {
		f(`{"requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef","ip":"198.51.100.7","requestTime":"22/Nov/2026:05:13:47 +0000","requestTimeEpoch":1795324427123,"httpMethod":"POST","resourcePath":"/v1/bookings","path":"/prod/v1/bookings","status":"429","protocol":"HTTP/1.1","responseLength":"58","responseLatency":"3","apiKeyId":"k-acme01","error":{"responseType":"`+typ+`","message":"Too Many Requests"}}`,
			`time=2026-11-22T05:13:47.123Z/3 status=429 id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef" method="POST" path="/prod/v1/bookings" route="/v1/bookings" partner="k-acme01" ip="198.51.100.7" latency=3 bytes=58 error_type="`+typ+`"`)
	}
	// $context.identity.* nested: leaves match; the raw API key is a secret.
	f(`{"requestId":"r-7","identity":{"sourceIp":"192.0.2.1","userAgent":"sdk/1","apiKey":"AbCdEfGh12345678","apiKeyId":"k-9"},"httpMethod":"GET","resourcePath":"/x","status":200}`,
		`status=200 id="r-7" method="GET" route="/x" partner="k-9" ip="192.0.2.1" ua="sdk/1" secret="AbCdEfGh12345678"`)
	// HTTP API (v2) routeKey: method and route; an explicit method wins.
	f(`{"requestId":"GQIVriFLIAMEMsA=","routeKey":"GET /pets/{id}","status":200}`, `status=200 id="GQIVriFLIAMEMsA=" method="GET" route="/pets/{id}"`)
	f(`{"requestId":"r","httpMethod":"HEAD","routeKey":"GET /pets/{id}"}`, `id="r" method="HEAD" route="/pets/{id}"`)
	f(`{"routeKey":"GET /pets/{id}","httpMethod":"HEAD"}`, `method="HEAD" route="/pets/{id}"`)
	f(`{"requestId":"r","routeKey":"ANY /pets/{proxy+}"}`, `id="r" route="/pets/{proxy+}"`)
	// WebSocket route keys are routes; $default is the catch-all and "-" absent.
	f(`{"requestId":"r","routeKey":"$connect","status":"500"}`, `status=500 id="r" route="$connect"`)
	f(`{"requestId":"r","routeKey":"$default","path":"/v1/x"}`, `id="r" path="/v1/x"`)
	f(`{"requestId":"r","routeKey":"-","status":"403"}`, `status=403 id="r"`)
}

func TestParseJSONNginx(t *testing.T) {
	f := func(line, want string) {
		t.Helper()
		t.Run(line, func(t *testing.T) {
			t.Helper()
			checkJSON(t, FormatNginxJSON, line, want)
		})
	}
	f(benchNginxJSON, `time=2026-11-22T05:13:47.123Z/3 status=429 id="7f3a9c2e5b1d4e8fa0c6b2d9e4f1a3c5" method="GET" path="/v1/bookings/12345?expand=items" partner="k-acme01" ip="203.0.113.9" ua="partner-sdk/2.3.1 (go1.22)" latency=4 bytes=153`)
	// " : " spacing, every number a string.
	f(`{ "time_local" : "22/Nov/2024:17:56:07 +0000" , "remote_addr" : "43.163.232.152", "request" : "POST /v1/auth/token HTTP/2.0" , "status" : "401" , "body_bytes_sent" : "0" , "request_time" : "0.120" }`,
		`time=2024-11-22T17:56:07.000Z/0 status=401 method="POST" path="/v1/auth/token" ip="43.163.232.152" latency=120 bytes=0`)
	// Separate method and path keys win over $request, in either order.
	f(`{"request":"GET /a?x=1 HTTP/1.1","request_method":"PUT","request_uri":"/b"}`, `method="PUT" path="/b"`)
	f(`{"request_uri":"/b","request":"GET /a?x=1 HTTP/1.1"}`, `method="GET" path="/b"`)
	// Garbage in $request (a TLS hello, "hello") is rejected:
	// TestParseJSONErrors. "-" is no request at all.
	f(`{"request":"-","status":"400"}`, "status=400")
}

// Seed envelopes: the exact example bodies of the five API products in
// /work/shared/seeds, as separate error-log lines (wrapped, or bare when
// they carry their own request id).
func TestParseJSONErrorBodies(t *testing.T) {
	f := func(line, want string) {
		t.Helper()
		t.Run(line, func(t *testing.T) {
			t.Helper()
			checkJSON(t, FormatJSONL, line, want)
		})
	}
	// Wrapped, body as an object.
	const mvmnt = `{"error": {"code": "VALIDATION_ERROR","message": "Validation failed","details": [{"field": "email","message": "Invalid email format"}]}}`
	f(`{"time":"2026-11-22T05:13:47Z","request_id":"r-mvmnt-1","status":422,"body":`+mvmnt+`}`,
		`time=2026-11-22T05:13:47.000Z/0 status=422 id="r-mvmnt-1" body=`+strconv.Quote(mvmnt))
	const moonborn = `{"error": {"code": "rate_limited","message": "Per-minute API rate limit exceeded.","details": { "retryAfter": 12 }}}`
	f(`{"time":"2026-11-22T05:13:47Z","request_id":"r-moon-1","status":429,"body":`+moonborn+`}`,
		`time=2026-11-22T05:13:47.000Z/0 status=429 id="r-moon-1" body=`+strconv.Quote(moonborn))
	// Wrapped, body as a JSON-encoded string.
	const mvmntRate = `{"error": {"code": "RATE_LIMIT_EXCEEDED","message": "Rate limit exceeded. Try again in 30 seconds."}}`
	f(`{"time":"2026-11-22T05:13:47Z","request_id":"r-mvmnt-2","status":429,"response_body":`+strconv.Quote(mvmntRate)+`}`,
		`time=2026-11-22T05:13:47.000Z/0 status=429 id="r-mvmnt-2" body=`+strconv.Quote(mvmntRate))
	const movmo = `{ "message": "user payment method not found", "status_code": 404, "details": "payment method 00000000-0000-0000-0000-000000000010 not found for user 00000000-0000-0000-0000-000000000001"}`
	f(`{"timestamp":"2026-11-22T05:13:47Z","req_id":"r-movmo-1","status":404,"resp_body":`+strconv.Quote(movmo)+`}`,
		`time=2026-11-22T05:13:47.000Z/0 status=404 id="r-movmo-1" body=`+strconv.Quote(movmo))

	// Bare envelopes: the whole line is the body.
	bare := func(line, fields string) {
		t.Helper()
		if fields != "" {
			fields += " "
		}
		f(line, fields+"body="+strconv.Quote(line))
	}
	bare(`{"error": "invalid_credentials","message": "The API key or secret is incorrect.","requestId": "req_01HZ9VBKX4EFGH2J..."}`,
		`id="req_01HZ9VBKX4EFGH2J..."`)
	bare(`{"error": "validation_error","message": "One or more fields failed validation.","errors": [{"field": "pickupDateTimeUtc","message": "Pickup time must be in the future."},{"field": "passengerEmail","message": "Invalid email address format."}],"requestId": "req_01HZ9VBKX4E..."}`,
		`id="req_01HZ9VBKX4E..."`)
	bare(`{"success": false,"errorCode": "RATE_LIMITED","message": "Rate limit exceeded for read endpoints. Retry in 42 seconds.","details": {"category": "read","retryAfter": 42},"requestId": "req_2N7s8x9KqR"}`,
		`id="req_2N7s8x9KqR"`)
	bare(`{"success": false,"errorCode": "INVALID_REQUEST","message": "Validation failed.","details": {"fields": [{ "path": "email", "message": "must be a valid email" },{ "path": "phone", "message": "must include country code" }]},"requestId": "req_2N7s8x9KqR"}`,
		`id="req_2N7s8x9KqR"`)
	bare(movmo, "status=404")
	bare(`{"type":"https://example.com/probs/out-of-credit","title":"You do not have enough credit.","status":403,"detail":"Your current balance is 30, but that costs 50.","instance":"/account/12345/msgs/abc","requestId":"req-7807"}`,
		`status=403 id="req-7807"`)
	bare(`{"error":{"code":"UNAUTHORIZED","message":"Invalid or expired access token"},"request_id":"r-3"}`, `id="r-3"`)
	// The public APIs' shapes (issue 9).
	bare(`{"errors":[{"status":"422","title":"Invalid Attribute","source":{"pointer":"/data/attributes/email"}}],"request_id":"r-7"}`, `id="r-7"`)
	bare(`{"errors":[{"message":"x","extensions":{"code":"RATE_LIMITED"}}],"data":null,"requestId":"r-8"}`, `id="r-8"`)
	bare(`{"code":20001,"message":"Bad request","more_info":"https://www.twilio.com/docs/errors/20001","status":400,"request_id":"r-9"}`, `status=400 id="r-9"`)
	bare(`{"ok":false,"error":"invalid_auth","request_id":"r-10"}`, `id="r-10"`)
	bare(`{"detail":"Not found.","request_id":"r-11"}`, `id="r-11"`)
	bare(`{"title":"Service Unavailable","status":503,"request_id":"r-12"}`, `status=503 id="r-12"`)
	bare(`{"errors":[{"status":"422"}]}`, "") // no id: the ingest rejects it as body_without_request_id

	// Not envelopes: a message alone, a type alone, an access line with an error.
	f(`{"message":"upstream reset","request_id":"r-4"}`, `id="r-4"`)
	f(`{"type":"access","request_id":"r-5"}`, `id="r-5"`)
	f(`{"error":"timeout","method":"GET","path":"/x"}`, `method="GET" path="/x"`)
	f(`{"error":"","request_id":"r-6"}`, `id="r-6"`)
}

func TestParseJSONSecrets(t *testing.T) {
	f := func(line, secret, want string) {
		t.Helper()
		t.Run(line, func(t *testing.T) {
			t.Helper()
			p := NewParser(FormatJSONL)
			b := []byte(line)
			var r Record
			if err := p.Parse(b, &r); err != nil {
				t.Fatal(err)
			}
			if string(r.Secret) != secret {
				t.Errorf("Secret = %q, want %q", r.Secret, secret)
			}
			for name, field := range recordSlices(&r) {
				if secret != "" && name != "Secret" && bytes.Contains(field, []byte(secret)) {
					t.Errorf("%s = %q holds the secret", name, field)
				}
			}
			if got := fmtJSONRecord(&r); got != want {
				t.Errorf("\n got: %s\nwant: %s", got, want)
			}
			checkJSONAliasing(t, p, b, &r)
		})
	}
	f(`{"x_api_key":"sk_live_4f9a8b7c6d5e","apiKeyId":"k-acme01","path":"/v1/x"}`, "sk_live_4f9a8b7c6d5e",
		`path="/v1/x" partner="k-acme01" secret="sk_live_4f9a8b7c6d5e"`)
	f(`{"x-api-key":"sk_live_4f9a8b7c6d5e","api_key_id":"k-1"}`, "sk_live_4f9a8b7c6d5e", `partner="k-1" secret="sk_live_4f9a8b7c6d5e"`)
	f(`{"http_authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig","path":"/v1/mcp"}`, "eyJhbGciOiJIUzI1NiJ9.e30.sig",
		`path="/v1/mcp" secret="eyJhbGciOiJIUzI1NiJ9.e30.sig"`)
	f(`{"Authorization":"basic YWxhZGRpbjpvcGVuc2VzYW1l","path":"/x"}`, "YWxhZGRpbjpvcGVuc2VzYW1l", `path="/x" secret="YWxhZGRpbjpvcGVuc2VzYW1l"`)
	f(`{"proxy_authorization":"Digest username=\"u\", response=\"6629fae49393a05397450978507c4ef1\"","path":"/x"}`,
		`Digest username="u", response="6629fae49393a05397450978507c4ef1"`,
		`path="/x" secret="Digest username=\"u\", response=\"6629fae49393a05397450978507c4ef1\""`)
	// Kong: header keys nested, any case; the first credential wins.
	f(`{"request":{"method":"GET","uri":"/x","headers":{"x-api-key":"kong-key-123456","authorization":"Bearer tok-abcdef"}}}`, "kong-key-123456",
		`method="GET" path="/x" secret="kong-key-123456"`)
	// Caddy: Authorization as an array of strings.
	f(`{"request":{"method":"GET","uri":"/x","headers":{"Authorization":["Bearer caddy-tok-98765"]}}}`, "caddy-tok-98765",
		`method="GET" path="/x" secret="caddy-tok-98765"`)
	// Traefik: a flattened request header.
	f(`{"RequestMethod":"GET","RequestPath":"/x","request_X-Api-Key":"trf-key-24680"}`, "trf-key-24680",
		`method="GET" path="/x" secret="trf-key-24680"`)
	// The key repeated in the query string is scrubbed from the path.
	f(`{"request":"GET /v1/x?api_key=sk_live_4f9a8b7c6d5e&y=1 HTTP/1.1","http_x_api_key":"sk_live_4f9a8b7c6d5e"}`, "sk_live_4f9a8b7c6d5e",
		`method="GET" path="/v1/x?api_key=REDACTED&y=1" secret="sk_live_4f9a8b7c6d5e"`)
	// A bare envelope carrying the key: the body gets a redacted copy.
	f(`{"error":"invalid_key","message":"bad key","x_api_key":"sk_test_123456789","requestId":"req_1"}`, "sk_test_123456789",
		`id="req_1" body="{\"error\":\"invalid_key\",\"message\":\"bad key\",\"x_api_key\":\"REDACTED\",\"requestId\":\"req_1\"}" secret="sk_test_123456789"`)
	// Credentials inside a body are redacted even though the body is not searched for fields.
	f(`{"request_id":"r1","status":401,"body":{"error":"unauthorized","headers":{"Authorization":"Bearer tok_abcdef123456"},"api_token":{"v":1}}}`, "",
		`status=401 id="r1" body="{\"error\":\"unauthorized\",\"headers\":{\"Authorization\":\"REDACTED\"},\"api_token\":\"REDACTED\"}"`)
	f(`{"request_id":"r1","body":"{\"error\":\"bad\",\"apiKey\":\"k_live_77777777\"}"}`, "",
		`id="r1" body="{\"error\":\"bad\",\"apiKey\":\"REDACTED\"}"`)
	// Both at once: the body's sensitive values and the key's text elsewhere.
	f(`{"request":"GET /x?key=sk_live_ABCDEFGH HTTP/1.1","x_api_key":"sk_live_ABCDEFGH","body":{"authorization":"Bearer zzz","echo":"sk_live_ABCDEFGH"}}`, "sk_live_ABCDEFGH",
		`method="GET" path="/x?key=REDACTED" body="{\"authorization\":\"REDACTED\",\"echo\":\"REDACTED\"}" secret="sk_live_ABCDEFGH"`)
	// Key ids are partners, not secrets; empty credentials are nothing.
	f(`{"apiKeyId":"k-acme01","authorization":"-","api_key":"","path":"/x"}`, "", `path="/x" partner="k-acme01"`)
}

func TestParseJSONErrors(t *testing.T) {
	f := func(line, reason, detail string) {
		t.Helper()
		t.Run(line, func(t *testing.T) {
			t.Helper()
			var r Record
			err := NewParser(FormatJSONL).Parse([]byte(line), &r)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.Reason != reason || !strings.Contains(pe.Detail, detail) {
				t.Errorf("err = %q, want reason %s with detail containing %q", err, reason, detail)
			}
		})
	}
	f(``, "bad_json", "empty line")
	f(`   `, "bad_json", "empty line")
	f(`[{"status":200}]`, "bad_json", `not a JSON object at byte 0: "[{\"status\":200}]"`)
	f(`{"status":200,}`, "bad_json", `syntax error at byte 14: "}"`)
	f(`{"status":200`, "bad_json", "unexpected end of line at byte 13")
	f(`{"status":200}}`, "bad_json", `trailing data at byte 14: "}"`)
	f(`{status:200}`, "bad_json", "syntax error at byte 1")
	f(`{"path":"/x","status":"OK"}`, "bad_status", `"status": "OK"`)
	f(`{"status_code":1000}`, "bad_status", `"status_code": "1000"`)
	f(`{"status":200.0}`, "bad_status", `"status": "200.0"`)
	// true, [] and {} are not a status (issue 14): once stored as status 0,
	// which retry analysis reads as a network failure.
	f(`{"path":"/x","time":"2026-11-22T05:13:47Z","status":true}`, "bad_status", `"status": "true"`)
	f(`{"path":"/x","time":"2026-11-22T05:13:47Z","status":false}`, "bad_status", `"status": "false"`)
	f(`{"path":"/x","time":"2026-11-22T05:13:47Z","status":[]}`, "bad_status", `"status": "[]"`)
	f(`{"path":"/x","time":"2026-11-22T05:13:47Z","status":{}}`, "bad_status", `"status": "{}"`)
	f(`{"path":"/x","time":"2026-11-22T05:13:47Z","status_code":[200]}`, "bad_status", `"status_code": "[200]"`)
	f(`{"path":"/x","time":true,"status":200}`, "bad_time", `"time": "true"`)
	// Real dates no access log has (issue 14): once stored as the ingest time.
	for _, when := range []string{`"1900-01-01T00:00:00Z"`, `"2200-01-01T00:00:00Z"`, `"9999-12-31T23:59:59Z"`,
		`"0000-01-01T00:00:00Z"`, `"1969-12-31T23:59:59Z"`, `"2106-02-07T06:28:16Z"`, `"1970-01-01T00:00:00Z"`,
		`0`, `"0"`, `253402300800000`, `1e15`} {
		f(`{"path":"/x","status":200,"time":`+when+`}`, "bad_time", `"time": `)
	}
	f(`{"request":"\u0016\u0003\u0001\u0002\u0000\u0001","status":"400"}`, "bad_request_line", `"request": "\x16\x03`)
	f(`{"request":"hello","status":"400"}`, "bad_request_line", `"request": "hello"`)
	f(`{"time":"yesterday","path":"/x"}`, "bad_time", `"time": "yesterday"`)
	f(`{"path":"/x","timestamp":"2026-11-31T05:13:47Z"}`, "bad_time", `"timestamp": "2026-11-31T05:13:47Z"`)
	f(`{"error.responseType":"x","requestTimeEpoch":"soon"}`, "bad_time", `"requestTimeEpoch": "soon"`)
	f(`{}`, "no_fields", "0 keys")
	f(`{"level":"info","msg":"server started"}`, "no_fields", "2 keys")
}

// TestParseJSONRejects reads testdata/json_reject.txt: each line is the
// expected reason, a tab, and a line the JSON parser must reject.
func TestParseJSONRejects(t *testing.T) {
	checkRejects(t, FormatJSONL, filepath.Join("testdata", "json_reject.txt"))
}

// TestParseJSONInvalidUTF8 checks that bytes that are not UTF-8 pass through
// as logged and do not upset the parser.
func TestParseJSONInvalidUTF8(t *testing.T) {
	checkJSON(t, FormatJSONL, "{\"path\":\"/x\xff\xfe\",\"user_agent\":\"\xc3\x28\",\"\xffkey\":1}", `path="/x\xff\xfe" ua="\xc3("`)
}

// TestParseJSONReuse parses lines of different shapes with one parser: a
// record must hold nothing of the line before, and the scratch buffer must
// not hand out bytes of an earlier line.
func TestParseJSONReuse(t *testing.T) {
	lines := []struct{ line, want string }{
		{benchAPIGW, `time=2026-11-22T05:13:47.123Z/3 status=429 id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef" method="POST" path="/prod/v1/bookings" route="/v1/bookings" partner="k-acme01" ip="198.51.100.7" latency=3 bytes=58 error_type="THROTTLED"`},
		{`{"request_id":"r2","status":502,"body":{"error":"bad gateway"}}`, `status=502 id="r2" body="{\"error\":\"bad gateway\"}"`},
		{`{"path":"/short"}`, `path="/short"`},
		{`{"error":"x","authorization":"Bearer abcdefgh","requestId":"r3"}`, `id="r3" body="{\"error\":\"x\",\"authorization\":\"REDACTED\",\"requestId\":\"r3\"}" secret="abcdefgh"`},
		{benchNginxJSON, `time=2026-11-22T05:13:47.123Z/3 status=429 id="7f3a9c2e5b1d4e8fa0c6b2d9e4f1a3c5" method="GET" path="/v1/bookings/12345?expand=items" partner="k-acme01" ip="203.0.113.9" ua="partner-sdk/2.3.1 (go1.22)" latency=4 bytes=153`},
	}
	p := NewParser(FormatJSONL)
	var r Record
	for round := range 2 {
		for _, c := range lines {
			line := []byte(c.line)
			if err := p.Parse(line, &r); err != nil {
				t.Fatalf("round %d: Parse(%s): %v", round, c.line, err)
			}
			if got := fmtJSONRecord(&r); got != c.want {
				t.Errorf("round %d: Parse(%s)\n got: %s\nwant: %s", round, c.line, got, c.want)
			}
			checkJSONAliasing(t, p, line, &r)
		}
	}
}

// TestParseJSONDoesNotAllocate holds the hot path to zero allocations per
// line once the parser's buffers have grown.
func TestParseJSONDoesNotAllocate(t *testing.T) {
	for _, c := range []struct {
		format Format
		line   string
	}{
		{FormatNginxJSON, benchNginxJSON},
		{FormatAPIGW, benchAPIGW},
		{FormatJSONL, `{"ts":1761019828.6153953,"request":{"client_ip":"172.19.0.1","method":"GET","uri":"/","headers":{"User-Agent":["curl/8"]}},"duration":0.0016,"status":304}`},
		{FormatJSONL, `{"time":"2026-11-22T05:13:47Z","request_id":"r1","status":429,"body":{"error":{"code":"rate_limited","details":{"retryAfter":12}}}}`},
		{FormatJSONL, `{"error":"invalid_key","message":"bad key","x_api_key":"sk_test_123456789","requestId":"req_1","response_body":"{\"apiKey\":\"sk_test_123456789\"}"}`},
	} {
		p := NewParser(c.format)
		line := []byte(c.line)
		var r Record
		if err := p.Parse(line, &r); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { _ = p.Parse(line, &r) }); n != 0 {
			t.Errorf("%s: %v allocations per line, want 0", c.format, n)
		}
	}
}

// TestJSONVocabTable checks that the hash table finds every name of the
// vocabulary with its meaning, that no name is listed twice (the second
// would be shadowed), and that near misses find nothing.
func TestJSONVocabTable(t *testing.T) {
	seen := map[string]bool{}
	for _, g := range jsonVocabulary {
		for _, name := range g.names {
			if seen[name] {
				t.Errorf("%q is listed twice", name)
			}
			seen[name] = true
			if got := jsonVocab([]byte(name)); got != g.key {
				t.Errorf("jsonVocab(%q) = %+v, want %+v", name, got, g.key)
			}
		}
	}
	for _, miss := range []string{"", "Time", "status ", "requestid", "x-request-ID", "api_key", "apikey", "authorization", "http_referer", "requestTimeEpochs"} {
		if got := jsonVocab([]byte(miss)); got != (jsonKey{}) {
			t.Errorf("jsonVocab(%q) = %+v, want nothing", miss, got)
		}
	}
}

func TestRawJSONScanners(t *testing.T) {
	span := func(line string, n int, want string) {
		t.Helper()
		start, end, ok := memberValueSpan([]byte(line), n)
		got := "-"
		if ok {
			got = line[start:end]
		}
		if got != want {
			t.Errorf("memberValueSpan(%s, %d) = %s, want %s", line, n, got, want)
		}
	}
	span(`{"a":1,"b":{"c":"}"},"d":[1,{"e":"]"}]}`, 0, `1`)
	span(`{"a":1,"b":{"c":"}"},"d":[1,{"e":"]"}]}`, 1, `{"c":"}"}`)
	span(`{"a":1,"b":{"c":"}"},"d":[1,{"e":"]"}]}`, 2, `[1,{"e":"]"}]`)
	span(` { "a" : "x\"y" , "b" : true } `, 0, `"x\"y"`)
	span(` { "a" : "x\"y" , "b" : true } `, 1, `true`)
	span(`{"a":1}`, 1, `-`)
	span(`[1]`, 0, `-`)
	span(`{"a":`, 0, `-`)

	redact := func(in, want string) {
		t.Helper()
		if got := string(appendRedactedJSON(nil, []byte(in))); got != want {
			t.Errorf("appendRedactedJSON(%s) = %s, want %s", in, got, want)
		}
	}
	redact(`{"a":"x"}`, `{"a":"x"}`)
	redact(`{"X-Api-Key" : "k1", "b":2}`, `{"X-Api-Key" : "REDACTED", "b":2}`)
	redact(`{"password":{"x":[1,2]},"client_secret":"s","n":"password"}`, `{"password":"REDACTED","client_secret":"REDACTED","n":"password"}`)
	redact(`{"authoriz\u0061tion":"Bearer t"}`, `{"authoriz\u0061tion":"REDACTED"}`)
	redact(`{"apikey":`, `{"apikey":`)
	redact(`not json "token": x`, `not json "token": "REDACTED"`)

	keys := func(raw string, want bool) {
		t.Helper()
		if got := rawKeySensitive([]byte(raw)); got != want {
			t.Errorf("rawKeySensitive(%s) = %v, want %v", raw, got, want)
		}
	}
	keys(`Authorization`, true)
	keys(`http_x_api_key`, true)
	keys(`access_token`, true)
	keys(`api_key_id`, false)
	keys(`apiKeyId`, false)
	keys(`api\u005fkey`, true)
	keys(`api\u00e9key`, false)
	keys(`\u`, false)
	keys(strings.Repeat("a", 50)+"token", false) // too long to be a key we know
}

func TestJSONValueHelpers(t *testing.T) {
	lead := func(in string, want int64, wantOK bool) {
		t.Helper()
		if got, ok := leadingInt([]byte(in)); got != want || ok != wantOK {
			t.Errorf("leadingInt(%q) = %d, %v; want %d, %v", in, got, ok, want, wantOK)
		}
	}
	lead("60", 60, true)
	lead("100, 100;w=60", 100, true)
	lead("5;w=1", 5, true)
	lead("", 0, false)
	lead("x1", 0, false)
	lead("1x", 0, false)

	date := func(in string, want string) {
		t.Helper()
		ms, ok := httpDate([]byte(in))
		got := "-"
		if ok {
			got = time.UnixMilli(ms).UTC().Format(time.RFC3339)
		}
		if got != want {
			t.Errorf("httpDate(%q) = %s, want %s", in, got, want)
		}
	}
	date("Sun, 06 Nov 1994 08:49:37 GMT", "1994-11-06T08:49:37Z")
	date("Wed, 21 Oct 2015 07:28:00 GMT", "2015-10-21T07:28:00Z")
	date("Wed, 31 Nov 2015 07:28:00 GMT", "-")
	date("Wed, 21 Oct 2015 07:28:00 UTC", "-")
	date("Wed, 21 Okt 2015 07:28:00 GMT", "-")
	date("Wednesday, 21-Oct-15 07:28:00 GMT", "-")

	ra := func(in string, want int32, wantOK bool) {
		t.Helper()
		if got, ok := retryAfterSeconds([]byte(in)); got != want || ok != wantOK {
			t.Errorf("retryAfterSeconds(%q) = %d, %v; want %d, %v", in, got, ok, want, wantOK)
		}
	}
	ra("0", 0, true)
	ra("120", 120, true)
	ra("0.2", 1, true)
	ra("2.0", 2, true)
	ra("99999999999", 2147483647, true)
	ra("-1", 0, false)

	scheme := func(in, want string) {
		t.Helper()
		if got := string(stripAuthScheme([]byte(in))); got != want {
			t.Errorf("stripAuthScheme(%q) = %q, want %q", in, got, want)
		}
	}
	scheme("Bearer abc", "abc")
	scheme("BEARER abc", "abc")
	scheme("Basic dXNlcg==", "dXNlcg==")
	scheme("Bearer", "Bearer")
	scheme("Token abc", "Token abc")
	scheme("abc", "abc")
}
