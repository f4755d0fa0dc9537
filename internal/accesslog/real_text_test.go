package accesslog_test

// An external test package: chtest imports chstore, which imports accesslog.

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chtest"
)

// realWant is the fields of a real line that TestRealText checks.
type realWant struct {
	Time      time.Time
	Prec      int8
	Status    uint16
	Method    string
	Path      string
	ClientIP  string
	UserAgent string // checked only when set
	RequestID string
	Flags     string
	LatencyMs float64
	BytesSent int64
}

// realDirFormats maps each directory of the real corpus to its format.
var realDirFormats = map[string]accesslog.Format{
	"aws-apigateway": accesslog.FormatAPIGW,
	"nginx-json":     accesslog.FormatNginxJSON,
	"nginx-combined": accesslog.FormatNginx,
	"envoy":          accesslog.FormatEnvoy,
	"traefik-json":   accesslog.FormatJSONL,
	"kong-json":      accesslog.FormatJSONL,
	"caddy-json":     accesslog.FormatJSONL,
}

// TestRealDetect detects every file of the real corpus (read in place) as
// its directory's format.
func TestRealDetect(t *testing.T) {
	root := chtest.RealTestdata(t)
	files, err := filepath.Glob(filepath.Join(root, "*", "*.log"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, path := range files {
		dir := filepath.Base(filepath.Dir(path))
		seen[dir] = true
		want, ok := realDirFormats[dir]
		if !ok {
			t.Errorf("%s: directory %s has no expected format; add it to realDirFormats", path, dir)
			continue
		}
		if got := accesslog.Detect(realSampleLines(t, path, 20)); got != want {
			t.Errorf("Detect(%s) = %s, want %s", path, got, want)
		}
		// The first line alone must detect too: files start small.
		if got := accesslog.Detect(realSampleLines(t, path, 1)); got != want {
			t.Errorf("Detect(first line of %s) = %s, want %s", path, got, want)
		}
	}
	for dir := range realDirFormats {
		if !seen[dir] {
			t.Errorf("no files in %s/%s", root, dir)
		}
	}
}

// TestRealText parses every line of the real nginx combined and Envoy files
// in place, then checks fields of chosen lines.
func TestRealText(t *testing.T) {
	root := chtest.RealTestdata(t)
	type key struct {
		file string
		line int // 1-based
	}
	parsed := map[key]accesslog.Record{}
	for dir, format := range map[string]accesslog.Format{"nginx-combined": accesslog.FormatNginx, "envoy": accesslog.FormatEnvoy} {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.log"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no files in %s/%s: %v", root, dir, err)
		}
		p := accesslog.NewParser(format)
		for _, path := range files {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for line := range bytes.Lines(data) {
				n++
				line = bytes.TrimSuffix(line, []byte("\n"))
				var r accesslog.Record
				err := p.Parse(line, &r)
				if want, ok := realRejects[dir+"/"+filepath.Base(path)+":"+strconv.Itoa(n)]; ok {
					var pe *accesslog.ParseError
					if !errors.As(err, &pe) || pe.Reason != want {
						t.Errorf("%s:%d: err %v, want the reject reason %s", path, n, err, want)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s:%d: %v\n\t%s", path, n, err, line)
					continue
				}
				if r.TimeMs == 0 || (format == accesslog.FormatNginx && r.Status < 100) || r.BytesSent < 0 {
					t.Errorf("%s:%d: implausible record: time %d, status %d, bytes %d", path, n, r.TimeMs, r.Status, r.BytesSent)
				}
				// r aliases data, which stays unchanged: keeping it is safe.
				parsed[key{dir + "/" + filepath.Base(path), n}] = r
			}
		}
	}

	check := func(file string, line int, want realWant) {
		t.Helper()
		r, ok := parsed[key{file, line}]
		if !ok {
			t.Errorf("%s:%d was not parsed", file, line)
			return
		}
		// UserAgent and Path of real lines are long; compare the fields chosen.
		got := realWant{Time: want.Time, Prec: r.TimePrec, Status: r.Status, Method: string(r.Method), Path: string(r.Path),
			ClientIP: string(r.ClientIP), UserAgent: want.UserAgent, RequestID: string(r.RequestID), Flags: string(r.ResponseFlags),
			LatencyMs: r.LatencyMs, BytesSent: r.BytesSent}
		if want.UserAgent != "" && string(r.UserAgent) != want.UserAgent {
			t.Errorf("%s:%d: UserAgent %q, want %q", file, line, r.UserAgent, want.UserAgent)
		}
		if got != want {
			t.Errorf("%s:%d:\n got %+v\nwant %+v", file, line, got, want)
		}
		if r.TimeMs != want.Time.UnixMilli() {
			t.Errorf("%s:%d: TimeMs %d, want %d (%s)", file, line, r.TimeMs, want.Time.UnixMilli(), want.Time.UTC())
		}
	}
	utc := func(y int, mo time.Month, d, h, mi, s, ms int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ms*1e6, time.UTC)
	}

	t.Run("envoy", func(t *testing.T) {
		// The TCP-style line: no request, status 0, two flags.
		check("envoy/beats-envoyproxy.log", 1, realWant{Time: utc(2019, 4, 6, 6, 20, 5, 972), Prec: 3,
			Status: 0, Flags: "UF,URX", LatencyMs: 0, BytesSent: 0})
		check("envoy/beats-envoyproxy.log", 2, realWant{Time: utc(2019, 2, 12, 18, 37, 42, 921), Prec: 3,
			Status: 200, Method: "GET", Path: "/httpbin/ip", ClientIP: "172.17.0.5", UserAgent: "curl/7.59.0",
			RequestID: "c62ec130-6dee-4f3b-a52b-4f0d1312d89d", LatencyMs: 217, BytesSent: 43})
		// Old Istio: quoted "-" after the flags, cluster and addresses after the upstream host.
		// X-Forwarded-For "-": the client is %DOWNSTREAM_REMOTE_ADDRESS% (issue 9).
		check("envoy/datadog-envoy.log", 2, realWant{Time: utc(2019, 3, 6, 9, 31, 27, 360), Prec: 3,
			Status: 418, Method: "GET", Path: "/status/418", ClientIP: "172.30.146.82", RequestID: "d209e46f-9ed5-9b61-bbdd-43e22662702a", LatencyMs: 5, BytesSent: 135})
		// Istio default: details, termination details and failure reason before the counters.
		check("envoy/istio-docs-access-log.log", 1, realWant{Time: utc(2020, 11, 25, 21, 26, 18, 409), Prec: 3,
			Status: 418, Method: "GET", Path: "/status/418", ClientIP: "10.44.1.23", UserAgent: "curl/7.73.0-DEV",
			RequestID: "84961386-6d84-929d-98bd-c5aee93b5c88", LatencyMs: 4, BytesSent: 135})
		// docker compose prefix; details with "{a,b}".
		check("envoy/renuka-fernando-response-flags.log", 3, realWant{Time: utc(2024, 7, 20, 7, 9, 48, 470), Prec: 3,
			Status: 503, Method: "GET", Path: "/upstream-connection-failure", RequestID: "44898dba-8d8e-48f4-93f7-23e4b4c592c0",
			Flags: "UF", LatencyMs: 0, BytesSent: 145})
		// The wider "envoy-1           | " prefix.
		check("envoy/renuka-fernando-response-flags.log", 10, realWant{Time: utc(2024, 7, 21, 9, 11, 33, 481), Prec: 3,
			Status: 101, Method: "GET", Path: "/ws", RequestID: "8a458ce2-bb8d-4e80-a305-f323bbab338f",
			Flags: "SI", LatencyMs: 413322, BytesSent: 154})
	})
	t.Run("nginx", func(t *testing.T) {
		check("nginx-combined/beats-access.log", 1, realWant{Time: utc(2016, 10, 25, 12, 49, 33, 0),
			Status: 200, Method: "GET", Path: "/", ClientIP: "77.179.66.156", LatencyMs: -1, BytesSent: 612})
		// $host prefix: the address after it is the client.
		check("nginx-combined/beats-access.log", 13, realWant{Time: utc(2020, 6, 9, 19, 10, 39, 0),
			Status: 206, Method: "GET", Path: "/A%20Beka%20G1%20Howe/029_AND_30/15%20reading%20elephants.mp4",
			ClientIP: "192.168.0.1", LatencyMs: -1, BytesSent: 7648063})
		// Unquoted X-Forwarded-For list in the address position.
		check("nginx-combined/beats-test.log", 1, realWant{Time: utc(2016, 12, 7, 10, 5, 7, 0),
			Status: 200, Method: "GET", Path: "/ocelot", ClientIP: "10.0.0.2", LatencyMs: -1, BytesSent: 571})
		// Quoted list, then the remote address.
		check("nginx-combined/beats-test.log", 5, realWant{Time: utc(2016, 1, 22, 13, 18, 29, 0),
			Status: 200, Method: "GET", Path: "/assets/xxxx?q=100", ClientIP: "10.5.102.222", UserAgent: "Amazon CloudFront",
			LatencyMs: -1, BytesSent: 25507})
		// Empty request.
		check("nginx-combined/beats-test.log", 7, realWant{Time: utc(2018, 4, 12, 7, 48, 40, 0),
			Status: 400, ClientIP: "127.0.0.1", LatencyMs: -1, BytesSent: 0})
		// Host (an IP), IPv6-first list, remote address.
		check("nginx-combined/beats-test-with-host.log", 6, realWant{Time: utc(2016, 12, 30, 6, 47, 9, 0),
			Status: 404, Method: "GET", Path: "/test.html", ClientIP: "2a02:cf40:10ff:f00f:0000:0000:0:8000", LatencyMs: -1, BytesSent: 8571})
		// The invalid request "hello" is rejected: realRejects.
		// CLF without referer and user agent.
		check("nginx-combined/datadog-nginx.log", 1, realWant{Time: utc(2016, 7, 13, 10, 55, 36, 0),
			Status: 200, Method: "GET", Path: "/apache_pb.gif", ClientIP: "127.0.0.1", LatencyMs: -1, BytesSent: 2326})
		// Trailing junk after the extra "-".
		check("nginx-combined/datadog-nginx.log", 3, realWant{Time: utc(2017, 1, 6, 16, 16, 37, 0),
			Status: 200, Method: "GET", Path: "/datadoghq/company?test=var1%20Pl", ClientIP: "172.17.0.1", LatencyMs: -1, BytesSent: 612})
		// $request_time between bytes and referer.
		check("nginx-combined/datadog-nginx.log", 4, realWant{Time: utc(2015, 2, 19, 20, 50, 36, 0),
			Status: 206, Method: "GET", Path: "/big.pdf", ClientIP: "127.0.0.1", LatencyMs: 202, BytesSent: 33973115})
	})
}

// realRejects are the real lines that must be rejected, with the reason.
var realRejects = map[string]string{
	// "hello" is no request line (issue 9: decided to reject, not to store
	// junk as a method).
	"nginx-combined/beats-test-with-host.log:8": "bad_request_line",
}

// realSampleLines returns up to limit non-empty lines from the start of a file,
// as the ingester passes them to Detect.
func realSampleLines(t *testing.T, path string, limit int) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for line := range bytes.Lines(data) {
		line = bytes.TrimRight(line, "\r\n")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if out = append(out, line); len(out) == limit {
			break
		}
	}
	return out
}
