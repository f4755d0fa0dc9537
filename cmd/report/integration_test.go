package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/cli"
	"github.com/ratescope/ratescope/internal/report"
)

// The fixture's window.
var (
	mar1 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	mar2 = mar1.Add(24 * time.Hour)
)

// fixtureRow is a row of the requests table (the columns reports read).
type fixtureRow struct {
	at                                    time.Time
	id                                    string
	kind                                  uint8
	route                                 string
	status                                uint16
	partner, errorType, errShape, errCode string
}

// The fixture, in the window unless said otherwise: 5 requests, 4 errors
// (3 client errors, 2 of them 429, 1 server error), 2 partners, and 1
// rejected line. Error codes: rate_limit_exceeded/429 (acme, 1),
// THROTTLED/429 (acme, 1), invalid/400 (globex, 1), internal/500 (globex, 1).
var fixtureRows = []fixtureRow{
	{mar1.Add(time.Hour), "r1", 1, "/v1/bookings/{id}", 429, "acme", "", "", ""},
	{mar1.Add(time.Hour + time.Second), "r1", 2, "", 429, "", "", "error_object", "rate_limit_exceeded"},
	{mar1.Add(2 * time.Hour), "r2", 1, "/v1/users", 429, "acme", "THROTTLED", "", ""},
	{mar1.Add(3 * time.Hour), "r3", 1, "/v1/users", 500, "globex", "", "", ""},
	{mar2.Add(time.Minute), "r3", 2, "", 500, "", "", "error_object", "internal"}, // logged after the window
	{mar1.Add(4 * time.Hour), "r4", 1, "/v1/users", 200, "acme", "", "", ""},
	{mar1.Add(5 * time.Hour), "r5", 1, "/v1/users", 400, "globex", "", "error_string", "invalid"},
	{mar1.Add(-time.Hour), "r0", 1, "/v1/users", 503, "acme", "", "", ""}, // before the window
}

// loadedDB returns the URL of a migrated database holding the fixture
// (loaded twice, as a re-ingested file would be) and the database.
func loadedDB(t *testing.T) (string, *chstore.DB) {
	t.Helper()
	url, db := chtest.Migrated(t)
	f := chtest.NewRows()
	for _, r := range fixtureRows {
		q := chtest.Request{ID: r.id, Time: r.at, Kind: chstore.Kind(r.kind), Method: "GET", Route: r.route,
			Status: r.status, Partner: r.partner, ErrorType: r.errorType}
		if r.errShape != "" {
			q.Body = chtest.Body(r.errShape, r.errCode, 0)
		}
		f.Add(q)
	}
	f.Reject(chtest.Rejected{Time: mar1.Add(time.Hour), Offset: 42})
	for range 2 {
		f.Insert(t, db, mar2)
	}
	return url, db
}

func TestRunTables(t *testing.T) {
	_, db := loadedDB(t)
	open := checkedDB(func(context.Context) (*chstore.DB, error) { return db, nil })
	win := cli.Window{From: mar1, To: mar2}
	f := func(name string, tty bool, run func(ios *cli.IOStreams) error, want string) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			ios, _, out, errOut := cli.Test()
			ios.SetStdoutTTY(tty)
			if err := run(ios); err != nil {
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
	summary := func(format cli.Format) func(*cli.IOStreams) error {
		return func(ios *cli.IOStreams) error {
			return summaryRun(&SummaryOptions{IO: ios, DB: open, Ctx: context.Background(), Window: win, Format: format})
		}
	}
	errs := func(format cli.Format, w cli.Window, partner string, by ...report.Key) func(*cli.IOStreams) error {
		return func(ios *cli.IOStreams) error {
			return errorsRun(&ErrorsOptions{IO: ios, DB: open, Ctx: context.Background(), Window: w, Format: format, By: by, Partner: partner})
		}
	}
	f("summary on a terminal", true, summary(cli.FormatTable), ""+
		"FROM            2026-03-01 00:00:00 UTC\n"+
		"TO              2026-03-02 00:00:00 UTC\n"+
		"REQUESTS        5\n"+
		"ERRORS          4\n"+
		"ERROR RATE      80.0%\n"+
		"CLIENT ERRORS   3\n"+
		"SERVER ERRORS   1\n"+
		"THROTTLED       2\n"+
		"PARTNERS        2\n"+
		"REJECTED LINES  1\n")
	f("summary piped", false, summary(cli.FormatTable), ""+
		"from            2026-03-01T00:00:00Z\n"+
		"to              2026-03-02T00:00:00Z\n"+
		"requests        5\n"+
		"errors          4\n"+
		"error_rate      0.8000\n"+
		"client_errors   3\n"+
		"server_errors   1\n"+
		"throttled       2\n"+
		"partners        2\n"+
		"rejected_lines  1\n")
	f("summary as CSV", true, summary(cli.FormatCSV), ""+
		"from,to,requests,errors,error_rate,client_errors,server_errors,throttled,partners,rejected_lines\n"+
		"2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,5,4,0.8,3,1,2,2,1\n")
	f("errors on a terminal", true, errs(cli.FormatTable, win, "", report.KeyCode, report.KeyStatus), ""+
		"CODE                 STATUS  COUNT  SHARE\n"+
		"THROTTLED            429     1      25.0%\n"+
		"internal             500     1      25.0%\n"+
		"invalid              400     1      25.0%\n"+
		"rate_limit_exceeded  429     1      25.0%\n")
	f("errors by partner piped", false, errs(cli.FormatTable, win, "", report.KeyPartner), ""+
		"partner  count  share\n"+
		"acme     2      0.5000\n"+
		"globex   2      0.5000\n")
	f("errors of one partner as CSV", false, errs(cli.FormatCSV, win, "globex", report.KeyStatus, report.KeyRoute), ""+
		"status,route,count,share\n"+
		"400,/v1/users,1,0.5\n"+
		"500,/v1/users,1,0.5\n")
	empty := cli.Window{From: mar2.Add(time.Hour), To: mar2.Add(2 * time.Hour)}
	f("no errors on a terminal", true, errs(cli.FormatTable, empty, "", report.KeyCode),
		"No error requests between 2026-03-02T01:00:00Z and 2026-03-02T02:00:00Z. The data loaded spans 2026-02-28T23:00:00Z to 2026-03-01T05:00:00Z: try --from 2026-02-28 --to 2026-03-01.\n")
	f("no errors piped", false, errs(cli.FormatTable, empty, "", report.KeyCode), "code  count  share\n"+
		"stderr: report: no error requests between 2026-03-02T01:00:00Z and 2026-03-02T02:00:00Z. The data loaded spans 2026-02-28T23:00:00Z to 2026-03-01T05:00:00Z: try --from 2026-02-28 --to 2026-03-01.\n")
	f("no errors as JSON", true, errs(cli.FormatJSON, empty, "", report.KeyCode), "[]\n")
}

// TestRunChecksSchema checks that reports refuse a database without the
// schema before querying it.
func TestRunChecksSchema(t *testing.T) {
	ctx := context.Background()
	db, err := chstore.Open(ctx, chtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	open := checkedDB(func(context.Context) (*chstore.DB, error) { return db, nil })
	ios, _, out, _ := cli.Test()
	win := cli.Window{From: mar1, To: mar2}
	for name, run := range map[string]func() error{
		"summary": func() error {
			return summaryRun(&SummaryOptions{IO: ios, DB: open, Ctx: ctx, Window: win, Format: cli.FormatJSON})
		},
		"errors": func() error {
			return errorsRun(&ErrorsOptions{IO: ios, DB: open, Ctx: ctx, Window: win, Format: cli.FormatJSON, By: report.DefaultKeys()})
		},
	} {
		err := run()
		if !errors.Is(err, chstore.ErrNoSchema) || !strings.Contains(err.Error(), db.Name) {
			t.Errorf("%s on an empty database: %v, want ErrNoSchema naming %s", name, err, db.Name)
		}
	}
	if out.Len() > 0 {
		t.Errorf("printed %q", out)
	}
}
