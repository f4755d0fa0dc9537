package ratelimit

import (
	"context"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/rollup"
)

// TestMonthCountsFromRollupFacts: the month before a window counts each
// partner's distinct requests. Whole days are summed from the counts the
// rollup refresh recorded of them, the rest read from the requests; the
// sum must equal the distinct count over the rows, also where a request
// id repeats on two days of the month, or under two keys of one partner
// on one day, or is a copy of a row, and those days must be read from
// the rows.
func TestMonthCountsFromRollupFacts(t *testing.T) {
	plans, err := ParsePlans("month.yaml", []byte(`plans:
  q:
    - {name: monthly, quota: 1000}
partners:
  - {name: acme, plan: q, keys: [k1, k2]}
  - {name: other, plan: q}
`))
	if err != nil {
		t.Fatal(err)
	}
	d := func(day, h int) time.Time { return time.Date(2026, 3, day, h, 0, 0, 0, time.UTC) }
	var rows []fx
	req := func(at time.Time, id, partner string) {
		rows = append(rows, fx{at: at, id: id, partner: partner, ip: "192.0.2.1", method: "GET", path: "/v1/x", status: 200})
	}
	req(d(1, 1), "a1", "k1") // day 1: plain, a1 copied below
	req(d(1, 1), "a1", "k1")
	req(d(1, 2), "a2", "k2")
	req(d(1, 3), "o1", "other")
	req(d(2, 1), "b1", "k1") // day 2: b1 under both keys of acme
	req(d(2, 2), "b1", "k2")
	req(d(3, 1), "c1", "k1") // days 3 and 4: c1 on both
	req(d(4, 1), "c1", "k1")
	req(d(4, 2), "c2", "other")
	req(d(5, 23), "e1", "k1") // day 5: a body for it on day 6 (not an access record)
	rows = append(rows, fx{at: d(6, 0).Add(2 * time.Minute), id: "e1", body: true, status: 500})
	req(d(6, 5), "f1", "k2")
	req(d(10, 12), "w1", "k1") // the window's day
	db := chtest.MigratedDB(t)
	insert(t, db, rows)
	ctx := context.Background()
	rd := chquery.New(db)
	q := Query{From: d(10, 0), To: d(11, 0)}
	quota := func() map[string]uint64 {
		t.Helper()
		got, err := Compute(ctx, rd, plans, q)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]uint64{}
		for _, r := range got {
			out[r.Partner] = r.Peak
		}
		return out
	}
	// acme: a1, a2, b1, c1, e1, f1 before the window, w1 in it; other:
	// o1, c2.
	want := map[string]uint64{"acme": 7, "other": 2}
	before := quota()
	if before["acme"] != want["acme"] || before["other"] != want["other"] {
		t.Fatalf("from the rows: month requests %v, want %v", before, want)
	}
	if _, err := rollup.Refresh(ctx, db); err != nil {
		t.Fatal(err)
	}
	counts, spans, err := rollup.AccessCounts(ctx, rd, d(1, 0), d(10, 0))
	if err != nil {
		t.Fatal(err)
	}
	// Days 1, 5 and 6 (and the empty days) are summed; 2, 3 and 4 read.
	wantSpans := []chquery.Span{{From: d(2, 0), To: d(5, 0)}}
	if len(spans) != 1 || spans[0] != wantSpans[0] || counts["k1"] != 2 || counts["k2"] != 2 || counts["other"] != 1 {
		t.Errorf("summed %v and left %v to the rows; want k1 2, k2 2, other 1 and %v", counts, spans, wantSpans)
	}
	if after := quota(); after["acme"] != want["acme"] || after["other"] != want["other"] {
		t.Errorf("summed from the rollup facts: month requests %v, want %v", after, want)
	}
	// A window starting mid-day reads that day's part from the rows.
	if counts, spans, err = rollup.AccessCounts(ctx, rd, d(1, 0), d(1, 2)); err != nil || len(counts) != 0 || len(spans) != 1 {
		t.Errorf("part of a day: summed %v, left %v (%v); want it all left to the rows", counts, spans, err)
	}
}
