package chtest

import (
	"context"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
)

// TestRows stores rows through the builder and reads back the columns a
// mistake in the mapping would get wrong: kind, absent numbers (-1),
// given numbers, the body's columns, defaults, and the copies a second
// Insert makes.
func TestRows(t *testing.T) {
	db := MigratedDB(t)
	ctx := context.Background()
	for _, table := range []string{"requests", "rejected"} { // keep the copies apart
		if err := db.Conn.Exec(ctx, "SYSTEM STOP MERGES "+db.Table(table)); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 3, 1, 10, 0, 0, 123e6, time.UTC)
	f := NewRows().
		Add(Request{ID: "a", Time: at, Method: "POST", Path: "/p?x=1", Route: "/p", Status: 429, Partner: "acme",
			RetryAfter: Ptr(int32(7)), RateLimitLimit: Ptr(int64(100)), RateLimitRemaining: Ptr(int64(0))}).
		Add(Request{ID: "a", Time: at.Add(time.Second), Kind: chstore.KindErrorBody, Status: 429,
			Body: Body("error_object", "rate_limited", 429), Source: "errors.log", Offset: 9}).
		Reject(Rejected{Time: at, Offset: 3})
	f.Insert(t, db, at)
	f.Insert(t, db, at)

	type row struct {
		kind                 uint8
		timeMs               int64
		retryAfter           int32
		rlLimit, rlRemaining int64
		latency              float32
		errShape, errCode    string
		errStatus            uint16
		source, format       string
		offset               uint64
		method, path, route  string
	}
	rows, err := db.Conn.Query(ctx, "SELECT kind, time_ms, retry_after, rl_limit, rl_remaining, latency_ms, err_shape, err_code,"+
		" err_status, source, format, `offset`, method, path, route FROM "+db.Table("requests")+" ORDER BY kind, ingested_at")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.kind, &r.timeMs, &r.retryAfter, &r.rlLimit, &r.rlRemaining, &r.latency, &r.errShape, &r.errCode,
			&r.errStatus, &r.source, &r.format, &r.offset, &r.method, &r.path, &r.route); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	access := row{1, at.UnixMilli(), 7, 100, 0, -1, "", "", 0, "fixture.log", "jsonl", 0, "POST", "/p?x=1", "/p"}
	body := row{2, at.Add(time.Second).UnixMilli(), -1, -1, -1, -1, "error_object", "rate_limited", 429, "errors.log", "jsonl", 9, "", "", ""}
	want := []row{access, access, body, body}
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	var rejected uint64
	if err := db.Conn.QueryRow(ctx, "SELECT count() FROM "+db.Table("rejected")+" WHERE reason = 'bad_json' AND `offset` = 3").Scan(&rejected); err != nil {
		t.Fatal(err)
	}
	if rejected != 2 {
		t.Errorf("rejected rows = %d, want 2 (one per Insert)", rejected)
	}
}
