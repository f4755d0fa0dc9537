package accesslog

import "testing"

// benchNginxJSON is a typical nginx log_format escape=json line (~300 bytes).
const benchNginxJSON = `{"time_iso8601":"2026-11-22T05:13:47+00:00","msec":"1795324427.123","request_id":"7f3a9c2e5b1d4e8fa0c6b2d9e4f1a3c5",` +
	`"remote_addr":"203.0.113.9","request":"GET /v1/bookings/12345?expand=items HTTP/1.1","status":"429",` +
	`"body_bytes_sent":"153","request_time":"0.004","http_user_agent":"partner-sdk/2.3.1 (go1.22)","api_key_id":"k-acme01"}`

// benchAPIGW is an API Gateway REST access line with a throttled request.
const benchAPIGW = `{"requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef","ip":"198.51.100.7","requestTime":"22/Nov/2026:05:13:47 +0000",` +
	`"requestTimeEpoch":1795324427123,"httpMethod":"POST","resourcePath":"/v1/bookings","path":"/prod/v1/bookings","status":"429",` +
	`"responseLength":"58","responseLatency":"3","apiKeyId":"k-acme01","error":{"responseType":"THROTTLED","message":"Too Many Requests"}}`

// BenchmarkJSON measures Parse on one nginx-json and one API Gateway line.
// The design target is ≥ 1,000,000 nginx-json lines/s per core for parsing
// and normalising together.
func BenchmarkJSON(b *testing.B) {
	for _, bc := range []struct {
		name   string
		format Format
		line   string
	}{
		{"nginx-json", FormatNginxJSON, benchNginxJSON},
		{"apigw", FormatAPIGW, benchAPIGW},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := NewParser(bc.format)
			line := []byte(bc.line)
			var r Record
			if err := p.Parse(line, &r); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				if err := p.Parse(line, &r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}
