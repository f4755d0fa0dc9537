// Package benchlines writes the synthetic log lines the benchmarks load:
// `make bench` (scripts/bench.sh, through scripts/benchlines) and the Go
// benchmarks of the pipeline. Line i of a format is always the same bytes,
// and line i of each format describes the same request, so one file per
// format compares like with like.
package benchlines

import (
	"fmt"
	"strconv"
	"time"
)

// Formats are the formats Line writes.
var Formats = []string{"nginx-json", "apigw", "envoy", "combined"}

var (
	start    = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	statuses = [...]int{200, 200, 200, 201, 204, 400, 404, 429, 500, 503}
	agents   = [...]string{"partner-sdk/2.1", "curl/8.5.0", "okhttp/4.12.0", "Apache-HttpClient/4.5.14 (Java/17.0.9)"}
)

// Line appends line i of format (one of Formats; anything else is an
// error) to dst, without a newline: 50 requests a second from 2026-11-20,
// 40 routes, 25 partners, ten statuses. An nginx-json line is about 300
// bytes, as the issue measured.
func Line(dst []byte, format string, i int) ([]byte, error) {
	t := start.Add(time.Duration(i) * 20 * time.Millisecond)
	status := statuses[(i*7)%len(statuses)]
	route, id := i%40, 1000+(i*7919)%100000
	ip := "203.0." + strconv.Itoa((i/250)%256) + "." + strconv.Itoa(i%250+1)
	ua := agents[i%len(agents)]
	reqID := fmt.Sprintf("%016x%016x", uint64(i)*0x9e3779b97f4a7c15, uint64(i))
	bytesSent := 100 + (i*31)%4000
	latMs := (i * 13) % 997
	switch format {
	case "nginx-json":
		return fmt.Appendf(dst, `{"time_iso8601":"%s","request_id":"%s","remote_addr":"%s","request_method":"GET","request_uri":"/v1/r%d/%d?page=2","status":"%d","body_bytes_sent":"%d","request_time":"%d.%03d","http_user_agent":"%s","api_key_id":"k-partner%02d"}`,
			t.Format(time.RFC3339), reqID, ip, route, id, status, bytesSent, latMs/1000, latMs%1000, ua, i%25), nil
	case "apigw":
		return fmt.Appendf(dst, `{"requestId":"%s","ip":"%s","requestTime":"%s","requestTimeEpoch":%d,"httpMethod":"GET","resourcePath":"/v1/r%d/{id}","path":"/prod/v1/r%d/%d","status":"%d","responseLength":"%d","responseLatency":"%d","apiKeyId":"k-partner%02d"}`,
			reqID, ip, t.Format("02/Jan/2006:15:04:05 -0700"), t.UnixMilli(), route, route, id, status, bytesSent, latMs, i%25), nil
	case "envoy":
		return fmt.Appendf(dst, `[%s] "GET /v1/r%d/%d?page=2 HTTP/1.1" %d - 0 %d %d %d "%s" "%s" "%s" "api.example.com" "10.0.0.%d:8080"`,
			t.Format("2006-01-02T15:04:05.000Z"), route, id, status, bytesSent, latMs, latMs, ip, ua, reqID, i%8+1), nil
	case "combined":
		return fmt.Appendf(dst, `%s - - [%s] "GET /v1/r%d/%d?page=2 HTTP/1.1" %d %d "-" "%s"`,
			ip, t.Format("02/Jan/2006:15:04:05 -0700"), route, id, status, bytesSent, ua), nil
	}
	return dst, fmt.Errorf("benchlines: unknown format %q (want one of %v)", format, Formats)
}
