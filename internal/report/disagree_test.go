package report

import (
	"context"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/rollup"
)

// TestSummaryDisagreeingStatus: a request whose access lines disagree on
// the status has one status, its latest access line's (chquery's
// assembly rule), and counts once in that class — from the rows, through
// the rollups, loaded once or twice.
func TestSummaryDisagreeingStatus(t *testing.T) {
	ctx := context.Background()
	db := chtest.MigratedDB(t)
	day := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	at := day.Add(10 * time.Hour)
	access := func(id string, t time.Time, status uint16) chtest.Request {
		return chtest.Request{ID: id, Time: t, Method: "GET", Path: "/v1/x", Route: "/v1/x", Status: status, Partner: "p"}
	}
	rows := chtest.NewRows().
		Add(access("server-then-client", at, 500)).Add(access("server-then-client", at.Add(2*time.Second), 404)).
		Add(access("client-then-server", at, 404)).Add(access("client-then-server", at.Add(3*time.Second), 503)).
		Add(access("ok-then-throttled", at, 200)).Add(access("ok-then-throttled", at.Add(time.Second), 429)).
		Add(access("throttled-then-ok", at, 429)).Add(access("throttled-then-ok", at.Add(time.Second), 200)).
		Add(access("plain", at, 200))
	want := Summary{Requests: 5, Errors: 3, ClientErrors: 2, ServerErrors: 1, Throttled: 1}
	check := func(name string, s Summary) {
		t.Helper()
		if s.Requests != want.Requests || s.Errors != want.Errors || s.ClientErrors != want.ClientErrors ||
			s.ServerErrors != want.ServerErrors || s.Throttled != want.Throttled {
			t.Errorf("%s: requests %d, errors %d, 4xx %d, 5xx %d, 429 %d; want %d, %d, %d, %d, %d", name,
				s.Requests, s.Errors, s.ClientErrors, s.ServerErrors, s.Throttled,
				want.Requests, want.Errors, want.ClientErrors, want.ServerErrors, want.Throttled)
		}
	}
	rd := chquery.New(db)
	for round := range 2 {
		rows.Insert(t, db, time.Now())
		raw, err := SummarizeRaw(ctx, rd, day, day.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		check("from the rows", raw)
		if _, err := rollup.Refresh(ctx, db); err != nil {
			t.Fatal(err)
		}
		kept, err := Summarize(ctx, rd, day, day.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		check("through the rollups", kept)
		// A window cutting the hour: its rows around the rollups' hours.
		edge, err := Summarize(ctx, rd, at.Add(-30*time.Minute), day.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		check("through the rollups, from mid-hour", edge)
		_ = round
	}
}
