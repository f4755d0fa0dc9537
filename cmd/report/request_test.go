package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/cli"
	"github.com/ratescope/ratescope/internal/clitest"
)

// lineOffset returns the byte offset of the line of testdata/retries.jsonl
// that holds the access record of id.
func lineOffset(t *testing.T, id string) uint64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "retries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte(`"request_id":"`+id+`","method"`))
	if i < 0 {
		t.Fatalf("no access line for %s", id)
	}
	return uint64(bytes.LastIndexByte(b[:i], '\n') + 1)
}

func TestRequestRun(t *testing.T) {
	_, db := retryFixtureDB(t)
	open := checkedDB(func(context.Context) (*chstore.DB, error) { return db, nil })
	run := func(t *testing.T, id string, format cli.Format, tty bool) (string, error) {
		t.Helper()
		ios, _, out, _ := cli.Test()
		ios.SetStdoutTTY(tty)
		err := requestRun(&RequestOptions{IO: ios, DB: open, Ctx: context.Background(), ID: id, Format: format})
		return out.String(), err
	}
	// ingest records a file by its absolute path.
	source, err := filepath.Abs(filepath.Join("testdata", "retries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("piped table", func(t *testing.T) {
		got, err := run(t, "initech-2", cli.FormatTable, false)
		if err != nil {
			t.Fatal(err)
		}
		want := "Access record\n" +
			"request_id           initech-2\n" +
			"time                 2026-03-01T10:05:03.361Z\n" +
			"method               POST\n" +
			"path                 /v1/bookings\n" +
			"route                /v1/bookings\n" +
			"status               504\n" +
			"partner              initech\n" +
			"client_ip            203.0.113.9\n" +
			"latency_ms           -\n" +
			"bytes_sent           -\n" +
			"user_agent           -\n" +
			"idempotency_key      -\n" +
			"retry_after          -\n" +
			"ratelimit_limit      -\n" +
			"ratelimit_remaining  -\n" +
			"ratelimit_reset      -\n" +
			"error_type           -\n" +
			"response_flags       -\n" +
			"format               jsonl\n" +
			"source               " + source + " at byte " + strconv.FormatUint(lineOffset(t, "initech-2"), 10) + "\n" +
			"\n" +
			"Error body\n" +
			"shape           error_string\n" +
			"code            UPSTREAM_TIMEOUT\n" +
			"message         upstream timed out\n" +
			"details         -\n" +
			"fields          -\n" +
			"retry_after     -\n" +
			"claimed_status  -\n" +
			"logged          separately, in " + source + "\n" +
			`raw             {"error":"UPSTREAM_TIMEOUT","message":"upstream timed out","requestId":"initech-2"}` + "\n" +
			"\n" +
			"Logical request: 6 attempts, violations: missing_idempotency_key\n" +
			"this  time                      request_id  status  code              gap_ms  retry_after\n" +
			"      2026-03-01T10:05:00.287Z  initech-0   504     UPSTREAM_TIMEOUT  -       -\n" +
			"      2026-03-01T10:05:01.324Z  initech-1   504     UPSTREAM_TIMEOUT  1037    -\n" +
			"*     2026-03-01T10:05:03.361Z  initech-2   504     UPSTREAM_TIMEOUT  2037    -\n" +
			"      2026-03-01T10:05:07.398Z  initech-3   504     UPSTREAM_TIMEOUT  4037    -\n" +
			"      2026-03-01T10:05:15.435Z  initech-4   504     UPSTREAM_TIMEOUT  8037    -\n" +
			"      2026-03-01T10:05:31.472Z  initech-5   201     -                 16037   -\n"
		if got != want {
			t.Errorf("stdout =\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("terminal table, a request alone", func(t *testing.T) {
		got, err := run(t, "umbrella-4", cli.FormatTable, true)
		if err != nil {
			t.Fatal(err)
		}
		// umbrella-4 succeeded 8.1 s after a 503: the last of 5 attempts.
		for _, want := range []string{
			"TIME                 2026-03-01 10:10:15.700 UTC\n",
			"IDEMPOTENCY KEY      7c1d0a52\n",
			"No error body.\n",
			"Logical request: 5 attempts\n",
			"*     10:10:15.700  umbrella-4  201     -     8,100   -\n",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("stdout lacks %q:\n%s", want, got)
			}
		}
		if strings.Contains(got, "violations") {
			t.Errorf("a well-behaved client shows violations:\n%s", got)
		}
	})
	t.Run("JSON", func(t *testing.T) {
		got, err := run(t, "acme-3", cli.FormatJSON, true)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Request    map[string]any   `json:"request"`
			ErrorBody  map[string]any   `json:"error_body"`
			Attempts   []map[string]any `json:"attempts"`
			Violations []string         `json:"violations"`
		}
		dec := json.NewDecoder(strings.NewReader(got))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("%v:\n%s", err, got)
		}
		wantRequest := []string{"bytes_sent", "client_ip", "error_type", "format", "idempotency_key", "latency_ms", "method",
			"offset", "partner", "path", "ratelimit_limit", "ratelimit_remaining", "ratelimit_reset", "request_id",
			"response_flags", "retry_after", "route", "source", "status", "synthetic_id", "time", "user_agent"}
		if k := keys(d.Request); !slices.Equal(k, wantRequest) {
			t.Errorf("request fields %v, want %v", k, wantRequest)
		}
		if d.Request["request_id"] != "acme-3" || d.Request["time"] != "2026-03-01T10:15:03.250Z" ||
			d.Request["idempotency_key"] != "0b5e" || d.Request["status"] != 422.0 || d.Request["latency_ms"] != nil ||
			d.Request["offset"] != float64(lineOffset(t, "acme-3")) {
			t.Errorf("request %v", d.Request)
		}
		wantBody := []string{"claimed_status", "code", "details", "fields", "message", "raw", "retry_after", "separate", "shape", "source"}
		if k := keys(d.ErrorBody); !slices.Equal(k, wantBody) {
			t.Errorf("error_body fields %v, want %v", k, wantBody)
		}
		fields, _ := d.ErrorBody["fields"].([]any)
		if d.ErrorBody["code"] != "pickup_in_past" || d.ErrorBody["shape"] != "error_string" || d.ErrorBody["separate"] != false ||
			len(fields) != 1 || fields[0].(map[string]any)["field"] != "pickup_at" ||
			fields[0].(map[string]any)["message"] != "must be in the future" {
			t.Errorf("error_body %v", d.ErrorBody)
		}
		if len(d.Attempts) != 7 {
			t.Fatalf("%d attempts, want 7", len(d.Attempts))
		}
		for i, a := range d.Attempts {
			if k := keys(a); !slices.Equal(k, []string{"code", "gap_ms", "request_id", "retry_after", "status", "this", "time"}) {
				t.Errorf("attempt %d fields %v", i, k)
			}
			wantGap := any(1000.0)
			if i == 0 {
				wantGap = nil
			}
			if a["request_id"] != "acme-"+strconv.Itoa(i) || a["this"] != (i == 3) || a["gap_ms"] != wantGap || a["code"] != "pickup_in_past" {
				t.Errorf("attempt %d: %v", i, a)
			}
		}
		if !slices.Equal(d.Violations, []string{"no_backoff", "retried_non_retryable"}) {
			t.Errorf("violations %v", d.Violations)
		}
	})
	t.Run("unknown id", func(t *testing.T) {
		out, err := run(t, "no-such-id", cli.FormatTable, true)
		if err == nil || err.Error() != `no request with id "no-such-id" in database `+db.Name || out != "" {
			t.Errorf("error %v, stdout %q", err, out)
		}
	})
}

// TestRetryBinary runs the real binary: exit statuses, one-line errors,
// help, and the JSON contracts of retry-storms and request.
func TestRetryBinary(t *testing.T) {
	bin := clitest.Build(t, "report")
	url, db := retryFixtureDB(t)
	window := []string{"--clickhouse", url, retriesWindow, "--to=2026-03-02T00:00:00Z"}
	fails := func(name string, wantCode int, wantErr string, args ...string) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			clitest.WantOneLineError(t, clitest.Run(t, bin, args...), "report", wantCode, wantErr)
		})
	}
	fails("bad flag", 2, `invalid argument "x" for "--min-retries"`, "retry-storms", "--min-retries", "x")
	fails("threshold out of range", 2, "--min-retries must be between 1 and 100000", "retry-storms", "--min-retries", "0")
	fails("unknown id", 1, `no request with id "nope" in database `+db.Name, "request", "nope", "--clickhouse", url)
	fails("absurdly long id", 1, `no request with id "xxxxxxxx`, "request", strings.Repeat("x", 100_000), "--clickhouse", url)
	t.Run("absurdly long id is clipped", func(t *testing.T) {
		r := clitest.Run(t, bin, "request", strings.Repeat("x", 100_000), "--clickhouse", url)
		if len(r.Stderr) > 400 || !strings.Contains(r.Stderr, "… (100000 bytes)") {
			t.Errorf("stderr is %d bytes, want the id clipped with its length: %.300s", len(r.Stderr), r.Stderr)
		}
	})
	fails("empty --partner for storms", 2, "--partner is empty", append([]string{"retry-storms", "--partner", ""}, window...)...)
	fails("empty --partner for errors", 2, "--partner is empty", append([]string{"errors", "--partner", " "}, window...)...)
	fails("no id", 2, "report request takes one request id, got 0 arguments", "request", "--clickhouse", url)
	fails("unreachable ClickHouse", 1, "cannot reach ClickHouse at 127.0.0.1:1", "request", "r1")
	fails("CSV for one request", 2, "--format csv does not fit one request", "request", "r1", "--format", "csv")

	t.Run("retry-storms JSON", func(t *testing.T) {
		r := clitest.Run(t, bin, append([]string{"retry-storms", "--format", "json"}, window...)...)
		if r.Code != 0 || r.Stderr != "" {
			t.Fatalf("exit %d, stderr %q", r.Code, r.Stderr)
		}
		var got []map[string]any
		if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
			t.Fatalf("stdout is not a JSON array: %v\n%s", err, r.Stdout)
		}
		want := []map[string]any{
			{"partner": "globex", "client_ip": "198.51.100.7", "method": "GET", "route": "/v1/classes",
				"start": "2026-03-01T10:00:00.250Z", "end": "2026-03-01T10:00:03.750Z", "attempts": 8.0, "retries": 7.0,
				"median_gap_ms": 500.0, "violations": []any{"ignored_retry_after", "no_backoff"}, "first_request_id": "globex-0"},
			{"partner": "acme", "client_ip": "192.0.2.10", "method": "POST", "route": "/v1/bookings",
				"start": "2026-03-01T10:15:00.250Z", "end": "2026-03-01T10:15:06.250Z", "attempts": 7.0, "retries": 6.0,
				"median_gap_ms": 1000.0, "violations": []any{"no_backoff", "retried_non_retryable"}, "first_request_id": "acme-0"},
			{"partner": "initech", "client_ip": "203.0.113.9", "method": "POST", "route": "/v1/bookings",
				"start": "2026-03-01T10:05:00.287Z", "end": "2026-03-01T10:05:31.472Z", "attempts": 6.0, "retries": 5.0,
				"median_gap_ms": 4037.0, "violations": []any{"missing_idempotency_key"}, "first_request_id": "initech-0"},
		}
		if len(got) != len(want) {
			t.Fatalf("%d storms, want %d:\n%s", len(got), len(want), r.Stdout)
		}
		for i := range want {
			if !slices.Equal(keys(got[i]), keys(want[i])) {
				t.Errorf("storm %d: fields %v, want %v", i, keys(got[i]), keys(want[i]))
			}
			for k, w := range want[i] {
				if g, _ := json.Marshal(got[i][k]); string(g) != mustJSON(t, w) {
					t.Errorf("storm %d: %s = %s, want %s", i, k, g, mustJSON(t, w))
				}
			}
		}
	})
	t.Run("request JSON", func(t *testing.T) {
		r := clitest.Run(t, bin, "request", "globex-5", "--clickhouse", url, "--format", "json")
		if r.Code != 0 || r.Stderr != "" {
			t.Fatalf("exit %d, stderr %q", r.Code, r.Stderr)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
			t.Fatalf("stdout is not a JSON object: %v\n%s", err, r.Stdout)
		}
		if k := keys(got); !slices.Equal(k, []string{"attempts", "error_body", "request", "violations"}) {
			t.Errorf("fields %v", k)
		}
		// The duplicated line of globex-3 is one attempt; every 429 asked for 42 s.
		attempts, _ := got["attempts"].([]any)
		if len(attempts) != 8 {
			t.Fatalf("%d attempts, want 8", len(attempts))
		}
		for i, a := range attempts {
			m := a.(map[string]any)
			if m["request_id"] != "globex-"+strconv.Itoa(i) || m["retry_after"] != 42.0 || m["this"] != (i == 5) {
				t.Errorf("attempt %d: %v", i, m)
			}
		}
	})
	t.Run("help", func(t *testing.T) {
		for _, c := range []string{"retry-storms", "request"} {
			r := clitest.Run(t, bin, c, "--help")
			if r.Code != 0 || r.Stderr != "" || !strings.Contains(r.Stdout, "Examples:") || !strings.Contains(r.Stdout, "--format") {
				t.Errorf("%s --help: exit %d, stderr %q, stdout:\n%s", c, r.Code, r.Stderr, r.Stdout)
			}
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
