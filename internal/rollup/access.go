package rollup

import (
	"context"
	"slices"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
)

// AccessCounts splits the span [from, to) (the month before a report's
// window, whose requests quotas count) into whole days whose distinct
// requests by access record it returns per partner as logged, summed
// from what rollup_links recorded of each, and the spans left to count
// from the requests table (chquery.RateLimitMonth). A day's counts are
// used only where summing them is exact: the day lies whole in the span,
// is complete with its facts recorded (see the package doc), no request
// id of its access records is under two partners or has an access record
// on another day of the span. Days without rows, never rolled up, are
// left out. The counts of the returned days and the
// distinct requests of the spans then add up to the distinct requests of
// [from, to): no request is in two of them.
func AccessCounts(ctx context.Context, rd *chquery.Reader, from, to time.Time) (map[string]uint64, []chquery.Span, error) {
	from, to = from.UTC(), to.UTC()
	counts := map[string]uint64{}
	if !from.Before(to) {
		return counts, nil, nil
	}
	st, err := readState(ctx, rd)
	if err != nil {
		return nil, nil, err
	}
	var all []uint32
	for d := from.Truncate(24 * time.Hour); d.Before(to); d = d.AddDate(0, 0, 1) {
		all = append(all, dayOf(d))
	}
	var spans []chquery.Span
	add := func(f, t time.Time) {
		if n := len(spans); n > 0 && spans[n-1].To.Equal(f) {
			spans[n-1].To = t
			return
		}
		spans = append(spans, chquery.Span{From: f, To: t})
	}
	for d := from.Truncate(24 * time.Hour); d.Before(to); d = d.AddDate(0, 0, 1) {
		lo, hi := maxTime(d, from), minTime(d.AddDate(0, 0, 1), to)
		if st.empty(dayOf(d)) {
			continue
		}
		f := st.factsOf(dayOf(d))
		whole := lo.Equal(d) && hi.Equal(d.AddDate(0, 0, 1))
		if !whole || f == nil || !f.idsUnique || slices.ContainsFunc(f.accessLinked, func(e uint32) bool { return slices.Contains(all, e) }) {
			add(lo, hi)
			continue
		}
		for i, p := range f.partners {
			counts[p] += f.requests[i]
		}
	}
	return counts, spans, nil
}
