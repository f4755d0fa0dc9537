package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/cli"
	"github.com/ratescope/ratescope/internal/clitest"
	"github.com/ratescope/ratescope/internal/ratelimit"
)

const (
	rlPlans   = "testdata/ratelimits/plans.yaml"
	rlBad     = "testdata/ratelimits/bad.yaml"
	rlOnlyIPs = "testdata/ratelimits/onlyip.yaml"
)

// The rate-limit fixture's window.
var (
	rlFrom = time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	rlTo   = rlFrom.Add(24 * time.Hour)
)

// rateLimitsDB returns the URL of a migrated database holding the
// rate-limit fixture, loaded twice, and the database. Against
// testdata/ratelimits/plans.yaml (10 per minute): acme sends 9 requests in
// a minute, one answered 429 (over); globex 8 (near, exactly 0.8); initech
// 2 (ok); client IP 203.0.113.7 sends 5 to /v1/users/me/contact/ (20 per 5
// minutes: ok, the busiest IP).
func rateLimitsDB(t *testing.T) (string, *chstore.DB) {
	t.Helper()
	ctx := context.Background()
	url, db := chtest.Migrated(t)
	b := chstore.NewRequestBatch(64)
	var r accesslog.Record
	n := 0
	add := func(at time.Time, partner, ip, path string, status uint16) {
		n++
		r.Reset()
		r.TimeMs = at.UnixMilli()
		r.RequestID = strconv.AppendInt([]byte("rl-"), int64(n), 10)
		r.Partner, r.ClientIP = []byte(partner), []byte(ip)
		r.Method, r.Path, r.Status = []byte("GET"), []byte(path), status
		b.Append(&r, chstore.KindAccess, nil, chstore.Meta{Source: "rl.log", Format: "jsonl"})
	}
	base := rlFrom.Add(10 * time.Hour)
	for i := range 9 {
		st := uint16(200)
		if i == 8 {
			st = 429
		}
		add(base.Add(time.Duration(i)*time.Second), "k-acme", "", "/v1/offers", st)
	}
	for i := range 8 {
		add(base.Add(time.Duration(i)*time.Second), "k-globex", "", "/v1/offers", 200)
	}
	for i := range 2 {
		add(base.Add(time.Duration(i)*time.Second), "k-initech", "", "/v1/offers", 200)
	}
	for i := range 5 {
		add(base.Add(time.Duration(i)*time.Second), "", "203.0.113.7", "/v1/users/me/contact/email", 200)
	}
	for range 2 {
		if err := db.InsertRequests(ctx, b, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return url, db
}

// runRateLimitsStubbed runs `report rate-limits args…` with the logic
// replaced by a stub, returning the options it received (nil if it did not run).
func runRateLimitsStubbed(t *testing.T, args ...string) (*RateLimitsOptions, int, string) {
	t.Helper()
	got, code, stderr := runStubbed(t, append([]string{"rate-limits"}, args...)...)
	return got.rateLimits, code, stderr
}

func TestRateLimitsFlags(t *testing.T) {
	f := func(args []string, wantWarn float64, wantWindow cli.Window) {
		t.Helper()
		o, code, stderr := runRateLimitsStubbed(t, args...)
		if code != cli.ExitOK || o == nil {
			t.Fatalf("%q: exit %d, stderr %q", args, code, stderr)
		}
		if o.Warn != wantWarn || o.Window != wantWindow || o.PlansFile != rlPlans {
			t.Errorf("%q: warn %v window %v plans %q; want %v %v %q", args, o.Warn, o.Window, o.PlansFile, wantWarn, wantWindow, rlPlans)
		}
		if o.Plans == nil || len(o.Plans.Partners) != 3 || o.Ctx == nil || o.DB == nil || o.IO == nil {
			t.Errorf("%q: options not wired: %+v", args, o)
		}
	}
	day := cli.Window{From: fakeNow.Add(-24 * time.Hour), To: fakeNow}
	f([]string{"--plans", rlPlans}, 0, day)
	f([]string{"--plans", rlPlans, "--warn", "0.7", "--since", "7d"}, 0.7, cli.Window{From: fakeNow.Add(-7 * 24 * time.Hour), To: fakeNow})
	f([]string{"--plans=" + rlPlans, "--warn=1", "--format", "json"}, 1, day)
}

// TestRateLimitsFlagErrors checks usage errors (exit 2) and plans-file
// failures (exit 1): one line each, and nothing runs.
func TestRateLimitsFlagErrors(t *testing.T) {
	f := func(args []string, wantCode int, wantErr string) {
		t.Helper()
		o, code, stderr := runRateLimitsStubbed(t, args...)
		if code != wantCode || o != nil {
			t.Errorf("%q: exit %d (ran: %v), want %d", args, code, o != nil, wantCode)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "report: ") || !strings.Contains(stderr, wantErr) {
			t.Errorf("%q: stderr %q, want one line containing %q", args, stderr, wantErr)
		}
	}
	f(nil, cli.ExitUsage, "no rate-limit plans: no configuration file was found; give --plans FILE or add plans and partners to ratescope.yaml")
	f([]string{"--plans"}, cli.ExitUsage, "flag needs an argument: --plans")
	f([]string{"--plans", rlPlans, "--warn", "0"}, cli.ExitUsage, "--warn 0: want a level above 0 and at most 1")
	f([]string{"--plans", rlPlans, "--warn", "1.5"}, cli.ExitUsage, "--warn 1.5: want a level above 0 and at most 1")
	f([]string{"--plans", rlPlans, "--warn", "high"}, cli.ExitUsage, `invalid argument "high" for "--warn"`)
	f([]string{"--plans", rlPlans, "acme"}, cli.ExitUsage, `report rate-limits takes no arguments, got "acme"`)
	f([]string{"--plans", rlPlans, "--from", "2026-03-02T00:00:00Z", "--to", "2026-03-01T00:00:00Z"}, cli.ExitUsage, "window is empty")
	f([]string{"--plans", rlBad}, cli.ExitFailure, `testdata/ratelimits/bad.yaml:6: partner "acme": unknown plan "premium" (plans: basic)`)
	f([]string{"--plans", "testdata/ratelimits"}, cli.ExitFailure, "plans file testdata/ratelimits is a directory")
	f([]string{"--plans", "testdata/ratelimits/nope.yaml"}, cli.ExitFailure, "plans file testdata/ratelimits/nope.yaml does not exist")
}

func TestRateLimitsRun(t *testing.T) {
	_, db := rateLimitsDB(t)
	open := checkedDB(func(context.Context) (*chstore.DB, error) { return db, nil })
	plans, err := ratelimit.LoadPlans(rlPlans)
	if err != nil {
		t.Fatal(err)
	}
	onlyIPs, err := ratelimit.LoadPlans(rlOnlyIPs)
	if err != nil {
		t.Fatal(err)
	}
	win := cli.Window{From: rlFrom, To: rlTo}
	f := func(name string, tty, colour bool, format cli.Format, p *ratelimit.Plans, warn float64, want string) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			ios, _, out, errOut := cli.Test()
			ios.SetStdoutTTY(tty)
			ios.SetColorEnabled(colour)
			err := rateLimitsRun(&RateLimitsOptions{IO: ios, DB: open, Ctx: context.Background(), Window: win,
				Format: format, PlansFile: "plans.yaml", Plans: p, Warn: warn})
			if err != nil {
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
	f("piped", false, false, cli.FormatTable, plans, 0, ""+
		"partner      limit        measure  peak  utilization  throttled  state\n"+
		"acme         minute       window   9     0.9000       1          over\n"+
		"globex       minute       window   8     0.8000       0          near\n"+
		"203.0.113.7  waf-contact  window   5     0.2500       0          ok\n"+
		"initech      minute       window   2     0.2000       0          ok\n")
	f("terminal", true, false, cli.FormatTable, plans, 0, ""+
		"PARTNER      LIMIT        MEASURE  PEAK  UTILIZATION  THROTTLED  STATE\n"+
		"acme         minute       window   9     90.0%        1          over\n"+
		"globex       minute       window   8     80.0%        0          near\n"+
		"203.0.113.7  waf-contact  window   5     25.0%        0          ok\n"+
		"initech      minute       window   2     20.0%        0          ok\n")
	f("terminal, colour", true, true, cli.FormatTable, plans, 0, ""+
		"\x1b[1mPARTNER      LIMIT        MEASURE  PEAK  UTILIZATION  THROTTLED  STATE\x1b[0m\n"+
		"acme         minute       window   9     90.0%        1          \x1b[31mover\x1b[0m\n"+
		"globex       minute       window   8     80.0%        0          \x1b[33mnear\x1b[0m\n"+
		"203.0.113.7  waf-contact  window   5     25.0%        0          \x1b[32mok\x1b[0m\n"+
		"initech      minute       window   2     20.0%        0          \x1b[32mok\x1b[0m\n")
	f("--warn 0.85", false, false, cli.FormatCSV, plans, 0.85, ""+
		"partner,limit,kind,measure,peak,utilization,throttled,projected_from_days,exhausts_at,peak_trend_per_day,throttles_by,state\n"+
		"acme,minute,window,window,9,0.9,1,,,,,over\n"+
		"globex,minute,window,window,8,0.8,0,,,,,ok\n"+
		"203.0.113.7,waf-contact,ip_window,window,5,0.25,0,,,,,ok\n"+
		"initech,minute,window,window,2,0.2,0,,,,,ok\n")
	f("JSON", true, true, cli.FormatJSON, plans, 0, `[
  {
    "partner": "acme",
    "limit": "minute",
    "utilization": 0.9,
    "throttled": 1,
    "state": "over",
    "kind": "window",
    "measure": "window",
    "peak": 9
  },
  {
    "partner": "globex",
    "limit": "minute",
    "utilization": 0.8,
    "throttled": 0,
    "state": "near",
    "kind": "window",
    "measure": "window",
    "peak": 8
  },
  {
    "partner": "203.0.113.7",
    "limit": "waf-contact",
    "utilization": 0.25,
    "throttled": 0,
    "state": "ok",
    "kind": "ip_window",
    "measure": "window",
    "peak": 5
  },
  {
    "partner": "initech",
    "limit": "minute",
    "utilization": 0.2,
    "throttled": 0,
    "state": "ok",
    "kind": "window",
    "measure": "window",
    "peak": 2
  }
]
`)
	f("nothing to show, JSON", false, false, cli.FormatJSON, onlyIPs, 0, "[]\n")
	f("nothing to show, piped", false, false, cli.FormatTable, onlyIPs, 0, "partner  limit  measure  peak  utilization  throttled  state\n"+
		"stderr: report: no per-IP traffic and no partners of plans.yaml between 2026-03-10T00:00:00Z and 2026-03-11T00:00:00Z.\n")
	f("nothing to show, terminal", true, false, cli.FormatTable, onlyIPs, 0,
		"No per-IP traffic and no partners of plans.yaml between 2026-03-10T00:00:00Z and 2026-03-11T00:00:00Z.\n")
}

func TestColourStates(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := string(colourStates([]byte(in))); got != want {
			t.Errorf("colourStates(%q) = %q, want %q", in, got, want)
		}
	}
	f("", "")
	f("STATE\n", "STATE\n")
	f("H  STATE\nx  over\ny  near\nz  ok", "H  STATE\nx  \x1b[31mover\x1b[0m\ny  \x1b[33mnear\x1b[0m\nz  \x1b[32mok\x1b[0m")
	f("H\nx  okay\nok\n", "H\nx  okay\n\x1b[32mok\x1b[0m\n")
}

// TestRateLimitsBinary runs the real binary: exit statuses, one-line
// errors, and the JSON contract.
func TestRateLimitsBinary(t *testing.T) {
	bin := clitest.Build(t, "report")
	url, _ := rateLimitsDB(t)
	fails := func(name string, wantCode int, wantErr string, args ...string) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			clitest.WantOneLineError(t, clitest.Run(t, bin, append([]string{"rate-limits"}, args...)...), "report", wantCode, wantErr)
		})
	}
	fails("missing --plans", 2, "no rate-limit plans: no configuration file was found", "--clickhouse", url)
	fails("bad --warn", 2, "--warn 2: want a level above 0 and at most 1", "--plans", rlPlans, "--warn", "2")
	fails("invalid plans file", 1, `testdata/ratelimits/bad.yaml:6: partner "acme": unknown plan "premium"`, "--plans", rlBad, "--clickhouse", url)
	fails("plans file is a directory", 1, "plans file testdata is a directory", "--plans", "testdata")
	fails("endless plans file", 1, "plans file /dev/zero is larger than 8 MiB", "--plans", "/dev/zero")
	fails("unreachable ClickHouse", 1, "cannot reach ClickHouse at 127.0.0.1:1", "--plans", rlPlans)

	t.Run("JSON", func(t *testing.T) {
		r := clitest.Run(t, bin, "rate-limits", "--plans", rlPlans, "--clickhouse", url, "--format", "json",
			"--from", rlFrom.Format(time.RFC3339), "--to", rlTo.Format(time.RFC3339))
		if r.Code != 0 || r.Stderr != "" {
			t.Fatalf("exit %d, stderr %q", r.Code, r.Stderr)
		}
		var got []map[string]any
		if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
			t.Fatalf("stdout is not a JSON array: %v\n%s", err, r.Stdout)
		}
		want := []map[string]any{
			{"partner": "acme", "limit": "minute", "utilization": 0.9, "throttled": 1.0, "state": "over", "kind": "window", "measure": "window", "peak": 9.0},
			{"partner": "globex", "limit": "minute", "utilization": 0.8, "throttled": 0.0, "state": "near", "kind": "window", "measure": "window", "peak": 8.0},
			{"partner": "203.0.113.7", "limit": "waf-contact", "utilization": 0.25, "throttled": 0.0, "state": "ok", "kind": "ip_window", "measure": "window", "peak": 5.0},
			{"partner": "initech", "limit": "minute", "utilization": 0.2, "throttled": 0.0, "state": "ok", "kind": "window", "measure": "window", "peak": 2.0},
		}
		if len(got) != len(want) {
			t.Fatalf("%d rows, want %d:\n%s", len(got), len(want), r.Stdout)
		}
		for i := range want {
			if len(got[i]) != len(want[i]) {
				t.Errorf("row %d: fields %v, want %v", i, keys(got[i]), keys(want[i]))
			}
			for k, w := range want[i] {
				if got[i][k] != w {
					t.Errorf("row %d: %s = %#v, want %#v", i, k, got[i][k], w)
				}
			}
		}
	})
	t.Run("help", func(t *testing.T) {
		r := clitest.Run(t, bin, "rate-limits", "--help")
		if r.Code != 0 || r.Stderr != "" || !strings.Contains(r.Stdout, "Examples:") || !strings.Contains(r.Stdout, "--plans FILE") {
			t.Errorf("exit %d, stderr %q, stdout:\n%s", r.Code, r.Stderr, r.Stdout)
		}
	})
}
