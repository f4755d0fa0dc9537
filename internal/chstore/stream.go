package chstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Stream is an INSERT into requests, and one into rejected, kept open
// across batches: a one-shot load sends its rows in blocks as it parses
// them and closes the INSERTs every so many rows (Close). The server
// gathers an INSERT's blocks (min_insert_block_size_rows, a million rows
// by default) and writes one part per day at its end, where an INSERT per
// batch writes one per batch: on the 2-core machine of make bench, 400k
// rows cost the 18.16 server ~0.7 CPU-s as 1, 2 or 4 parts and 1.0–1.3 as
// 8 (its merges start), 1.5–2.1 as 16 — most of it creating the part's
// files. The batches themselves can then be small: memory no longer grows
// with the rows of an INSERT.
//
// What a Stream sent is known stored only when Close succeeds. If an
// append or Close fails, or the Stream is aborted, the rows since the last
// Close may be stored in part, in whole or not at all (the driver's abort
// only drops the connection, and 18.16 ends an INSERT whose client went
// away as if it had finished): a one-shot load stops and says so, and
// loading again is safe, as rows are keyed by request id and queries fold
// copies. A Stream is used by one goroutine.
type Stream struct {
	db *DB

	reqs     driver.Batch
	reqNames []string // the columns of the open INSERT (sentColumns of its first batch, widened by reopening)
	reqSent  []int
	reqMask  uint64
	days     map[uint32]struct{} // the days (partitions) the open INSERT touches
	reqRows  int

	rejs    driver.Batch
	rejRows int
}

// NewStream returns a Stream with nothing open: the first append opens
// its INSERT.
func (db *DB) NewStream() *Stream { return &Stream{db: db} }

// Rows is the number of rows sent since the last Close.
func (s *Stream) Rows() int { return s.reqRows + s.rejRows }

// AppendRequests sends b's rows, stamped with ingestedAt, to the open
// INSERT into requests. The INSERT is closed first, and a new one opened,
// when b needs a column it does not send (a first error body, say) or
// would take it past maxPartitionsPerInsert days; a batch spanning more
// days on its own is inserted by InsertRequests. b is left unchanged.
func (s *Stream) AppendRequests(ctx context.Context, b *RequestBatch, ingestedAt time.Time) error {
	n := b.Len()
	if n == 0 {
		return nil
	}
	if err := b.resolveTimes(ingestedAt); err != nil {
		return fmt.Errorf("insert requests: %w", err)
	}
	defer func() { clear(b.scratch) }() // hold no text after the blocks are sent
	names, sent := b.sentColumns()
	var mask uint64
	for _, i := range sent {
		mask |= 1 << i
	}
	if s.reqs != nil && (mask&^s.reqMask != 0 || len(s.days)+s.newDays(b.days) > maxPartitionsPerInsert) {
		if err := s.closeRequests(); err != nil {
			return err
		}
	}
	if groupByDay(b.days, maxPartitionsPerInsert) != nil {
		return s.db.InsertRequests(ctx, b, ingestedAt)
	}
	if s.reqs == nil {
		batch, err := s.db.Conn.PrepareBatch(ctx, "INSERT INTO "+s.db.Table("requests")+" ("+strings.Join(names, ", ")+")")
		if err != nil {
			return fmt.Errorf("insert requests: %w", err)
		}
		s.reqs, s.reqNames, s.reqSent, s.reqMask = batch, names, sent, mask
		s.days = make(map[uint32]struct{})
	}
	for i, d := range b.days {
		if i == 0 || d != b.days[i-1] { // rows come in runs of one day
			s.days[d] = struct{}{}
		}
	}
	column := func(i, lo, hi int) any { return requestColumns[s.reqSent[i]].values(b, nil, lo, hi) }
	if err := sendBlocks(s.reqs, s.reqNames, n, s.db.insertBlockRows(), column); err != nil {
		return s.fail("requests", err)
	}
	s.reqRows += n
	return nil
}

// newDays counts the distinct days of days the open INSERT does not touch.
func (s *Stream) newDays(days []uint32) int {
	var seen []uint32
	for i, d := range days {
		if i > 0 && d == days[i-1] {
			continue
		}
		if _, ok := s.days[d]; !ok && !slices.Contains(seen, d) {
			seen = append(seen, d)
			if len(seen) > maxPartitionsPerInsert {
				break
			}
		}
	}
	return len(seen)
}

// AppendRejects sends b's dead letters, stamped with ingestedAt, to the
// open INSERT into rejected. b is left unchanged.
func (s *Stream) AppendRejects(ctx context.Context, b *RejectBatch, ingestedAt time.Time) error {
	n := b.Len()
	if n == 0 {
		return nil
	}
	names, values, err := b.columns(ingestedAt)
	if err != nil {
		return fmt.Errorf("insert rejects: %w", err)
	}
	if s.rejs == nil {
		batch, err := s.db.Conn.PrepareBatch(ctx, "INSERT INTO "+s.db.Table("rejected")+" ("+strings.Join(names, ", ")+")")
		if err != nil {
			return fmt.Errorf("insert rejects: %w", err)
		}
		s.rejs = batch
	}
	column := func(i, lo, hi int) any { return sliceOf(values[i], lo, hi) }
	if err := sendBlocks(s.rejs, names, n, s.db.insertBlockRows(), column); err != nil {
		return s.fail("rejects", err)
	}
	s.rejRows += n
	return nil
}

// Close ends the open INSERTs: what they were sent is stored when it
// returns nil.
func (s *Stream) Close() error {
	return errors.Join(s.closeRequests(), s.closeRejects())
}

func (s *Stream) closeRequests() error {
	if s.reqs == nil {
		return nil
	}
	b := s.reqs
	s.reqs, s.reqRows, s.days = nil, 0, nil
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert requests: %w", err)
	}
	return nil
}

func (s *Stream) closeRejects() error {
	if s.rejs == nil {
		return nil
	}
	b := s.rejs
	s.rejs, s.rejRows = nil, 0
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert rejects: %w", err)
	}
	return nil
}

// Abort gives up the open INSERTs and their connections: what was sent
// since the last Close may or may not be stored (see Stream).
func (s *Stream) Abort() {
	for _, b := range []driver.Batch{s.reqs, s.rejs} {
		if b != nil && !b.IsSent() {
			_ = b.Abort()
		}
	}
	s.reqs, s.rejs, s.reqRows, s.rejRows, s.days = nil, nil, 0, 0, nil
}

// fail aborts the stream after a failed append into table.
func (s *Stream) fail(table string, err error) error {
	s.Abort()
	return fmt.Errorf("insert %s: %w", table, err)
}
