package follow

import (
	"context"
	"errors"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/ratescope/ratescope/internal/checkpoint"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/ingest"
)

// batch is what one insert round stores (ingest.Exchange's batch, shared
// with the one-shot load), with the positions in each file that its rows
// bring the checkpoint to.
type batch = ingest.Batch[position]

// position is a file's checkpoint entry after the rows of a batch.
type position struct {
	entry checkpoint.Entry
	final bool  // the file was read to its end and closed: forget it
	file  *file // for its committed offset
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
	for b := range d.ex.Batches() {
		err := d.waitConnected(ctx)
		if err == nil {
			err = d.insert(ctx, b)
		}
		if err == nil {
			d.commit(b)
		} else {
			d.lost.Add(int64(b.Rows()))
		}
		rows := b.Rows()
		d.ex.Release(b) // an outage's big batch is given back, not kept
		d.buffered.Add(-int64(rows))
		d.m.BufferRows.Set(float64(d.buffered.Load()))
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
				d.log.Info("insert succeeded again; ClickHouse recovered", "rows", b.Rows(), "attempts", attempt+1,
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
		d.log.Warn("insert failed; retrying", "rows", b.Rows(), "attempt", attempt+1, "retry_in", wait.Round(time.Millisecond), "err", err)
		if !sleep(ctx, wait) {
			return err
		}
		d.m.ClickHouseRetries.Inc()
	}
}

// insertOnce inserts what of b is not stored yet.
func (d *Daemon) insertOnce(ctx context.Context, b *batch) error {
	return b.Store(ctx, d.getStore(), d.cfg.Now(), d.timed)
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
	d.noteCommit(b.Rows())
	for _, p := range b.Positions {
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
