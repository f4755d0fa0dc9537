package rollup

import (
	"context"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
)

// CoverOf returns the part of the window [from, to) that the rollups
// answer for exactly: its whole hours on the days whose rollup is
// complete (see the package doc). It writes nothing. The zero Cover (read
// everything from the requests) comes back when no day qualifies.
func CoverOf(ctx context.Context, rd *chquery.Reader, from, to time.Time) (chquery.Cover, error) {
	c := chquery.Cover{From: ceilHour(from), To: to.UTC().Truncate(time.Hour)}
	if !c.From.Before(c.To) {
		return chquery.Cover{}, nil
	}
	var days []uint32
	for d := c.From.Truncate(24 * time.Hour); d.Before(c.To); d = d.AddDate(0, 0, 1) {
		days = append(days, dayOf(d))
	}
	st, err := readState(ctx, rd)
	if err != nil {
		return chquery.Cover{}, err
	}
	for _, d := range days {
		if st.isClean(d) {
			c.Days = append(c.Days, d)
		}
	}
	if len(c.Days) == 0 {
		return chquery.Cover{}, nil
	}
	return c, nil
}

// ceilHour returns the first whole hour at or after t (UTC).
func ceilHour(t time.Time) time.Time {
	h := t.UTC().Truncate(time.Hour)
	if h.Before(t) {
		h = h.Add(time.Hour)
	}
	return h
}
