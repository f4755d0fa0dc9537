package chstore

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// maxPartitionsPerInsert is how many partitions current ClickHouse lets one
// INSERT touch (max_partitions_per_insert_block, a setting 18.16 lacks and
// so is never sent). The requests table has one partition per day.
const maxPartitionsPerInsert = 100

const (
	secondsPerDay = 24 * 60 * 60
	// maxDateTimeMs is the last millisecond a DateTime holds (2106-02-07).
	maxDateTimeMs = math.MaxUint32*1000 + 999
)

// requestColumns maps the requests table's columns to a batch's slices, in
// the order of the INSERT's column list: values gives one block of a
// column, the batch's rows lo to hi (of rows[lo:hi] when rows is not nil).
// A text column's block is made from its spans into the batch's scratch,
// which the driver copies before the next column is asked for.
var requestColumns = [...]struct {
	name   string
	values func(b *RequestBatch, rows []int, lo, hi int) any
}{
	{"time", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.times, rows, lo, hi) }},
	{"time_ms", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.timesMs, rows, lo, hi) }},
	{"request_id", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.requestID, rows, lo, hi) }},
	{"kind", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.kind, rows, lo, hi) }},
	{"synthetic", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.synthetic, rows, lo, hi) }},
	{"method", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.method, rows, lo, hi) }},
	{"path", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.path, rows, lo, hi) }},
	{"route", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.route, rows, lo, hi) }},
	{"status", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.status, rows, lo, hi) }},
	{"partner", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.partner, rows, lo, hi) }},
	{"client_ip", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.clientIP, rows, lo, hi) }},
	{"latency_ms", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.latencyMs, rows, lo, hi) }},
	{"bytes_sent", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.bytesSent, rows, lo, hi) }},
	{"user_agent", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.userAgent, rows, lo, hi) }},
	{"idempotency_key", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.idempotencyKey, rows, lo, hi) }},
	{"retry_after", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.retryAfter, rows, lo, hi) }},
	{"rl_limit", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.rlLimit, rows, lo, hi) }},
	{"rl_remaining", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.rlRemaining, rows, lo, hi) }},
	{"rl_reset", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.rlReset, rows, lo, hi) }},
	{"error_type", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.errorType, rows, lo, hi) }},
	{"response_flags", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.responseFlags, rows, lo, hi) }},
	{"err_shape", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.errShape, rows, lo, hi) }},
	{"err_code", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.errCode, rows, lo, hi) }},
	{"err_message", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.errMessage, rows, lo, hi) }},
	{"err_details", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.errDetails, rows, lo, hi) }},
	{"err_field_names", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.errFieldNames, rows, lo, hi) }},
	{"err_field_messages", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.errFieldMessages, rows, lo, hi) }},
	{"err_retry_after", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.errRetryAfter, rows, lo, hi) }},
	{"err_status", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.errStatus, rows, lo, hi) }},
	{"err_raw", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.errRaw, rows, lo, hi) }},
	{"format", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.formatCol, rows, lo, hi) }},
	{"source", func(b *RequestBatch, rows []int, lo, hi int) any { return b.texts(b.sourceCol, rows, lo, hi) }},
	{"offset", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.offset, rows, lo, hi) }},
	{"ingested_at", func(b *RequestBatch, rows []int, lo, hi int) any { return pick(b.ingested, rows, lo, hi) }},
}

// sentColumns returns the names of the columns an insert of b sends and
// their indices in requestColumns. A text or array column whose every
// row is empty is left out: the server stores its default (” or []),
// which is what an empty value stores, and neither side spends time on
// a column of empty values (an access log without error bodies leaves
// ten of them so).
func (b *RequestBatch) sentColumns() ([]string, []int) {
	names := make([]string, 0, len(requestColumns))
	sent := make([]int, 0, len(requestColumns))
	for i, c := range requestColumns {
		if b.allEmpty(c.name) {
			continue
		}
		names = append(names, c.name)
		sent = append(sent, i)
	}
	return names, sent
}

// allEmpty reports whether column name is a text or array column (whose
// table default is ” or []) that is empty in every row of b.
func (b *RequestBatch) allEmpty(name string) bool {
	var col []span
	switch name {
	case "method":
		col = b.method
	case "path":
		col = b.path
	case "route":
		col = b.route
	case "partner":
		col = b.partner
	case "client_ip":
		col = b.clientIP
	case "user_agent":
		col = b.userAgent
	case "idempotency_key":
		col = b.idempotencyKey
	case "error_type":
		col = b.errorType
	case "response_flags":
		col = b.responseFlags
	case "err_shape":
		col = b.errShape
	case "err_code":
		col = b.errCode
	case "err_message":
		col = b.errMessage
	case "err_details":
		col = b.errDetails
	case "err_raw":
		col = b.errRaw
	case "err_field_names":
		return allNil(b.errFieldNames)
	case "err_field_messages":
		return allNil(b.errFieldMessages)
	default:
		return false
	}
	for _, sp := range col {
		if sp != 0 { // the zero span is the empty string
			return false
		}
	}
	return true
}

func allNil(rows [][]string) bool {
	for _, r := range rows {
		if len(r) > 0 {
			return false
		}
	}
	return true
}

// texts makes the strings of one block of a text column into b.scratch.
func (b *RequestBatch) texts(col []span, rows []int, lo, hi int) []string {
	b.scratch = b.text.strings(b.scratch, col, rows, lo, hi)
	return b.scratch
}

// rejectColumns maps the rejected table's columns to a batch's slices.
var rejectColumns = [...]struct {
	name   string
	values func(b *RejectBatch) any
}{
	{"time", func(b *RejectBatch) any { return b.timeCol }},
	{"ingested_at", func(b *RejectBatch) any { return b.ingested }},
	{"source", func(b *RejectBatch) any { return b.sourceCol }},
	{"offset", func(b *RejectBatch) any { return b.offset }},
	{"line", func(b *RejectBatch) any { return b.line }},
	{"format", func(b *RejectBatch) any { return b.formatCol }},
	{"reason", func(b *RejectBatch) any { return b.reason }},
	{"raw", func(b *RejectBatch) any { return b.raw }},
}

// InsertRequests writes the batch's rows to the requests table, stamping
// them with ingestedAt (which is also the time of rows that have none). A
// batch spanning more than 100 days goes in several inserts of at most 100
// days each, as current ClickHouse refuses more partitions per insert; if
// one of them fails, the earlier ones stay, and retrying the whole batch is
// safe (rows are keyed by request id and kind, and queries fold copies).
// The batch is left unchanged: Reset it after a successful insert. An empty
// batch is not sent.
func (db *DB) InsertRequests(ctx context.Context, b *RequestBatch, ingestedAt time.Time) error {
	if b.Len() == 0 {
		return nil
	}
	if err := b.resolveTimes(ingestedAt); err != nil {
		return fmt.Errorf("insert requests: %w", err)
	}
	names, sent := b.sentColumns()
	groups := groupByDay(b.days, maxPartitionsPerInsert)
	if groups == nil {
		groups = [][]int{nil} // one insert of every row
	}
	defer func() { clear(b.scratch) }() // hold no text after the insert
	for _, rows := range groups {
		n := b.Len()
		if rows != nil {
			n = len(rows)
		}
		column := func(i, lo, hi int) any { return requestColumns[sent[i]].values(b, rows, lo, hi) }
		if err := db.insertBlocks(ctx, "requests", names, n, column); err != nil {
			return fmt.Errorf("insert requests: %w", err)
		}
	}
	return nil
}

// InsertRejects writes the batch's rows to the rejected table, stamped with
// ingestedAt. The batch is left unchanged; an empty one is not sent.
func (db *DB) InsertRejects(ctx context.Context, b *RejectBatch, ingestedAt time.Time) error {
	s := db.NewStream() // one INSERT, ended at once
	if err := s.AppendRejects(ctx, b, ingestedAt); err != nil {
		return err
	}
	return s.Close()
}

// columns fills the batch's time and ingested_at columns (a dead letter
// without a usable time gets ingestedAt) and returns the rejected table's
// column names and whole columns, in rejectColumns' order.
func (b *RejectBatch) columns(ingestedAt time.Time) ([]string, []any, error) {
	if err := checkDateTime(ingestedAt); err != nil {
		return nil, nil, err
	}
	n := b.Len()
	b.ingested = fill(b.ingested, n, ingestedAt)
	b.timeCol = b.timeCol[:0]
	for _, ms := range b.timeMs {
		t := ingestedAt
		if ms >= 1 && ms <= maxDateTimeMs {
			t = time.UnixMilli(ms)
		}
		b.timeCol = append(b.timeCol, t.Truncate(time.Second).UTC())
	}
	names := make([]string, len(rejectColumns))
	values := make([]any, len(rejectColumns))
	for i, c := range rejectColumns {
		names[i], values[i] = c.name, c.values(b)
	}
	return names, values, nil
}

// sliceOf returns rows lo to hi of the slice column.
func sliceOf(column any, lo, hi int) any {
	return reflect.ValueOf(column).Slice(lo, hi).Interface()
}

// resolveTimes fills the batch's time, time_ms, day and ingested_at
// scratch columns: a row without a usable time gets ingestedAt.
func (b *RequestBatch) resolveTimes(ingestedAt time.Time) error {
	if err := checkDateTime(ingestedAt); err != nil {
		return err
	}
	n := b.Len()
	ingMs := ingestedAt.UnixMilli()
	b.times, b.timesMs, b.days = b.times[:0], b.timesMs[:0], b.days[:0]
	for _, ms := range b.timeMs {
		if ms < 1 || ms > maxDateTimeMs {
			ms = ingMs
		}
		sec := ms / 1000
		b.times = append(b.times, time.Unix(sec, 0).UTC())
		b.timesMs = append(b.timesMs, ms)
		b.days = append(b.days, uint32(sec/secondsPerDay))
	}
	b.ingested = fill(b.ingested, n, ingestedAt)
	return nil
}

// checkDateTime rejects a time a DateTime column cannot hold.
func checkDateTime(t time.Time) error {
	if ms := t.UnixMilli(); ms < 0 || ms > maxDateTimeMs {
		return fmt.Errorf("ingested-at time %s is outside 1970–2106", t.Format(time.RFC3339))
	}
	return nil
}

// insertBlockRows is how many rows go in one block of an INSERT. The
// driver's column buffers grow to one block and are reused for the next,
// but are made anew for every INSERT: a small block keeps that growth (and
// the memory it takes) small. 4096 rows cost the ingester least CPU per
// row of the sizes measured (2k–64k, BenchmarkInsertRequests: 64k rows
// took nearly twice the CPU of 4k); the server squashes the blocks of one
// INSERT before writing parts (min_insert_block_size_rows), so a smaller
// block adds no parts (TestInsertOnePartPerDay).
// For the daemon: at 16k rows the driver's buffers were ~14 MB of its
// ~45 MB live heap, at 4k ~3.5 MB.
const insertBlockRows = 4 << 10

// insertBlocks runs one INSERT of n rows into the columns names, sent in
// blocks of insertBlockRows rows (db.blockRows when set): column(i, lo,
// hi) gives column i's rows lo to hi, which the driver copies at once (so
// column may reuse its memory from one call to the next).
func (db *DB) insertBlocks(ctx context.Context, table string, names []string, n int, column func(i, lo, hi int) any) error {
	batch, err := db.Conn.PrepareBatch(ctx, "INSERT INTO "+db.Table(table)+" ("+strings.Join(names, ", ")+")")
	if err != nil {
		return err
	}
	defer func() {
		if !batch.IsSent() {
			_ = batch.Abort()
		}
	}()
	if err := sendBlocks(batch, names, n, db.insertBlockRows(), column); err != nil {
		return err
	}
	return batch.Send()
}

// sendBlocks appends n rows of the columns names to batch, an open
// INSERT, and sends them in blocks of blockRows rows: column(i, lo, hi)
// gives column i's rows lo to hi, which the driver copies at once.
func sendBlocks(batch driver.Batch, names []string, n, blockRows int, column func(i, lo, hi int) any) error {
	for lo := 0; lo < n; lo += blockRows {
		hi := min(lo+blockRows, n)
		for i := range names {
			if err := appendColumn(batch.Column(i), column(i, lo, hi)); err != nil {
				return fmt.Errorf("column %s: %w", names[i], err)
			}
		}
		if err := batch.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// insertBlockRows is the rows of one block of an INSERT: insertBlockRows,
// or db.blockRows when a test set it.
func (db *DB) insertBlockRows() int {
	if db.blockRows > 0 {
		return db.blockRows
	}
	return insertBlockRows
}

// appendColumn appends a whole column. Array(String) columns go row by row:
// the driver appends a [][]string through reflection, a []string row directly.
func appendColumn(col driver.BatchColumn, v any) error {
	rows, ok := v.([][]string)
	if !ok {
		return col.Append(v)
	}
	for _, r := range rows {
		if err := col.AppendRow(r); err != nil {
			return err
		}
	}
	return nil
}

// groupByDay splits row indices so that each group's rows fall on at most
// maxDays distinct days, days[i] being row i's day. It returns nil, without
// allocating, when every row fits one group (the usual case). Otherwise the
// groups cover ascending runs of days, and rows keep their order within a
// group.
func groupByDay(days []uint32, maxDays int) [][]int {
	if len(days) == 0 {
		return nil
	}
	maxDays = max(maxDays, 1)
	lo, hi := days[0], days[0]
	for _, d := range days[1:] {
		lo, hi = min(lo, d), max(hi, d)
	}
	if int64(hi)-int64(lo) < int64(maxDays) {
		return nil
	}
	distinct := slices.Compact(slices.Sorted(slices.Values(days)))
	if len(distinct) <= maxDays {
		return nil
	}
	groups := make([][]int, (len(distinct)+maxDays-1)/maxDays)
	for i, d := range days {
		rank, _ := slices.BinarySearch(distinct, d)
		g := rank / maxDays
		groups[g] = append(groups[g], i)
	}
	return groups
}

// pick returns src's rows lo to hi — a subslice, not a copy — or, when
// rows is not nil, a copy of the elements of src at rows[lo:hi].
func pick[T any](src []T, rows []int, lo, hi int) []T {
	if rows == nil {
		return src[lo:hi]
	}
	out := make([]T, hi-lo)
	for i, r := range rows[lo:hi] {
		out[i] = src[r]
	}
	return out
}

// fill returns s holding n copies of v, reusing s's storage.
func fill[T any](s []T, n int, v T) []T {
	s = slices.Grow(s[:0], n)[:n]
	for i := range s {
		s[i] = v
	}
	return s
}
