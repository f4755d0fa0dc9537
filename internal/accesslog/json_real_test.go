package accesslog_test

// An external test package: chtest imports chstore, which imports accesslog.

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chtest"
)

// jsonRealWant is what TestRealJSON checks of one real line. Empty strings
// are checked too: a line without a route must not grow one.
type jsonRealWant struct {
	Time      string // RFC 3339 with milliseconds, UTC
	Prec      int8
	Status    uint16
	RequestID string
	Method    string
	Path      string
	Route     string
	ClientIP  string
}

// jsonRealFiles lists every JSON file of the real corpus with its format and
// the expected fields of each of its lines, in order.
var jsonRealFiles = []struct {
	file   string
	format accesslog.Format
	lines  []jsonRealWant
}{
	{"aws-apigateway/elastic-integrations-apigateway.log", accesslog.FormatAPIGW, []jsonRealWant{
		{"2023-06-09T12:54:08.000Z", 0, 200, "GQIVriFLIAMEMsA=", "GET", "", "/", "1.128.0.0"}, // HTTP API v2 routeKey "GET /"
		{"2023-06-10T15:36:28.000Z", 0, 200, "48752d0f-c99d-4cfa-a5a7-f3c6834d19e5", "GET", "", "/pets", "1.128.0.0"},
	}},
	{"aws-apigateway/elastic-integrations-rest.log", accesslog.FormatAPIGW, []jsonRealWant{
		{"2023-06-10T15:36:28.000Z", 0, 200, "48752d0f-c99d-4cfa-a5a7-f3c6834d19e5", "GET", "", "/pets", "1.128.0.0"},
		{"2023-07-19T16:15:46.000Z", 0, 200, "caa4a500-2651-4476-aa1f-a639b858819b", "GET", "", "/pets/{petId}", "1.128.0.0"},
		{"2023-07-19T16:15:44.000Z", 0, 200, "c5a56ba0-fd42-4425-b7d2-5e8836563270", "GET", "", "/pets/{petId}", "1.128.0.0"},
		{"2023-07-26T12:07:03.000Z", 0, 200, "c12d1542-b79e-4e79-a158-fdf36452a81b", "GET", "", "/pets/{petId}", "1.128.0.0"},
		{"2023-07-26T12:06:57.000Z", 0, 200, "868ee022-bc3a-4acf-97e7-acb7472b3235", "GET", "", "/", "1.128.0.0"},
	}},
	{"aws-apigateway/elastic-integrations-websocket.log", accesslog.FormatAPIGW, []jsonRealWant{
		{"2023-07-25T16:26:02.000Z", 0, 500, "REDACTED", "", "", "$connect", "1.128.0.0"},
		{"2023-07-19T16:17:17.000Z", 0, 403, "177a5660-9b20-4614-b620-51dd4d56fb4c", "", "", "", "1.128.0.0"}, // routeKey "-"
		{"2023-07-26T12:20:46.000Z", 0, 500, "Iq9gwFDNoAMFo1A=", "", "", "$connect", "1.128.0.0"},
		{"2023-07-26T12:20:44.000Z", 0, 500, "Iq9gjE_aIAMFZTg=", "", "", "$connect", "1.128.0.0"},
	}},
	{"nginx-json/bivrost.log", accesslog.FormatNginxJSON, []jsonRealWant{
		{"2024-04-22T17:56:07.000Z", 0, 400, "", "GET", "/viwwwsogou?op=8&query=%E7%A8%8F%E5%BB%BA%09%E9%BE%90%E1%B7%A2", "", "43.163.232.152"},
		{"2024-04-22T16:53:00.000Z", 0, 404, "", "HEAD", "/(/302.php", "", "91.90.40.176"},
	}},
	{"traefik-json/elastic-integrations-traefik.log", accesslog.FormatJSONL, []jsonRealWant{
		{"2021-03-16T18:56:54.735Z", 9, 404, "", "GET", "/", "", "127.0.0.1"},
		{"2021-03-16T19:08:41.039Z", 9, 200, "", "GET", "/", "", "10.10.10.20"},
		{"2024-02-01T15:43:38.669Z", 9, 200, "", "GET", "/ping", "", "10.10.10.10"},
		{"2024-02-02T17:07:08.048Z", 9, 404, "", "GET", "/foo/bar/baz.php", "", "10.10.10.20"}, // ClientAddr without its port, // StartLocal only; no ClientHost
		{"2024-02-02T16:18:24.844Z", 9, 304, "", "GET", "/1.0.0/acme/current/foo.png", "", "10.10.10.21"},
		{"2024-02-09T11:53:32.609Z", 9, 200, "", "GET", "/api/v1/study/140410210038/card/comment", "", "175.16.199.10"},
		{"2024-04-15T13:26:33.809Z", 8, 404, "", "GET", "/", "", "::1"},
	}},
	{"kong-json/kong-docs-grpc-file-log.log", accesslog.FormatJSONL, []jsonRealWant{
		{"2019-07-30T23:02:12.516Z", 3, 200, "", "POST", "/hello.HelloService/SayHello", "", "127.0.0.1"}, // \/ unescaped
		{"2019-07-30T23:02:13.554Z", 3, 200, "", "POST", "/hello.HelloService/SayHello", "", "127.0.0.1"},
	}},
	{"caddy-json/lnav-caddy.log", accesslog.FormatJSONL, []jsonRealWant{
		{"2025-10-21T04:10:28.615Z", 7, 304, "", "GET", "/", "", "172.19.0.1"},
		{"2025-10-21T04:10:59.196Z", 6, 304, "", "GET", "/", "", "172.19.0.1"},
		{"2025-10-21T04:12:22.948Z", 7, 304, "", "GET", "/", "", "172.19.0.1"},
		{"2025-10-21T04:12:37.924Z", 7, 200, "", "GET", "/index.html", "", "172.19.0.1"},
	}},
}

// TestRealJSON parses every line of the JSON files of the real corpus (read
// in place, never copied into the repository) and spot-checks its fields.
// Caddy's lines keep their `docker compose logs` prefix: Parse strips it.
func TestRealJSON(t *testing.T) {
	root := chtest.RealTestdata(t)
	listed := map[string]bool{}
	for _, f := range jsonRealFiles {
		listed[f.file] = true
	}
	for _, dir := range []string{"aws-apigateway", "nginx-json", "traefik-json", "kong-json", "caddy-json"} {
		files, err := filepath.Glob(filepath.Join(root, dir, "*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if name := dir + "/" + filepath.Base(path); !listed[name] {
				t.Errorf("%s is not in jsonRealFiles: every real JSON line must be checked", name)
			}
		}
	}
	for _, f := range jsonRealFiles {
		t.Run(f.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.file)))
			if err != nil {
				t.Fatal(err)
			}
			lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
			if len(lines) != len(f.lines) {
				t.Fatalf("%d lines, want %d: update jsonRealFiles", len(lines), len(f.lines))
			}
			p := accesslog.NewParser(f.format)
			var r accesslog.Record
			for i, line := range lines {
				if err := p.Parse(line, &r); err != nil {
					t.Errorf("line %d: %v", i+1, err)
					continue
				}
				got := jsonRealWant{
					Time:      time.UnixMilli(r.TimeMs).UTC().Format("2006-01-02T15:04:05.000Z"),
					Prec:      r.TimePrec,
					Status:    r.Status,
					RequestID: string(r.RequestID),
					Method:    string(r.Method),
					Path:      string(r.Path),
					Route:     string(r.Route),
					ClientIP:  string(r.ClientIP),
				}
				if got != f.lines[i] {
					t.Errorf("line %d:\n got %+v\nwant %+v", i+1, got, f.lines[i])
				}
				if r.Body != nil {
					t.Errorf("line %d: no error body in the corpus, got Body %q", i+1, r.Body)
				}
				if r.Secret != nil {
					t.Errorf("line %d: no credential in the corpus, got Secret %q", i+1, r.Secret)
				}
			}
		})
	}
}
