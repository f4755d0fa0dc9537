package chstore_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
)

// activeParts counts table's active parts and their rows.
func activeParts(t *testing.T, db *chstore.DB, table string) (parts, rows uint64) {
	t.Helper()
	err := db.Conn.QueryRow(testContext(t), "SELECT count(), sum(rows) FROM system.parts "+
		"WHERE database = ? AND table = ? AND active", db.Name, table).Scan(&parts, &rows)
	if err != nil {
		t.Fatal(err)
	}
	return parts, rows
}

// TestStreamRoundTrip: rows sent through a stream, a batch at a time, a
// block a row, with the INSERT widened three times, are stored exactly as
// InsertRequests stores them; the rows of the open INSERT only at Close.
func TestStreamRoundTrip(t *testing.T) {
	db := chtest.MigratedDB(t)
	db.SetInsertBlockRows(1) // a block per row: an INSERT of many blocks
	ctx := testContext(t)
	batches, want := sampleBatches(true) // a batch a row
	s := db.NewStream()
	// Last to first, each row sends a column the ones before did not (the
	// bare record a path, the full one a partner…): the INSERT is ended
	// and opened again, wider, three times.
	for _, b := range slices.Backward(batches) {
		if err := s.AppendRequests(ctx, b, ingestedAt); err != nil {
			t.Fatal(err)
		}
	}
	if s.Rows() == 0 {
		t.Fatal("Rows() = 0 after appends")
	}
	// The three INSERTs ended by widening are stored; the last one's row
	// waits for Close.
	if n := queryUint(t, db, "SELECT count() FROM "+db.Table("requests")); n != uint64(len(batches)-1) {
		t.Errorf("%d rows stored before Close, want %d (the INSERTs ended to widen it)", n, len(batches)-1)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.Rows() != 0 {
		t.Errorf("Rows() = %d after Close", s.Rows())
	}
	compareRows(t, readRequests(t, db), want)
}

// TestStreamOnePartPerClose: thousands of rows in 40 batches and ~200
// blocks make one part per Close (the server gathers an INSERT's blocks),
// where InsertRequests would have made 40.
func TestStreamOnePartPerClose(t *testing.T) {
	db := chtest.MigratedDB(t)
	db.SetInsertBlockRows(100)
	ctx := testContext(t)
	s := db.NewStream()
	const batches, perBatch = 40, 500
	n := 0
	for close := range 2 {
		for range batches / 2 {
			b := chstore.NewRequestBatch(perBatch)
			for range perBatch {
				r := absentRecord()
				r.TimeMs = logged.UnixMilli() + int64(n)
				r.RequestID = fmt.Appendf(nil, "r-%d", n)
				r.Method, r.Status = []byte("GET"), 200
				b.Append(&r, chstore.KindAccess, nil, chstore.Meta{Source: "a.log", Offset: uint64(n)})
				n++
			}
			if err := s.AppendRequests(ctx, b, ingestedAt); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if parts, rows := activeParts(t, db, "requests"); parts != uint64(close+1) || rows != uint64(n) {
			t.Errorf("after Close %d: %d parts of %d rows, want %d parts of %d", close+1, parts, rows, close+1, n)
		}
	}
	if got, want := queryUint(t, db, "SELECT sum(offset) FROM "+db.Table("requests")), uint64(n)*uint64(n-1)/2; got != want {
		t.Errorf("sum(offset) = %d, want %d: rows lost or repeated", got, want)
	}
}

// TestStreamManyDays: a stream never makes an INSERT touch more than 100
// days (current ClickHouse refuses more partitions per insert block, and
// the server gathers a whole INSERT into one block): across batches it
// ends its INSERT and opens another, and a batch of more days on its own
// goes through InsertRequests.
func TestStreamManyDays(t *testing.T) {
	db := chtest.MigratedDB(t)
	ctx := testContext(t)
	start := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	s := db.NewStream()
	n, offsets := 0, uint64(0)
	add := func(b *chstore.RequestBatch, day int) {
		r := absentRecord()
		r.TimeMs = start.AddDate(0, 0, day).UnixMilli() + int64(n)
		r.RequestID = fmt.Appendf(nil, "r-%d", n)
		b.Append(&r, chstore.KindAccess, nil, chstore.Meta{Source: "backfill.log", Offset: uint64(n)})
		offsets += uint64(n)
		n++
	}
	// 11 batches of 10 days each (110 days), then one batch of 101 days.
	for i := range 11 {
		b := chstore.NewRequestBatch(10)
		for d := range 10 {
			add(b, i*10+d)
		}
		if err := s.AppendRequests(ctx, b, ingestedAt); err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	big := chstore.NewRequestBatch(101)
	for d := range 101 {
		add(big, 200+d)
	}
	if err := s.AppendRequests(ctx, big, ingestedAt); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	tbl := db.Table("requests")
	for q, want := range map[string]uint64{
		"SELECT count() FROM " + tbl:                                               uint64(n),
		"SELECT uniqExact(toDate(time)) FROM " + tbl:                               211,
		"SELECT sum(offset) FROM " + tbl:                                           offsets,
		"SELECT countIf(request_id != concat('r-', toString(offset))) FROM " + tbl: 0,
	} {
		if got := queryUint(t, db, q); got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
}

// TestStreamRejectsAndAbort: dead letters go through the stream's own
// INSERT; after Abort (what it sent may or may not be stored: 18.16 ends
// an INSERT whose client went away as if it had finished) the stream
// opens new INSERTs and stores what it is sent next.
func TestStreamRejectsAndAbort(t *testing.T) {
	db := chtest.MigratedDB(t)
	ctx := testContext(t)
	s := db.NewStream()
	rejs := chstore.NewRejectBatch(2)
	rejs.Append(chstore.Meta{Source: "a.log", Offset: 10, Line: 2, Format: "nginx"}, logged.UnixMilli(), "bad_request_line", []byte("GET /"))
	rejs.Append(chstore.Meta{Source: "a.log", Offset: 20, Line: 3, Format: "nginx"}, 0, "empty", nil)
	aborted := chstore.NewRejectBatch(1)
	aborted.Append(chstore.Meta{Source: "aborted.log", Offset: 1, Line: 1, Format: "nginx"}, 0, "empty", nil)
	reqs, want := sampleBatch()
	if err := s.AppendRejects(ctx, aborted, ingestedAt); err != nil {
		t.Fatal(err)
	}
	s.Abort()
	if s.Rows() != 0 {
		t.Errorf("Rows() = %d after Abort", s.Rows())
	}
	if err := s.AppendRejects(ctx, rejs, ingestedAt); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendRequests(ctx, reqs, ingestedAt); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var got []rejectRow
	for _, r := range readRejects(t, db) {
		if r.Source != "aborted.log" {
			got = append(got, r)
		}
	}
	compareRows(t, got, []rejectRow{
		{logged.Truncate(time.Second).UTC(), ingestedS, "a.log", 10, 2, "nginx", "bad_request_line", "GET /"},
		{ingestedS, ingestedS, "a.log", 20, 3, "nginx", "empty", ""},
	})
	compareRows(t, readRequests(t, db), want)
}

// TestStreamErrors: a stream into missing tables fails with the table
// named, as InsertRequests and InsertRejects do.
func TestStreamErrors(t *testing.T) {
	db := chtest.Open(t) // not migrated
	ctx := testContext(t)
	b, _ := sampleBatch()
	s := db.NewStream()
	if err := s.AppendRequests(ctx, b, ingestedAt); err == nil || !strings.HasPrefix(err.Error(), "insert requests: ") {
		t.Errorf("append to a missing table: err = %v, want one starting \"insert requests: \"", err)
	}
	rejs := chstore.NewRejectBatch(1)
	rejs.Append(chstore.Meta{Source: "a"}, 0, "r", []byte("x"))
	if err := s.AppendRejects(ctx, rejs, ingestedAt); err == nil || !strings.HasPrefix(err.Error(), "insert rejects: ") {
		t.Errorf("append to a missing table: err = %v, want one starting \"insert rejects: \"", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close after failed appends = %v, want nil (nothing open)", err)
	}
}
