package ingest

import (
	"context"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
)

// Batch is what one insert round stores: request rows, dead letters, and
// what the reader attaches for when they are stored (the daemon: the
// checkpoint positions the rows bring each file to). It follows chstore's
// batch contract: filled by the reader, then owned by the inserter until
// stored or given up, then reset and filled again.
type Batch[P any] struct {
	Reqs      *chstore.RequestBatch
	Rejs      *chstore.RejectBatch
	Positions []P
	reqsDone  bool // the request rows are stored; only the dead letters remain
}

// SmallBatchRows is the room a batch of a lazily sized Exchange starts
// with: it grows to what the reader puts in it (and keeps that room across
// rounds), so a quiet daemon does not hold two batches' worth of empty
// columns.
const SmallBatchRows = 4096

func newBatch[P any](rows int) *Batch[P] {
	return &Batch[P]{Reqs: chstore.NewRequestBatch(rows), Rejs: chstore.NewRejectBatch(min(rows, 256))}
}

// Rows is the number of rows (requests and dead letters) in b.
func (b *Batch[P]) Rows() int { return b.Reqs.Len() + b.Rejs.Len() }

// Empty reports whether b holds neither rows nor positions.
func (b *Batch[P]) Empty() bool { return b.Rows() == 0 && len(b.Positions) == 0 }

func (b *Batch[P]) reset() {
	b.Reqs.Reset()
	b.Rejs.Reset()
	clear(b.Positions)
	b.Positions = b.Positions[:0]
	b.reqsDone = false
}

// InsertFunc runs one insert of rows rows into table (for timing and
// metrics, or as it is: func(ctx, _, _, insert) { return insert(ctx) }).
type InsertFunc func(ctx context.Context, table string, rows int, insert func(context.Context) error) error

// Store inserts what of b is not stored yet through sink, each insert run
// by run: the request rows, then the dead letters. After a failure it can
// be called again: request rows stored once are not sent again.
func (b *Batch[P]) Store(ctx context.Context, sink Sink, now time.Time, run InsertFunc) error {
	if !b.reqsDone && b.Reqs.Len() > 0 {
		if err := run(ctx, "requests", b.Reqs.Len(), func(ctx context.Context) error {
			return sink.InsertRequests(ctx, b.Reqs, now)
		}); err != nil {
			return err
		}
	}
	b.reqsDone = true
	if b.Rejs.Len() > 0 {
		return run(ctx, "rejected", b.Rejs.Len(), func(ctx context.Context) error {
			return sink.InsertRejects(ctx, b.Rejs, now)
		})
	}
	return nil
}

// Exchange is the two-batch insert loop shared by the one-shot load and
// the follow daemon: the reader fills Cur while the inserter stores the
// other batch; Handoff passes Cur over when the inserter is free and gives
// the reader the batch the inserter returned. Rows read and not yet stored
// are thus at most two batches.
type Exchange[P any] struct {
	// Cur is the batch being filled; owned by the reader.
	Cur   *Batch[P]
	rows  int // a batch's size
	room  int // the room a new batch starts with
	full  chan *Batch[P]
	free  chan *Batch[P]
	timer *time.Timer
}

// NewExchange returns an exchange of two batches of rows rows, which start
// with room for room rows (rows: filled at full speed, a load; less,
// SmallBatchRows: the daemon, often quiet) and grow as they fill.
func NewExchange[P any](rows, room int) *Exchange[P] {
	return NewExchangeN[P](rows, room, 1)
}

// NewExchangeN is NewExchange for inserters inserters ranging over
// Batches at once (each batch once; the order they are stored in is
// then not the order they were handed off): inserters+1 batches, so
// the reader fills one while the others are inserted. The daemon has one
// inserter, as its checkpoints follow the order of its batches.
func NewExchangeN[P any](rows, room, inserters int) *Exchange[P] {
	room = min(rows, room)
	inserters = max(inserters, 1)
	e := &Exchange[P]{Cur: newBatch[P](room), rows: rows, room: room, full: make(chan *Batch[P]), free: make(chan *Batch[P], inserters)}
	for range inserters {
		e.free <- newBatch[P](room)
	}
	return e
}

// Handoff gives Cur to the inserter, waiting up to wait for it to be free
// (wait < 0: as long as ctx lasts; 0: not at all), and makes the batch the
// inserter returned current. It reports whether Cur was handed off; if
// not, Cur stays the reader's, unchanged.
func (e *Exchange[P]) Handoff(ctx context.Context, wait time.Duration) bool {
	var expired <-chan time.Time
	switch {
	case wait == 0:
		select {
		case e.full <- e.Cur:
		default:
			return false
		}
		e.Cur = <-e.free
		return true
	case wait > 0:
		if e.timer == nil {
			e.timer = time.NewTimer(wait)
		} else {
			e.timer.Reset(wait)
		}
		defer e.timer.Stop()
		expired = e.timer.C
	}
	select {
	case e.full <- e.Cur:
	case <-expired:
		return false
	case <-ctx.Done():
		return false
	}
	// The inserter returned its previous batch before it took this one.
	e.Cur = <-e.free
	return true
}

// Batches is what the inserter ranges over: the batches handed off, in
// order, until Close.
func (e *Exchange[P]) Batches() <-chan *Batch[P] { return e.full }

// Release gives a batch the inserter is done with (stored or given up)
// back to the reader, reset. A batch that grew past twice the exchange's
// size (the daemon's big batch of an outage) is replaced by a new one, so
// the memory it took goes back.
func (e *Exchange[P]) Release(b *Batch[P]) {
	if b.Rows() > 2*e.rows {
		b = newBatch[P](e.room)
	} else {
		b.reset()
	}
	e.free <- b
}

// Close tells the inserter no more batches come. The reader must not call
// Handoff after it.
func (e *Exchange[P]) Close() { close(e.full) }
