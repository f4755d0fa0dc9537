package follow

import (
	"context"
	"errors"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/ratescope/ratescope/internal/checkpoint"
	"github.com/ratescope/ratescope/internal/chstore"
)

// batch is what one insert round stores: request rows, dead letters, and
// the positions in each file that the rows bring the checkpoint to. It
// follows chstore's batch contract: filled by the reader, then owned by the
// inserter until stored or given up, then reset and filled again.
type batch struct {
	reqs      *chstore.RequestBatch
	rejs      *chstore.RejectBatch
	positions []position
	reqsDone  bool // the request rows are stored; only the dead letters remain
}

// position is a file's checkpoint entry after the rows of a batch.
type position struct {
	entry checkpoint.Entry
	final bool  // the file was read to its end and closed: forget it
	file  *file // for its committed offset
}

func newBatch(rows int) *batch {
	return &batch{reqs: chstore.NewRequestBatch(rows), rejs: chstore.NewRejectBatch(1024)}
}

func (b *batch) rows() int { return b.reqs.Len() + b.rejs.Len() }

func (b *batch) empty() bool { return b.rows() == 0 && len(b.positions) == 0 }

func (b *batch) reset() {
	b.reqs.Reset()
	b.rejs.Reset()
	clear(b.positions)
	b.positions = b.positions[:0]
	b.reqsDone = false
}

// connect opens ClickHouse and migrates the schema, retrying until it
// succeeds or ctx is done. A schema newer than this binary, and errors
// retrying cannot heal (chstore.IsPermanent: credentials, rights, a
// database the user may not create), stop the daemon (stop is called with
// the error).
func (d *Daemon) connect(ctx context.Context, stop context.CancelCauseFunc) {
	for attempt := 0; ; attempt++ {
		op := "connect"
		s, err := d.cfg.Connect(ctx)
		if err == nil {
			op = "migrate"
			if err = s.Migrate(ctx); err != nil {
				_ = s.Close()
			}
		}
		if err == nil {
			d.mu.Lock()
			d.store = s
			d.mu.Unlock()
			close(d.connected)
			d.log.Info("connected to ClickHouse; schema is current")
			return
		}
		if ctx.Err() != nil {
			return
		}
		var newer *chstore.NewerSchemaError
		if errors.As(err, &newer) || chstore.IsPermanent(err) {
			stop(err) // a newer schema, wrong credentials, missing rights: waiting cannot fix them
			return
		}
		d.setLastErr(err)
		d.m.ClickHouseErrors.WithLabelValues(op).Inc()
		wait := d.back.delay(attempt)
		d.log.Warn("ClickHouse not available; retrying", "op", op, "attempt", attempt+1, "retry_in", wait.Round(time.Millisecond), "err", err)
		if !sleep(ctx, wait) {
			return
		}
		d.m.ClickHouseRetries.Inc()
	}
}

// insertLoop stores the batches the reader hands over, in order, until the
// channel is closed. A batch is retried until stored or ctx is done (at
// the end of shutdown), when its rows are counted as lost: they are after
// the checkpoint, so the next start reads them again.
func (d *Daemon) insertLoop(ctx context.Context) {
	for b := range d.toInsert {
		err := d.waitConnected(ctx)
		if err == nil {
			err = d.insert(ctx, b)
		}
		if err == nil {
			d.commit(b)
		} else {
			d.lost.Add(int64(b.rows()))
		}
		rows := b.rows()
		if rows > 2*d.cfg.FlushRows {
			b = newBatch(d.cfg.FlushRows) // give back what an outage's big batch took
		} else {
			b.reset()
		}
		d.buffered.Add(-int64(rows))
		d.m.BufferRows.Set(float64(d.buffered.Load()))
		d.free <- b
	}
}

func (d *Daemon) waitConnected(ctx context.Context) error {
	select {
	case <-d.connected:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// insert stores b, retrying with backoff until it succeeds or ctx is done.
func (d *Daemon) insert(ctx context.Context, b *batch) error {
	var failedSince time.Time
	for attempt := 0; ; attempt++ {
		err := d.insertOnce(ctx, b)
		if err == nil {
			if attempt > 0 {
				d.log.Info("insert succeeded again; ClickHouse recovered", "rows", b.rows(), "attempts", attempt+1,
					"failing_for", time.Since(failedSince).Round(time.Millisecond))
			}
			return nil
		}
		if failedSince.IsZero() {
			failedSince = time.Now()
		}
		if ctx.Err() != nil {
			return err
		}
		d.setLastErr(err)
		d.m.ClickHouseErrors.WithLabelValues("insert").Inc()
		if missingTable(err) { // the server lost its data (a new volume, say): recreate the schema
			if merr := d.getStore().Migrate(ctx); merr != nil {
				d.m.ClickHouseErrors.WithLabelValues("migrate").Inc()
			}
		}
		wait := d.back.delay(attempt)
		d.log.Warn("insert failed; retrying", "rows", b.rows(), "attempt", attempt+1, "retry_in", wait.Round(time.Millisecond), "err", err)
		if !sleep(ctx, wait) {
			return err
		}
		d.m.ClickHouseRetries.Inc()
	}
}

// insertOnce inserts what of b is not stored yet.
func (d *Daemon) insertOnce(ctx context.Context, b *batch) error {
	s := d.getStore()
	now := d.cfg.Now()
	if !b.reqsDone && b.reqs.Len() > 0 {
		if err := d.timed(ctx, "requests", b.reqs.Len(), func(ctx context.Context) error {
			return s.InsertRequests(ctx, b.reqs, now)
		}); err != nil {
			return err
		}
	}
	b.reqsDone = true
	if b.rejs.Len() > 0 {
		if err := d.timed(ctx, "rejected", b.rejs.Len(), func(ctx context.Context) error {
			return s.InsertRejects(ctx, b.rejs, now)
		}); err != nil {
			return err
		}
	}
	return nil
}

// timed runs one insert into table under InsertTimeout and records it.
func (d *Daemon) timed(ctx context.Context, table string, rows int, insert func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.InsertTimeout)
	defer cancel()
	start := time.Now()
	// A hung server neither answers nor fails: say so once the insert
	// has waited SlowInsert, rather than stay silent until InsertTimeout.
	slow := time.AfterFunc(d.cfg.SlowInsert, func() {
		d.m.SlowInserts.WithLabelValues(table).Inc()
		d.log.Warn("insert is slow: ClickHouse has not answered yet", "table", table, "rows", rows,
			"waited", d.cfg.SlowInsert, "gives_up_after", d.cfg.InsertTimeout)
	})
	err := insert(ctx)
	if !slow.Stop() {
		d.log.Info("slow insert finished", "table", table, "took", time.Since(start).Round(time.Millisecond), "ok", err == nil)
	}
	if err != nil {
		return err
	}
	d.m.InsertDuration.WithLabelValues(table).Observe(time.Since(start).Seconds())
	d.m.RowsInserted.WithLabelValues(table).Add(float64(rows))
	d.m.BatchesInserted.WithLabelValues(table).Inc()
	d.m.LastInsert.Set(float64(d.cfg.Now().UnixMilli()) / 1000)
	return nil
}

// commit advances the checkpoints to the positions b's rows bring them to:
// only now, after ClickHouse took the rows.
func (d *Daemon) commit(b *batch) {
	d.noteCommit(b.rows())
	for _, p := range b.positions {
		if p.final {
			d.ckpt.Delete(p.entry.Key)
		} else {
			d.ckpt.Set(p.entry)
		}
		p.file.committed.Store(p.entry.Offset)
	}
}

// missingTable reports a server error saying the database or table is gone.
func missingTable(err error) bool {
	var ex *clickhouse.Exception
	return errors.As(err, &ex) && (ex.Code == 60 || ex.Code == 81) // UNKNOWN_TABLE, UNKNOWN_DATABASE
}
