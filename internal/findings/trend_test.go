package findings

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/ratelimit"
)

func mar(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }

func TestFit(t *testing.T) {
	f := func(name string, peaks []float64, wantPer float64, wantBy time.Time, wantOK bool) {
		t.Helper()
		days := make([]time.Time, len(peaks))
		for i := range peaks {
			days[i] = mar(1 + i)
		}
		tr, ok := Fit(days, peaks)
		if ok != wantOK {
			t.Fatalf("%s: ok %v, want %v", name, ok, wantOK)
		}
		if !ok {
			return
		}
		if math.Abs(tr.PerDay-wantPer) > 1e-9 {
			t.Errorf("%s: %v per day, want %v", name, tr.PerDay, wantPer)
		}
		switch {
		case wantBy.IsZero() && tr.ThrottlesBy != nil:
			t.Errorf("%s: throttles by %s, want never", name, tr.ThrottlesBy)
		case !wantBy.IsZero() && (tr.ThrottlesBy == nil || !tr.ThrottlesBy.Equal(wantBy)):
			t.Errorf("%s: throttles by %v, want %s", name, tr.ThrottlesBy, wantBy)
		}
	}
	// 0.5 … 0.9 over March 1–5: +0.1 a day, 1.0 on March 6.
	f("rising", []float64{0.5, 0.6, 0.7, 0.8, 0.9}, 0.1, mar(6), true)
	// +0.05 a day from 0.6 on March 3: 8 days to go, March 11.
	f("slowly rising", []float64{0.5, 0.55, 0.6}, 0.05, mar(11), true)
	f("falling", []float64{0.9, 0.8, 0.7}, -0.1, time.Time{}, true)
	f("flat", []float64{0.4, 0.4, 0.4, 0.4}, 0, time.Time{}, true)
	f("already over", []float64{0.9, 1.1, 1.3}, 0.2, time.Time{}, true)
	f("too few days", []float64{0.5, 0.9}, 0, time.Time{}, false)
}

// TestTrends keeps a week of per-minute rate-limit rows of one partner
// whose daily peak rises by 0.1 a day, and requires the trend and the day
// it reaches 1 in the rows report rate-limits prints.
func TestTrends(t *testing.T) {
	ctx := context.Background()
	db := chtest.MigratedDB(t)
	for d := range 5 {
		var rows []ratelimit.Row
		for _, u := range []float64{0.2, 0.5 + 0.1*float64(d), 0.3} {
			rows = append(rows, ratelimit.Row{Partner: "acme", Limit: "sustained", Kind: ratelimit.KindTokenBucket, Utilization: u, State: ratelimit.StateOK})
		}
		for i, r := range rows {
			to := mar(1 + d).Add(time.Duration(10+i) * time.Hour)
			if err := writeLimits(ctx, db, []ratelimit.Row{r}, to.Add(-time.Hour), to, to); err != nil {
				t.Fatal(err)
			}
		}
	}
	trends, err := Trends(ctx, chquery.New(db), mar(5).Add(20*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := trends[[2]string{"acme", "sustained"}]
	if !ok || math.Abs(tr.PerDay-0.1) > 1e-9 || tr.ThrottlesBy == nil || !tr.ThrottlesBy.Equal(mar(6)) {
		t.Fatalf("trend %+v (found %v), want +0.1 a day reaching 1 on March 6", tr, ok)
	}
	rows := []ratelimit.Row{{Partner: "acme", Limit: "sustained"}, {Partner: "other", Limit: "sustained"}}
	AddTrends(rows, trends)
	if rows[0].PeakTrend == nil || rows[0].ThrottlesBy == nil || rows[1].PeakTrend != nil {
		t.Errorf("rows after AddTrends: %+v", rows)
	}
}
