package chstore_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
)

// TestInsertCompressions: a batch sent with each block compression
// arrives whole: the same rows, text and all, whatever the wire carried.
func TestInsertCompressions(t *testing.T) {
	u, _ := chtest.Migrated(t)
	const rows = 3*chstore.InsertBlockRows + 7
	batch, _ := benchBatch(rows)
	for i, compress := range []string{"none", "lz4", "zstd", "auto"} {
		t.Run(compress, func(t *testing.T) {
			cu, err := url.Parse(u)
			if err != nil {
				t.Fatal(err)
			}
			cu.RawQuery = "compress=" + compress
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			db, err := chstore.Open(ctx, cu.String())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ingested := time.Date(2026, 3, 2, 0, 0, i, 0, time.UTC)
			if err := db.InsertRequests(ctx, batch, ingested); err != nil {
				t.Fatal(err)
			}
			var n, textLen, offsets uint64
			err = db.Conn.QueryRow(ctx, "SELECT count(), sum(length(request_id) + length(path) + length(user_agent) + length(err_raw)), sum(offset) FROM "+
				db.Table("requests")+" WHERE ingested_at = ?", ingested).Scan(&n, &textLen, &offsets)
			if err != nil {
				t.Fatal(err)
			}
			var wantText uint64
			for j := range rows {
				wantText += 32 + uint64(len(pathOf(j))) + uint64(len(benchUA))
				if j%10 == 0 {
					wantText += uint64(len(benchRaw))
				}
			}
			if n != rows || textLen != wantText || offsets != 300*uint64(rows)*uint64(rows-1)/2 {
				t.Errorf("compress=%s: %d rows, %d bytes of text, offsets summing to %d; want %d, %d, %d",
					compress, n, textLen, offsets, rows, wantText, 300*uint64(rows)*uint64(rows-1)/2)
			}
		})
	}
}
