package ratelimit

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chtest"
)

// The scenario window: one day, ending mid-month (15 of March's 31 days
// elapsed at its end).
var (
	day    = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	dayEnd = day.Add(24 * time.Hour)
)

func at(h, m, s int) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
}

// scenarios returns the fixture of testdata/scenarios.yaml and the rows the
// report must find, each computed by hand from the scenario.
func scenarios() ([]fx, []Row) {
	var g gen
	// steady: 17/s for 2 minutes against 20/s, burst 40. Sustained
	// 17×60 / (60×20) = 0.85; burst: 17 of 40 tokens a second, 0.425.
	g.steady(at(1, 0, 0), 120, 17, "k-steady", "GET", "/v1/offers")
	// bursty: 36 requests 1 ms apart every 30 s, ten times. Burst, at
	// millisecond precision: the 35 ms of the burst refill 0.7 tokens, so
	// the level bottoms at 40 − 36 + 0.7 = 4.7, (40 − 4.7) / 40 = 0.8825;
	// sustained: two bursts a minute, 72 / 1200.
	for b := range 10 {
		for i := range 36 {
			g.add(at(2, 0, 30*b).Add(time.Duration(i)*time.Millisecond), "k-bursty", "", "GET", "/v1/offers", 200)
		}
	}
	// flood: 30/s for a minute, ten of them throttled. Sustained 1800 /
	// 1200 = 1.5; the bucket runs 10 short a second (burst 1.25).
	for s := range 60 {
		for i := range 30 {
			r := g.add(at(3, 0, s).Add(time.Duration(i)*time.Millisecond), "k-flood", "", "GET", "/v1/offers", 200)
			if i == 29 && s%6 == 0 {
				r.status, r.errorType = 429, "THROTTLED"
			}
		}
	}
	// acme: two key ids, 9/s each, one partner: 18/s → 0.9 sustained.
	g.steady(at(4, 0, 0), 60, 9, "k-acme01", "GET", "/v1/offers")
	g.steady(at(4, 0, 0), 60, 9, "k-acme02", "POST", "/v1/bookings")
	// k-solo: logged under its own name, 2/s: 120 / 1200 = 0.1.
	g.steady(at(5, 0, 0), 60, 2, "k-solo", "GET", "/v1/offers")
	// mcpuser: 3 MCP requests against a rate-0 limit (all answered 429),
	// and 5/s elsewhere, which the catch-all bucket counts: 300 / 1200.
	for i, p := range []string{"/v1/mcp/tools", "/v1/mcp/tools?x=1", "/v1/mcp/call"} {
		g.add(at(6, 0, i), "k-mcp", "", "POST", p, 429)
	}
	g.steady(at(6, 1, 0), 60, 5, "k-mcp", "GET", "/v1/search")
	// edge-rate: 8/s against 10/s: exactly 480 / 600 = 0.8, the warn level.
	g.steady(at(7, 0, 0), 60, 8, "k-edge-rate", "GET", "/v1/offers")
	// moov: 9 token requests within 60 s but split 5 + 4 across minutes
	// (one with a query string): AuthPolicy 0.9. The rest is ApiPolicy's:
	// a GET of the token path, a POST to another path, and 30 GETs; its
	// busiest minute holds 31 → 31/60.
	for i := range 5 {
		g.add(at(8, 0, 40+i), "k-moov", "", "POST", "/api/v1/auth/token", 200)
	}
	for i := range 4 {
		p := "/api/v1/auth/token"
		if i == 0 {
			p += "?grant_type=client_credentials"
		}
		g.add(at(8, 1, 10+i), "k-moov", "", "POST", p, 200)
	}
	g.add(at(8, 0, 45), "k-moov", "", "GET", "/api/v1/auth/token", 200)
	g.add(at(8, 2, 0), "k-moov", "", "POST", "/api/v1/auth/tokens", 200)
	for i := range 30 {
		g.add(at(8, 2, i), "k-moov", "", "GET", "/api/v1/bookings/1", 200)
	}
	// moov2: one token request of three answered 429: AuthPolicy over;
	// ApiPolicy (2 other requests) untouched.
	for i := range 3 {
		st := uint16(200)
		if i == 2 {
			st = 429
		}
		g.add(at(9, 0, i), "k-moov2", "", "POST", "/api/v1/auth/token", st)
	}
	g.add(at(9, 0, 10), "k-moov2", "", "GET", "/api/v1/users", 200)
	g.add(at(9, 0, 11), "k-moov2", "", "GET", "/api/v1/users", 200)
	// headers: 10 requests (1/6 of ApiPolicy) whose X-RateLimit-Remaining
	// falls to 3 of 60: 1 − 3/60 = 0.95. One lacks Remaining.
	for i := range 10 {
		r := g.add(at(10, 0, i), "k-headers", "", "GET", "/api/v1/users", 200)
		r.hasHeaders, r.rlLimit, r.rlRemaining = true, 60, int64(50-i*5-2*(i/9))
	}
	g.add(at(10, 0, 20), "k-headers", "", "GET", "/api/v1/users", 200).hasHeaders = true // limit 60, remaining absent
	g.rows[len(g.rows)-1].rlLimit, g.rows[len(g.rows)-1].rlRemaining = 60, -1
	// edge8 and edge7: 8 and 7 requests in a minute against 10.
	g.steady(at(11, 0, 0), 8, 1, "k-edge8", "GET", "/v1/offers")
	g.steady(at(11, 0, 0), 7, 1, "k-edge7", "GET", "/v1/offers")
	// quota-big and quota-small: 300 requests on March 5, 200 today, 50
	// in February (another month): 500 so far, 15 of 31 days elapsed:
	// projected 500 × 31/15 = 1033.3 of 1000 (over) and of 2000.
	for _, p := range []string{"k-qbig", "k-qsmall"} {
		g.steady(time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC), 300, 1, p, "GET", "/v1/offers")
		g.steady(time.Date(2026, 2, 28, 10, 0, 0, 0, time.UTC), 50, 1, p, "GET", "/v1/offers")
	}
	g.steady(at(12, 0, 0), 200, 1, "k-qbig", "GET", "/v1/offers")
	g.steady(at(13, 0, 0), 200, 1, "k-qsmall", "GET", "/v1/offers")
	// quota-hit: 10 requests; a QUOTA_EXCEEDED 429, a 429 whose separately
	// logged body says quota_exceeded, and a THROTTLED 429 (the bucket's).
	for i := range 10 {
		r := g.add(at(14, 0, i), "k-qhit", "", "GET", "/v1/offers", 200)
		switch i {
		case 3:
			r.status, r.errorType = 429, "QUOTA_EXCEEDED"
		case 4:
			r.status = 429
		case 5:
			r.status, r.errorType = 429, "THROTTLED"
		}
	}
	g.rows = append(g.rows, fx{at: at(14, 0, 4).Add(300 * time.Millisecond), id: g.rows[len(g.rows)-6].id, body: true, status: 429, errCode: "quota_exceeded"})
	// Per-IP windows on /v1/users/me/contact/ (20 per 5 min), from
	// partners the plans file does not list.
	for i := range 19 { // every 12 s: all 19 within 5 minutes → 0.95
		g.add(at(15, 0, 12*i), "k-unlisted", "198.51.100.1", "POST", "/v1/users/me/contact/email", 200)
	}
	for i := range 50 { // other paths do not count
		g.add(at(15, 0, i), "k-unlisted", "198.51.100.1", "GET", "/v1/bookings/1", 200)
	}
	for i := range 25 { // every 24 s: at most 13 in any 5 minutes → 0.65;
		// a 429 is the partner's throttling, not the WAF's: still ok.
		r := g.add(at(15, 0, 24*i), "k-unlisted", "198.51.100.2", "POST", "/v1/users/me/contact/phone", 200)
		if i == 3 {
			r.status, r.errorType = 429, "THROTTLED"
		}
	}
	for i := range 5 { // one blocked by the WAF: over
		r := g.add(at(15, 1, i), "", "198.51.100.3", "POST", "/v1/users/me/contact/email", 200)
		if i == 4 {
			r.status, r.errorType = 403, "WAF_FILTERED"
		}
	}
	for i := range 30 { // not the prefix
		g.add(at(15, 2, i), "", "198.51.100.4", "POST", "/v1/users/me/contactX", 200)
	}
	for i := range 10 { // waf-mcp: the busiest IP, ok
		g.add(at(15, 3, i), "", "198.51.100.5", "GET", "/v1/mcp", 200)
	}
	for i := range 4 {
		g.add(at(15, 3, i), "", "198.51.100.6", "GET", "/v1/mcp/x", 200)
	}
	// Outside the window: the day before and the day after.
	g.steady(day.Add(-time.Minute), 30, 30, "k-steady", "GET", "/v1/offers")
	g.steady(dayEnd, 30, 30, "k-steady", "GET", "/v1/offers")

	bucket, window, quota, ip := KindTokenBucket, KindWindow, KindQuota, KindIPWindow
	want := []Row{
		{"mcpuser", "mcp", 3, 3, StateOver, bucket, MeasureBlocked, 3, 0, nil, nil, nil},
		{"flood", "sustained", 1.5, 10, StateOver, bucket, MeasureSustained, 1800, 0, nil, nil, nil},
		{"quota-big", "monthly", 1.033333, 0, StateOver, quota, MeasureQuota, 500, 15, nil, nil, nil},
		{"moov2", "AuthPolicy", 0.3, 1, StateOver, window, MeasureWindow, 3, 0, nil, nil, nil},
		{"198.51.100.3", "waf-contact", 0.25, 1, StateOver, ip, MeasureWindow, 5, 0, nil, nil, nil},
		{"quota-hit", "monthly", 0.020667, 2, StateOver, quota, MeasureQuota, 10, 15, nil, nil, nil},
		{"quota-hit", "rate", 0.005, 1, StateOver, bucket, MeasureBurst, 10, 0, nil, nil, nil},
		{"198.51.100.1", "waf-contact", 0.95, 0, StateNear, ip, MeasureWindow, 19, 0, nil, nil, nil},
		{"headers", "ApiPolicy", 0.95, 0, StateNear, window, MeasureHeaders, 11, 0, nil, nil, nil},
		{"acme", "sustained", 0.9, 0, StateNear, bucket, MeasureSustained, 1080, 0, nil, nil, nil},
		{"moov", "AuthPolicy", 0.9, 0, StateNear, window, MeasureWindow, 9, 0, nil, nil, nil},
		{"bursty", "sustained", 0.8825, 0, StateNear, bucket, MeasureBurst, 72, 0, nil, nil, nil},
		{"steady", "sustained", 0.85, 0, StateNear, bucket, MeasureSustained, 1020, 0, nil, nil, nil},
		{"edge-rate", "sustained", 0.8, 0, StateNear, bucket, MeasureSustained, 480, 0, nil, nil, nil},
		{"edge8", "minute", 0.8, 0, StateNear, window, MeasureWindow, 8, 0, nil, nil, nil},
		{"edge7", "minute", 0.7, 0, StateOK, window, MeasureWindow, 7, 0, nil, nil, nil},
		{"moov", "ApiPolicy", 0.516667, 0, StateOK, window, MeasureWindow, 31, 0, nil, nil, nil}, // ties: by partner
		{"quota-small", "monthly", 0.516667, 0, StateOK, quota, MeasureQuota, 500, 15, nil, nil, nil},
		{"mcpuser", "sustained", 0.25, 0, StateOK, bucket, MeasureSustained, 300, 0, nil, nil, nil},
		{"198.51.100.5", "waf-mcp", 0.1, 0, StateOK, ip, MeasureWindow, 10, 0, nil, nil, nil},
		{"k-solo", "sustained", 0.1, 0, StateOK, bucket, MeasureSustained, 120, 0, nil, nil, nil},
		{"moov2", "ApiPolicy", 0.033333, 0, StateOK, window, MeasureWindow, 2, 0, nil, nil, nil},
		{"quota-big", "rate", 0.01, 0, StateOK, bucket, MeasureSustained, 60, 0, nil, nil, nil},
		{"headers", "AuthPolicy", 0, 0, StateOK, window, MeasureWindow, 0, 0, nil, nil, nil},
		{"idle", "sustained", 0, 0, StateOK, bucket, MeasureSustained, 0, 0, nil, nil, nil},
	}
	return g.rows, want
}

func TestComputeScenarios(t *testing.T) {
	plans, err := LoadPlans("testdata/scenarios.yaml")
	if err != nil {
		t.Fatal(err)
	}
	db := chtest.MigratedDB(t)
	rows, want := scenarios()
	ctx := context.Background()
	insert(t, db, rows)
	q := Query{From: day, To: dayEnd}
	first, err := Compute(ctx, chquery.New(db), plans, q)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want []Row) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %d rows, want %d", name, len(got), len(want))
		}
		for i := range max(len(got), len(want)) {
			switch {
			case i >= len(got):
				t.Errorf("%s: row %d missing: want %+v", name, i, want[i])
			case i >= len(want):
				t.Errorf("%s: row %d extra: %+v", name, i, got[i])
			case !sameRow(got[i], want[i]):
				t.Errorf("%s: row %d\n got %+v\nwant %+v", name, i, got[i], want[i])
			}
		}
	}
	check("loaded once", first, want)
	for _, r := range first {
		if r.Kind == KindQuota && r.Utilization >= 1 && r.ExhaustsAt == nil {
			t.Errorf("%s %s: projected past its quota (%v) but no exhaustion date", r.Partner, r.Limit, r.Utilization)
		}
		if r.Kind != KindQuota && r.ExhaustsAt != nil {
			t.Errorf("%s %s: an exhaustion date for a %s", r.Partner, r.Limit, r.Kind)
		}
	}

	t.Run("loaded twice", func(t *testing.T) {
		insert(t, db, rows)
		again, err := Compute(ctx, chquery.New(db), plans, q)
		if err != nil {
			t.Fatal(err)
		}
		check("loaded twice", again, first)
	})

	// Quotas project from the data's own coverage, and a projection over
	// the quota from hours of data is "near", never "over".
	t.Run("coverage", func(t *testing.T) {
		find := func(rows []Row, partner string) Row {
			for _, r := range rows {
				if r.Partner == partner && r.Kind == KindQuota {
					return r
				}
			}
			t.Fatalf("no quota row for %s", partner)
			return Row{}
		}
		f := func(coverage time.Time, partner string, wantDays float64, wantState State) {
			t.Helper()
			got, err := Compute(ctx, chquery.New(db), plans, Query{From: day, To: dayEnd, Coverage: coverage})
			if err != nil {
				t.Fatal(err)
			}
			r := find(got, partner)
			if r.ProjectedFromDays != wantDays || r.State != wantState {
				t.Errorf("coverage %s, %s: projected from %v days, %s; want %v days, %s", coverage, partner, r.ProjectedFromDays, r.State, wantDays, wantState)
			}
		}
		f(time.Time{}, "quota-big", 15, StateOver)
		f(day, "quota-big", 1, StateOver)                        // a full day of data
		f(dayEnd.Add(-3*time.Hour), "quota-big", 0.1, StateNear) // three hours: no verdict
		f(dayEnd.Add(-3*time.Hour), "quota-hit", 0.1, StateOver) // quota rejections seen
		f(day.AddDate(0, -1, 0), "quota-small", 15, StateOK)     // before the month: the month's start
	})

	t.Run("warn override", func(t *testing.T) {
		got, err := Compute(ctx, chquery.New(db), plans, Query{From: day, To: dayEnd, Warn: 0.85})
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]State{}
		for _, r := range got {
			states[r.Partner+"/"+r.Limit] = r.State
		}
		for k, w := range map[string]State{
			"steady/sustained":    StateNear, // 0.85 ≥ 0.85
			"edge-rate/sustained": StateOK, "edge8/minute": StateOK,
			"flood/sustained": StateOver, "198.51.100.1/waf-contact": StateNear,
		} {
			if states[k] != w {
				t.Errorf("--warn 0.85: %s is %q, want %q", k, states[k], w)
			}
		}
	})

	// Broken down by minute, the rows fold back into the report's: over
	// the day, and over windows that start or end mid-traffic.
	t.Run("minutes fold into the rows", func(t *testing.T) {
		for _, w := range [][2]time.Time{{day, dayEnd}, {at(14, 0, 0), at(14, 3, 0)}, {at(12, 30, 0), dayEnd}} {
			rows, mins, err := ComputeMinutes(ctx, chquery.New(db), plans, Query{From: w[0], To: w[1]})
			if err != nil {
				t.Fatal(err)
			}
			plain, err := Compute(ctx, chquery.New(db), plans, Query{From: w[0], To: w[1]})
			if err != nil {
				t.Fatal(err)
			}
			check("rows of ComputeMinutes", rows, plain)
			if len(mins) == 0 {
				t.Fatalf("%s: no minutes", w)
			}
			measures := map[Measure]bool{}
			for _, m := range mins {
				measures[m.Measure] = true
				if m.Minute.Before(w[0].Truncate(time.Minute)) || !m.Minute.Before(w[1]) || m.Minute.Second() != 0 {
					t.Errorf("%s: minute %s outside the window", w, m.Minute)
				}
			}
			check(fmt.Sprintf("minutes of %s folded", w), Aggregate(mins), WithMinutes(rows))
			t.Logf("%s: %d rows, %d minutes, measures %v", w, len(rows), len(mins), measures)
		}
	})

	t.Run("window without traffic", func(t *testing.T) {
		// A week later, same month: nothing but the month's quota counts.
		from := time.Date(2026, 3, 22, 0, 0, 0, 0, time.UTC)
		got, err := Compute(ctx, chquery.New(db), plans, Query{From: from, To: from.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(plans.Partners)+6 { // six partners have two limits
			t.Errorf("%d rows, want one per partner limit", len(got))
		}
		for _, r := range got {
			switch {
			case r.Kind == KindIPWindow:
				t.Errorf("per-IP row without traffic: %+v", r)
			case r.Partner == "quota-big" && r.Limit == "monthly":
				// 500 so far in 21 days and 1 hour of 31 days: 500 × 744 / 505 = 736.6 of 1000.
				if r.Utilization != 0.736634 || r.Peak != 500 || r.State != StateOK {
					t.Errorf("quota-big monthly = %+v, want utilization 0.736634, ok", r)
				}
			case r.Kind != KindQuota && (r.Utilization != 0 || r.State != StateOK || r.Throttled != 0):
				t.Errorf("row without traffic: %+v", r)
			}
		}
	})
	if t.Failed() {
		for _, r := range first {
			t.Logf("%+v", r)
		}
	}
}

func TestComputeEmptyWindow(t *testing.T) {
	plans, err := LoadPlans("testdata/scenarios.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compute(context.Background(), nil, plans, Query{From: day, To: day})
	if err == nil || err.Error() != "rate limits: empty window 2026-03-15T00:00:00Z to 2026-03-15T00:00:00Z" {
		t.Errorf("empty window: %v", err)
	}
}

// sameRow compares rows, an exhaustion date by its value.
func sameRow(a, b Row) bool {
	ea, eb := a.ExhaustsAt, b.ExhaustsAt
	a.ExhaustsAt, b.ExhaustsAt = nil, nil
	if a.PeakTrend != nil || a.ThrottlesBy != nil {
		return false // Compute never sets them
	}
	if a != b {
		return false
	}
	if ea == nil || eb == nil {
		return (ea == nil) == (eb == nil) || eb == nil // a want without a date does not check it
	}
	return ea.Equal(*eb)
}
