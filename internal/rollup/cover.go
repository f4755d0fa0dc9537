package rollup

import (
	"context"
	"slices"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
)

// CoverOf returns the part of the window [from, to) that the rollups
// answer for exactly: its whole hours on the days whose rollup is
// complete (see the package doc). It writes nothing. No day qualifying,
// the Cover covers nothing (Empty: read everything from the requests).
//
// It also says where the rest of the window's requests have rows
// (Cover.Near): on the rest's days and the days linked to them, when
// every one of those days is complete with its links recorded, or holds
// no rows at all. Then the rest is read from those days' partitions
// only.
func CoverOf(ctx context.Context, rd *chquery.Reader, from, to time.Time) (chquery.Cover, error) {
	st, err := readState(ctx, rd)
	if err != nil {
		return chquery.Cover{}, err
	}
	c := chquery.Cover{From: ceilHour(from), To: to.UTC().Truncate(time.Hour)}
	covered := map[uint32]bool{}
	if c.From.Before(c.To) {
		for d := c.From.Truncate(24 * time.Hour); d.Before(c.To); d = d.AddDate(0, 0, 1) {
			if day := dayOf(d); st.isClean(day) {
				c.Days = append(c.Days, day)
				covered[day] = true
			}
		}
	}
	if len(c.Days) == 0 {
		c = chquery.Cover{}
	}
	c.Near, c.NearKnown = st.near(from, to, c, covered)
	return c, nil
}

// near returns the days holding the rows of the requests of [from, to)
// that c leaves to the requests table (its days, and their links), and
// whether they are known (see CoverOf).
func (s *state) near(from, to time.Time, c chquery.Cover, covered map[uint32]bool) ([]uint32, bool) {
	seen := map[uint32]bool{}
	for d := from.UTC().Truncate(24 * time.Hour); d.Before(to); d = d.AddDate(0, 0, 1) {
		day := dayOf(d)
		if covered[day] && !maxTime(d, from).Before(c.From) && !minTime(d.AddDate(0, 0, 1), to).After(c.To) {
			continue // all of the day's part of the window is covered
		}
		if s.empty(day) {
			continue // no rows, never had: nothing to read
		}
		f := s.factsOf(day)
		if f == nil {
			return nil, false
		}
		seen[day] = true
		for _, e := range f.linked {
			seen[e] = true
		}
	}
	near := make([]uint32, 0, len(seen))
	for d := range seen {
		near = append(near, d)
	}
	slices.Sort(near)
	return near, true
}

// empty reports whether day d holds no rows and never had a rollup.
func (s *state) empty(d uint32) bool {
	_, rows := s.rows[d]
	_, checked := s.checks[d]
	return !rows && !checked
}

// ceilHour returns the first whole hour at or after t (UTC).
func ceilHour(t time.Time) time.Time {
	h := t.UTC().Truncate(time.Hour)
	if h.Before(t) {
		h = h.Add(time.Hour)
	}
	return h
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
