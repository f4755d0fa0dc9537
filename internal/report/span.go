package report

import (
	"context"
	"fmt"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
)

// Span is the time range of the access records loaded, whatever the
// window: what a report with nothing to show points the user to.
type Span struct {
	First, Last time.Time
	Requests    uint64 // access rows (not deduplicated): 0 means nothing is loaded
}

// DataSpan returns the span of all loaded access records.
func DataSpan(ctx context.Context, rd *chquery.Reader) (Span, error) {
	var s Span
	if err := rd.QueryRow(ctx, rd.Tables().DataSpan()).Scan(&s.First, &s.Last, &s.Requests); err != nil {
		return Span{}, fmt.Errorf("time span of the data: %w", err)
	}
	s.First, s.Last = s.First.UTC(), s.Last.UTC()
	return s, nil
}

// FirstRequest returns the time of the first access record in [from, to),
// or the zero time when there is none: where the data of a month starts.
// It reads a day's partition at a time, from the first day in the window
// that holds rows (system.parts), until one holds an access record of the
// window: one partition, mostly, not the month's.
func FirstRequest(ctx context.Context, rd *chquery.Reader, from, to time.Time) (time.Time, error) {
	rows, err := rd.Query(ctx, rd.Tables().RollupDays())
	if err != nil {
		return time.Time{}, fmt.Errorf("first request: %w", err)
	}
	var days []time.Time
	for rows.Next() {
		var (
			d uint32
			n uint64
		)
		if err := rows.Scan(&d, &n); err != nil {
			rows.Close()
			return time.Time{}, fmt.Errorf("first request: %w", err)
		}
		start := time.Date(int(d/10000), time.Month(d/100%100), int(d%100), 0, 0, 0, 0, time.UTC)
		if n > 0 && start.AddDate(0, 0, 1).After(from) && start.Before(to) {
			days = append(days, start)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return time.Time{}, fmt.Errorf("first request: %w", err)
	}
	for _, d := range days {
		var first time.Time
		var n uint64
		lo, hi := from, to
		if d.After(lo) {
			lo = d
		}
		if e := d.AddDate(0, 0, 1); e.Before(hi) {
			hi = e
		}
		if err := rd.QueryRow(ctx, rd.Tables().FirstRequest(lo, hi)).Scan(&first, &n); err != nil {
			return time.Time{}, fmt.Errorf("first request: %w", err)
		}
		if n > 0 {
			return first.UTC(), nil
		}
	}
	return time.Time{}, nil
}
