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
func FirstRequest(ctx context.Context, rd *chquery.Reader, from, to time.Time) (time.Time, error) {
	var first time.Time
	var n uint64
	if err := rd.QueryRow(ctx, rd.Tables().FirstRequest(from, to)).Scan(&first, &n); err != nil {
		return time.Time{}, fmt.Errorf("first request: %w", err)
	}
	if n == 0 {
		return time.Time{}, nil
	}
	return first.UTC(), nil
}
