package findings

import (
	"context"
	"fmt"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/ratelimit"
)

// TrendDays is how many days of daily peaks a trend is fitted to.
const TrendDays = 7

// MinTrendDays is the fewest days with a peak a trend needs.
const MinTrendDays = 3

// Trend is the course of a limit's daily peak utilization.
type Trend struct {
	// PerDay is the slope of a least-squares line through the daily peaks:
	// utilization gained per day.
	PerDay float64
	// ThrottlesBy is the day the line reaches 1 (a throttled day), when it
	// rises and is below 1 on the last day; nil otherwise.
	ThrottlesBy *time.Time
}

// Fit fits a trend to daily peaks (peaks[i] on days[i], days sorted, UTC
// midnights); ok is false with fewer than MinTrendDays peaks.
func Fit(days []time.Time, peaks []float64) (Trend, bool) {
	n := len(days)
	if n < MinTrendDays || len(peaks) != n {
		return Trend{}, false
	}
	x := make([]float64, n)
	var sx, sy float64
	for i, d := range days {
		x[i] = d.Sub(days[0]).Hours() / 24
		sx += x[i]
		sy += peaks[i]
	}
	mx, my := sx/float64(n), sy/float64(n)
	var sxy, sxx float64
	for i := range x {
		sxy += (x[i] - mx) * (peaks[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
	}
	if sxx == 0 {
		return Trend{}, false
	}
	tr := Trend{PerDay: sxy / sxx}
	last := my + tr.PerDay*(x[n-1]-mx)
	if tr.PerDay > 0 && last < 1 {
		daysLeft := (1 - last) / tr.PerDay
		at := days[n-1].Add(time.Duration(daysLeft * 24 * float64(time.Hour))).Truncate(24 * time.Hour)
		if !at.After(days[n-1]) {
			at = days[n-1].Add(24 * time.Hour)
		}
		tr.ThrottlesBy = &at
	}
	return tr, true
}

// Trends fits a trend to each partner and limit's daily peaks over the
// TrendDays days before asOf's day, keyed by partner and limit name.
func Trends(ctx context.Context, rd *chquery.Reader, asOf time.Time) (map[[2]string]Trend, error) {
	to := asOf.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	rows, err := rd.Query(ctx, rd.Tables().FindingsDailyPeaks(to.AddDate(0, 0, -TrendDays), to))
	if err != nil {
		return nil, fmt.Errorf("read daily peaks: %w", err)
	}
	defer rows.Close()
	out := map[[2]string]Trend{}
	var (
		cur   [2]string
		days  []time.Time
		peaks []float64
	)
	flush := func() {
		if t, ok := Fit(days, peaks); ok {
			out[cur] = t
		}
		days, peaks = days[:0], peaks[:0]
	}
	for rows.Next() {
		var (
			k    [2]string
			d    uint32
			peak float64
		)
		if err := rows.Scan(&k[0], &k[1], &d, &peak); err != nil {
			return nil, fmt.Errorf("read daily peaks: %w", err)
		}
		if k != cur && len(days) > 0 {
			flush()
		}
		cur = k
		days = append(days, time.Date(int(d/10000), time.Month(d/100%100), int(d%100), 0, 0, 0, 0, time.UTC))
		peaks = append(peaks, peak)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read daily peaks: %w", err)
	}
	if len(days) > 0 {
		flush()
	}
	return out, nil
}

// AddTrends sets each row's trend fields from trends.
func AddTrends(rows []ratelimit.Row, trends map[[2]string]Trend) {
	for i := range rows {
		t, ok := trends[[2]string{rows[i].Partner, rows[i].Limit}]
		if !ok {
			continue
		}
		per := t.PerDay
		rows[i].PeakTrend = &per
		rows[i].ThrottlesBy = t.ThrottlesBy
	}
}
