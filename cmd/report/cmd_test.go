package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/cli"
	"github.com/ratescope/ratescope/internal/report"
)

// fakeNow is the clock of the flag tests.
var fakeNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// captured is what the commands' runF stubs received.
type captured struct {
	summary    *SummaryOptions
	errors     *ErrorsOptions
	storms     *RetryStormsOptions
	rateLimits *RateLimitsOptions
	request    *RequestOptions
}

// runStubbed runs `report args…` through cli.Main with the commands' logic
// replaced by stubs that record their options.
func runStubbed(t *testing.T, args ...string) (got captured, code int, stderr string) {
	t.Helper()
	ios, _, _, errOut := cli.Test()
	f := cli.NewFactory(ios)
	f.Now = func() time.Time { return fakeNow }
	root := &cobra.Command{Use: "report"}
	cli.AddClickHouseFlag(root, f)
	root.AddCommand(
		NewCmdSummary(f, func(o *SummaryOptions) error { got.summary = o; return nil }),
		NewCmdErrors(f, func(o *ErrorsOptions) error { got.errors = o; return nil }),
		NewCmdRetryStorms(f, func(o *RetryStormsOptions) error { got.storms = o; return nil }),
		NewCmdRateLimits(f, func(o *RateLimitsOptions) error { got.rateLimits = o; return nil }),
		NewCmdRequest(f, func(o *RequestOptions) error { got.request = o; return nil }),
	)
	root.SetArgs(args)
	code = cli.Main("report", root, ios)
	if err := f.Close(); err != nil {
		t.Error(err)
	}
	return got, code, errOut.String()
}

func TestSummaryFlags(t *testing.T) {
	mar1 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f := func(args []string, want cli.Window, wantFormat cli.Format) {
		t.Helper()
		got, code, stderr := runStubbed(t, append([]string{"summary"}, args...)...)
		if code != cli.ExitOK || got.summary == nil {
			t.Fatalf("%q: exit %d, stderr %q, run called: %v", args, code, stderr, got.summary != nil)
		}
		o := got.summary
		if o.Window != want || o.Format != wantFormat {
			t.Errorf("%q: window %v, format %q; want %v, %q", args, o.Window, o.Format, want, wantFormat)
		}
		if o.Ctx == nil || o.IO == nil || o.DB == nil {
			t.Errorf("%q: options not wired: %+v", args, o)
		}
	}
	f(nil, cli.Window{From: fakeNow.Add(-24 * time.Hour), To: fakeNow}, cli.FormatTable)
	f([]string{"--since", "7d", "--format", "json"}, cli.Window{From: fakeNow.Add(-7 * 24 * time.Hour), To: fakeNow}, cli.FormatJSON)
	f([]string{"--from", "2026-03-01T00:00:00Z", "--to", "2026-03-02T00:00:00Z", "--format", "csv"},
		cli.Window{From: mar1, To: mar1.Add(24 * time.Hour)}, cli.FormatCSV)
	f([]string{"--clickhouse", "clickhouse://127.0.0.1:1/x"}, cli.Window{From: fakeNow.Add(-24 * time.Hour), To: fakeNow}, cli.FormatTable)
}

func TestErrorsFlags(t *testing.T) {
	f := func(args []string, wantBy []report.Key, wantPartner string) {
		t.Helper()
		got, code, stderr := runStubbed(t, append([]string{"errors"}, args...)...)
		if code != cli.ExitOK || got.errors == nil {
			t.Fatalf("%q: exit %d, stderr %q", args, code, stderr)
		}
		o := got.errors
		if !slices.Equal(o.By, wantBy) || o.Partner != wantPartner {
			t.Errorf("%q: by %v partner %q; want %v %q", args, o.By, o.Partner, wantBy, wantPartner)
		}
		if want := (cli.Window{From: fakeNow.Add(-24 * time.Hour), To: fakeNow}); o.Window != want {
			t.Errorf("%q: window %v, want %v", args, o.Window, want)
		}
	}
	f(nil, []report.Key{report.KeyCode, report.KeyStatus}, "")
	f([]string{"--by", "partner"}, []report.Key{report.KeyPartner}, "")
	f([]string{"--by", "route,code", "--partner", "acme"}, []report.Key{report.KeyRoute, report.KeyCode}, "acme")
	f([]string{"--by", "status", "--by", "partner"}, []report.Key{report.KeyStatus, report.KeyPartner}, "")
	f([]string{"--by=Code,STATUS"}, []report.Key{report.KeyCode, report.KeyStatus}, "")
}

// TestFlagErrors checks that bad flags are usage errors (exit 2), reported
// on one line, before anything runs.
func TestFlagErrors(t *testing.T) {
	f := func(args []string, wantErr string) {
		t.Helper()
		got, code, stderr := runStubbed(t, args...)
		if code != cli.ExitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, cli.ExitUsage)
		}
		if got.summary != nil || got.errors != nil {
			t.Errorf("%q: the command ran", args)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "report: ") || !strings.Contains(stderr, wantErr) {
			t.Errorf("%q: stderr %q, want one line containing %q", args, stderr, wantErr)
		}
	}
	f([]string{"errors", "--by", "codes"}, `--by: unknown key "codes": want one or more of code, status, partner, route`)
	f([]string{"errors", "--by", "code,code"}, `--by: key "code" given twice`)
	f([]string{"errors", "--by", ""}, `--by: no key given`)
	f([]string{"errors", "--since", "1h", "--from", "2026-03-01T00:00:00Z"}, "--since and --from are mutually exclusive")
	f([]string{"summary", "--since", "1h", "--from", "2026-03-01T00:00:00Z"}, "--since and --from are mutually exclusive")
	f([]string{"summary", "--from", "1 March"}, `bad time "1 March": want a date (2026-03-01) or RFC 3339`)
	f([]string{"errors", "--to", "tomorrow"}, `bad time "tomorrow"`)
	f([]string{"summary", "--from", "2026-03-02T00:00:00Z", "--to", "2026-03-01T00:00:00Z"}, "window is empty")
	f([]string{"summary", "--since", "3 days"}, `bad duration "3 days"`)
	f([]string{"summary", "--format", "yaml"}, `unknown format "yaml"`)
	f([]string{"summary", "--by", "code"}, "unknown flag: --by")
	f([]string{"summary", "acme"}, `report summary takes no arguments, got "acme"`)
	f([]string{"errors", "--partner"}, "flag needs an argument: --partner")
}
