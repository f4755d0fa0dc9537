package report

import (
	"context"
	"fmt"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
)

// Span is the time range of the access records loaded, whatever the
// window: what a report with nothing to show points the user to.
type Span struct {
	First, Last time.Time
	Requests    uint64 // access rows (not deduplicated): 0 means nothing is loaded
}

// DataSpan returns the span of all loaded access records.
func DataSpan(ctx context.Context, db *chstore.DB) (Span, error) {
	var s Span
	q := "SELECT min(time), max(time), count() FROM " + db.Table("requests") + " WHERE kind = 1"
	if err := db.Conn.QueryRow(ctx, q).Scan(&s.First, &s.Last, &s.Requests); err != nil {
		return Span{}, fmt.Errorf("time span of the data: %w", err)
	}
	s.First, s.Last = s.First.UTC(), s.Last.UTC()
	return s, nil
}

// FirstRequest returns the time of the first access record in [from, to),
// or the zero time when there is none: where the data of a month starts.
func FirstRequest(ctx context.Context, db *chstore.DB, from, to time.Time) (time.Time, error) {
	var first time.Time
	var n uint64
	q := "SELECT min(time), count() FROM " + db.Table("requests") + " WHERE kind = 1 AND time >= ? AND time < ?"
	if err := db.Conn.QueryRow(ctx, q, chstore.QueryTime(from), chstore.QueryTime(to)).Scan(&first, &n); err != nil {
		return time.Time{}, fmt.Errorf("first request: %w", err)
	}
	if n == 0 {
		return time.Time{}, nil
	}
	return first.UTC(), nil
}
