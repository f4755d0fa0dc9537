package accesslog

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	f := func(want Format, lines ...string) {
		t.Helper()
		sample := make([][]byte, len(lines))
		for i, l := range lines {
			sample[i] = []byte(l)
		}
		if got := Detect(sample); got != want {
			t.Errorf("Detect(%q) = %s, want %s", lines, got, want)
		}
	}
	const (
		nginx = `203.0.113.7 - - [22/Nov/2026:05:13:01 +0000] "GET /v1/a HTTP/1.1" 200 12 "-" "curl/8.5.0"`
		envoy = `[2026-11-22T05:13:01.250Z] "GET /v1/a HTTP/1.1" 200 - 0 2 1 1 "-" "-" "-" "-" "-"`
		jsonl = `{"time":"2026-11-22T05:13:01Z","request_id":"r-1","method":"GET","path":"/v1/a","status":200}`
	)

	t.Run("apigw", func(t *testing.T) {
		f(FormatAPIGW, `{"requestId":"c1","ip":"203.0.113.7","requestTime":"22/Nov/2026:05:13:01 +0000","httpMethod":"GET","resourcePath":"/v1/a/{id}","status":"200"}`)
		f(FormatAPIGW, `{"requestId": "c2", "routeKey": "GET /v1/a", "status": "200"}`)
		f(FormatAPIGW, `{"requestId":"c3","requestTimeEpoch":1795324427123,"status":429}`)
		f(FormatAPIGW, `{"requestId":"c4","apiKeyId":"k-acme01","status":429}`)
		f(FormatAPIGW, `{"requestId":"c5","errorResponseType":"THROTTLED","status":429}`)
		f(FormatAPIGW, `{"requestId":"c6","eventType":"CONNECT","status":"500"}`)
		// requestId alone (a bare error envelope) is not API Gateway.
		f(FormatJSONL, `{"requestId":"c7","code":"RATE_LIMITED","message":"slow down"}`)
		// The keys must be keys, not values.
		f(FormatJSONL, `{"request_id":"c8","note":"requestId","x":"httpMethod"}`)
	})
	t.Run("nginx-json", func(t *testing.T) {
		for _, key := range nginxJSONKeys {
			f(FormatNginxJSON, `{"`+key+`":"x","status":200}`)
		}
		f(FormatNginxJSON, `{"request":"GET /v1/a HTTP/1.1","status":"200"}`)
		f(FormatNginxJSON, `{"request" : "GET /v1/a HTTP/1.1", "status" : 200}`)
		// Caddy and Kong log "request" as an object; a number is no request line either.
		f(FormatJSONL, `{"request":{"method":"GET","uri":"/"},"status":200}`)
		f(FormatJSONL, `{"latencies":{"request":8},"response":{"status":200}}`)
		// "request" without "status" is not enough.
		f(FormatJSONL, `{"request":"GET / HTTP/1.1"}`)
		// API Gateway keys win over nginx ones.
		f(FormatAPIGW, `{"requestId":"c9","httpMethod":"GET","remote_addr":"203.0.113.7"}`)
		// A key name inside an escaped string is not a key.
		f(FormatJSONL, `{"msg":"saw \"remote_addr\": in a header","status":200}`)
	})
	t.Run("text", func(t *testing.T) {
		f(FormatNginx, nginx)
		f(FormatNginx, `198.51.100.20 - alice [22/Nov/2026:05:13:03 +0100] "GET /v1/users/me HTTP/1.0" 200 1432`)
		f(FormatNginx, `"203.0.113.51, 198.51.100.2" 10.1.0.5 - - [22/Nov/2026:05:13:08 +0000] "GET /b HTTP/1.1" 200 1 "-" "x"`)
		f(FormatEnvoy, envoy)
		f(FormatEnvoy, `[2026-11-22T05:13:01+01:00] "- - -" 0 UF,URX 0 0 0 - "-" "-" "-" "-" "10.2.0.9:5432"`)
		// An Envoy application log is not an access log.
		f(FormatAuto, `[2026-11-22 05:13:03.001][1][info][main] starting workers`)
		// CLF time in brackets but no quoted request after it.
		f(FormatAuto, `203.0.113.7 - - [22/Nov/2026:05:13:01 +0000] GET /v1/a`)
		f(FormatAuto, `[22/Nov/2026:05:13:01 +0000] "GET /v1/a HTTP/1.1" 200 1`)
	})
	t.Run("majority", func(t *testing.T) {
		f(FormatNginx, nginx, nginx, jsonl)
		f(FormatJSONL, jsonl, nginx, jsonl)
		f(FormatEnvoy, "garbage", envoy, "", "   ", "more garbage")
		// A tie goes to the more specific format.
		f(FormatEnvoy, nginx, envoy)
		f(FormatNginxJSON, jsonl, `{"remote_addr":"203.0.113.7","status":"200"}`)
	})
	t.Run("nothing recognisable", func(t *testing.T) {
		f(FormatAuto)
		f(FormatAuto, "", "  ", "\r")
		f(FormatAuto, "hello", "world")
		f(FormatAuto, "\xff\xfe\x00\x01", "[\xff")
	})
	t.Run("only the first lines count", func(t *testing.T) {
		lines := make([]string, 0, detectMaxLines+10)
		for range detectMaxLines {
			lines = append(lines, "noise")
		}
		for range 10 {
			lines = append(lines, nginx)
		}
		f(FormatAuto, lines...)
	})
}

// TestDetectFiles detects the samples in testdata/detect_*.log; the format
// each must detect to is in its name.
func TestDetectFiles(t *testing.T) {
	want := map[string]Format{
		"detect_compose_envoy.log":    FormatEnvoy,
		"detect_compose_json.log":     FormatJSONL,
		"detect_nginx_with_noise.log": FormatNginx,
		"detect_unknown.log":          FormatAuto,
	}
	files, err := filepath.Glob(filepath.Join("testdata", "detect_*.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Errorf("testdata has %d detect_*.log files, the table %d", len(files), len(want))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			w, ok := want[filepath.Base(path)]
			if !ok {
				t.Fatalf("no expected format for %s", path)
			}
			if got := Detect(detectSampleLines(t, path, 20)); got != w {
				t.Errorf("Detect(%s) = %s, want %s", path, got, w)
			}
		})
	}
}

func TestDetectDoesNotAllocate(t *testing.T) {
	sample := [][]byte{
		[]byte(`203.0.113.7 - - [22/Nov/2026:05:13:01 +0000] "GET /v1/a HTTP/1.1" 200 12 "-" "curl/8.5.0"`),
		[]byte(`caddy | {"requestId":"c1","status":200,"request":"GET / HTTP/1.1"}`),
		[]byte(`[2026-11-22T05:13:01.250Z] "GET /v1/a HTTP/1.1" 200 - 0 2 1 1 "-" "-" "-" "-" "-"`),
	}
	if n := testing.AllocsPerRun(50, func() { Detect(sample) }); n != 0 {
		t.Errorf("Detect allocates %.0f times, want 0", n)
	}
}

// detectSampleLines returns up to limit non-empty lines from the start of a file,
// as the ingester passes them to Detect.
func detectSampleLines(t *testing.T, path string, limit int) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for line := range bytes.Lines(data) {
		line = bytes.TrimRight(line, "\r\n")
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		if out = append(out, line); len(out) == limit {
			break
		}
	}
	return out
}
