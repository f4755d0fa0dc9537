package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/cli"
	"github.com/ratescope/ratescope/internal/ingest"
)

func TestRetryStormsFlags(t *testing.T) {
	day := cli.Window{From: fakeNow.Add(-24 * time.Hour), To: fakeNow}
	f := func(args []string, wantWin cli.Window, wantPartner string, wantMin int, wantFormat cli.Format) {
		t.Helper()
		got, code, stderr := runStubbed(t, append([]string{"retry-storms"}, args...)...)
		if code != cli.ExitOK || got.storms == nil {
			t.Fatalf("%q: exit %d, stderr %q", args, code, stderr)
		}
		o := got.storms
		if o.Window != wantWin || o.Partner != wantPartner || o.MinRetries != wantMin || o.Format != wantFormat {
			t.Errorf("%q: window %v partner %q min %d format %q; want %v %q %d %q",
				args, o.Window, o.Partner, o.MinRetries, o.Format, wantWin, wantPartner, wantMin, wantFormat)
		}
		if o.Ctx == nil || o.IO == nil || o.DB == nil {
			t.Errorf("%q: options not wired: %+v", args, o)
		}
	}
	f(nil, day, "", 5, cli.FormatTable)
	f([]string{"--partner", "acme", "--min-retries", "12", "--format", "json"}, day, "acme", 12, cli.FormatJSON)
	f([]string{"--since", "7d", "--format", "csv"}, cli.Window{From: fakeNow.Add(-7 * 24 * time.Hour), To: fakeNow}, "", 5, cli.FormatCSV)
	f([]string{"--from", "2026-03-01T00:00:00Z", "--to", "2026-03-02T00:00:00Z", "--min-retries=1"},
		cli.Window{From: mar1, To: mar2}, "", 1, cli.FormatTable)
}

func TestRequestFlags(t *testing.T) {
	f := func(args []string, wantID string, wantFormat cli.Format) {
		t.Helper()
		got, code, stderr := runStubbed(t, append([]string{"request"}, args...)...)
		if code != cli.ExitOK || got.request == nil {
			t.Fatalf("%q: exit %d, stderr %q", args, code, stderr)
		}
		if o := got.request; o.ID != wantID || o.Format != wantFormat || o.Ctx == nil || o.DB == nil {
			t.Errorf("%q: id %q format %q; want %q %q", args, o.ID, o.Format, wantID, wantFormat)
		}
	}
	f([]string{"3f2b9c1e-7d4a"}, "3f2b9c1e-7d4a", cli.FormatTable)
	f([]string{"--format", "json", "r-1"}, "r-1", cli.FormatJSON)
	f([]string{"--", "-odd-id"}, "-odd-id", cli.FormatTable)
}

// TestRetryFlagErrors checks that bad flags and arguments are usage errors
// (exit 2), on one line, before anything runs.
func TestRetryFlagErrors(t *testing.T) {
	f := func(args []string, wantErr string) {
		t.Helper()
		got, code, stderr := runStubbed(t, args...)
		if code != cli.ExitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, cli.ExitUsage)
		}
		if got.storms != nil || got.request != nil {
			t.Errorf("%q: the command ran", args)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "report: ") || !strings.Contains(stderr, wantErr) {
			t.Errorf("%q: stderr %q, want one line containing %q", args, stderr, wantErr)
		}
	}
	f([]string{"retry-storms", "--min-retries", "0"}, "--min-retries must be between 1 and 100000, got 0")
	f([]string{"retry-storms", "--min-retries", "-3"}, "--min-retries must be between 1 and 100000, got -3")
	f([]string{"retry-storms", "--min-retries", "100001"}, "got 100001")
	f([]string{"retry-storms", "--min-retries", "five"}, `invalid argument "five" for "--min-retries"`)
	f([]string{"retry-storms", "--bogus"}, "unknown flag: --bogus")
	f([]string{"retry-storms", "acme"}, `report retry-storms takes no arguments, got "acme"`)
	f([]string{"retry-storms", "--since", "1h", "--from", "2026-03-01T00:00:00Z"}, "mutually exclusive")
	f([]string{"retry-storms", "--format", "xml"}, `unknown format "xml"`)
	f([]string{"request"}, "report request takes one request id, got 0 arguments")
	f([]string{"request", "a", "b"}, "report request takes one request id, got 2 arguments")
	f([]string{"request", " "}, "the request id is empty")
	f([]string{"request", "a", "--format", "csv"}, "--format csv does not fit one request")
	f([]string{"request", "a", "--since", "1h"}, "unknown flag: --since")
}

// The ground truth of testdata/retries.jsonl (see retryFixtureDB).
const retriesWindow = "--from=2026-03-01T00:00:00Z"

// retryFixtureDB returns the URL of a migrated database holding
// testdata/retries.jsonl, loaded twice through ingest, and the database.
// The file holds, from 2026-03-01T10:00:00.250Z:
//
//   - globex: 8 GETs of /v1/classes, 500 ms apart, all 429 with
//     Retry-After: 42 (header and body), one line duplicated — a storm,
//     ignored_retry_after and no_backoff;
//   - initech, at 10:05: a POST /v1/bookings without idempotency key, 5
//     times 504 (bodies logged separately a minute later) then 201, 1, 2,
//     4, 8, 16 s apart (+37 ms) — a storm, missing_idempotency_key;
//   - umbrella, at 10:10: the same POST with a key, 503 backing off 1.1,
//     2.05, 4.2, 8.1 s, then 201 — not a storm;
//   - acme, at 10:15: a POST with a key retried on 422 every second, 7
//     attempts — a storm, no_backoff and retried_non_retryable.
func retryFixtureDB(t *testing.T) (string, *chstore.DB) {
	t.Helper()
	ctx := context.Background()
	url, db := chtest.Migrated(t)
	path := filepath.Join("testdata", "retries.jsonl")
	for range 2 {
		st, err := ingest.Load(ctx, db, []string{path}, ingest.Config{})
		if err != nil {
			t.Fatal(err)
		}
		if st.Total.Rejected != 0 || st.Total.Access != 27 || st.Total.ErrorBodies != 5 {
			t.Fatalf("loaded %+v, want 27 access records and 5 error bodies", st.Total)
		}
	}
	return url, db
}

func TestRetryStormsRun(t *testing.T) {
	_, db := retryFixtureDB(t)
	open := checkedDB(func(context.Context) (*chstore.DB, error) { return db, nil })
	win := cli.Window{From: mar1, To: mar2}
	f := func(name string, tty bool, o RetryStormsOptions, want string) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			ios, _, out, errOut := cli.Test()
			ios.SetStdoutTTY(tty)
			o.IO, o.DB, o.Ctx = ios, open, context.Background()
			if o.MinRetries == 0 {
				o.MinRetries = 5
			}
			if err := retryStormsRun(&o); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if errOut.Len() > 0 {
				got += "stderr: " + errOut.String()
			}
			if got != want {
				t.Errorf("stdout =\n%s\nwant\n%s\nstderr %q", out, want, errOut)
			}
		})
	}
	f("on a terminal", true, RetryStormsOptions{Window: win, Format: cli.FormatTable}, ""+
		"PARTNER  CLIENT IP     ROUTE             START        ATTEMPTS  VIOLATIONS\n"+
		"globex   198.51.100.7  GET /v1/classes   03-01 10:00  8         ignored_retry_a…\n"+
		"acme     192.0.2.10    POST /v1/bookin…  03-01 10:15  7         no_backoff,retr…\n"+
		"initech  203.0.113.9   POST /v1/bookin…  03-01 10:05  6         missing_idempot…\n")
	f("wide on a terminal", true, RetryStormsOptions{Window: win, Format: cli.FormatWide}, ""+
		"PARTNER  CLIENT IP     METHOD  ROUTE         START           END             ATTEMPTS  RETRIES  MEDIAN GAP MS  VIOLATIONS                         FIRST REQUEST ID\n"+
		"globex   198.51.100.7  GET     /v1/classes   03-01 10:00:00  03-01 10:00:03  8         7        500            ignored_retry_after, no_backoff    globex-0\n"+
		"acme     192.0.2.10    POST    /v1/bookings  03-01 10:15:00  03-01 10:15:06  7         6        1,000          no_backoff, retried_non_retryable  acme-0\n"+
		"initech  203.0.113.9   POST    /v1/bookings  03-01 10:05:00  03-01 10:05:31  6         5        4,037          missing_idempotency_key            initech-0\n")
	f("limited on a terminal", true, RetryStormsOptions{Window: win, Format: cli.FormatWide, Limit: cli.Limit{N: 1, Given: true}}, ""+
		"PARTNER  CLIENT IP     METHOD  ROUTE        START           END             ATTEMPTS  RETRIES  MEDIAN GAP MS  VIOLATIONS                       FIRST REQUEST ID\n"+
		"globex   198.51.100.7  GET     /v1/classes  03-01 10:00:00  03-01 10:00:03  8         7        500            ignored_retry_after, no_backoff  globex-0\n"+
		"… 2 more rows (3 in all): --limit 0 shows them all\n")
	f("as CSV", false, RetryStormsOptions{Window: win, Format: cli.FormatCSV, Partner: "acme"}, ""+
		"partner,client_ip,method,route,start,end,attempts,retries,median_gap_ms,violations,first_request_id\n"+
		"acme,192.0.2.10,POST,/v1/bookings,2026-03-01T10:15:00.250Z,2026-03-01T10:15:06.250Z,7,6,1000,\"no_backoff,retried_non_retryable\",acme-0\n")
	f("as JSON", false, RetryStormsOptions{Window: win, Format: cli.FormatJSON, Partner: "initech"}, `[
  {
    "partner": "initech",
    "client_ip": "203.0.113.9",
    "method": "POST",
    "route": "/v1/bookings",
    "start": "2026-03-01T10:05:00.287Z",
    "end": "2026-03-01T10:05:31.472Z",
    "attempts": 6,
    "retries": 5,
    "median_gap_ms": 4037,
    "violations": [
      "missing_idempotency_key"
    ],
    "first_request_id": "initech-0"
  }
]
`)
	f("a higher threshold", false, RetryStormsOptions{Window: win, Format: cli.FormatTable, MinRetries: 7}, ""+
		"partner  client_ip     method  route        start                     attempts  violations\n"+
		"globex   198.51.100.7  GET     /v1/classes  2026-03-01T10:00:00.250Z  8         ignored_retry_after,no_backoff\n")
	empty := cli.Window{From: mar2, To: mar2.Add(time.Hour)}
	f("none on a terminal", true, RetryStormsOptions{Window: empty, Format: cli.FormatTable},
		"No retry storms between 2026-03-02T00:00:00Z and 2026-03-02T01:00:00Z. The data loaded spans 2026-03-01T10:00:00Z to 2026-03-01T10:15:06Z: try --from 2026-03-01 --to 2026-03-01.\n")
	f("none as JSON", true, RetryStormsOptions{Window: empty, Format: cli.FormatJSON}, "[]\n")
	f("none piped", false, RetryStormsOptions{Window: empty, Format: cli.FormatTable},
		"partner  client_ip  method  route  start  attempts  violations\n"+
			"stderr: report: no retry storms between 2026-03-02T00:00:00Z and 2026-03-02T01:00:00Z. The data loaded spans 2026-03-01T10:00:00Z to 2026-03-01T10:15:06Z: try --from 2026-03-01 --to 2026-03-01.\n")
}
