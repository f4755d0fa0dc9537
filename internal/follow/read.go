package follow

import (
	"context"
	"errors"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/checkpoint"
	"github.com/ratescope/ratescope/internal/ingest"
	"github.com/ratescope/ratescope/internal/tail"
)

const (
	// linesPerTurn bounds the lines read from one file before the next
	// file (and the handoff check) gets a turn.
	linesPerTurn = 16 << 10
)

// readLoop reads the files until ctx is done. It is the only goroutine
// that touches the files and the current batch.
func (d *Daemon) readLoop(ctx context.Context) {
	d.reconcile(time.Now())
	d.pruneCheckpoints()
	for ctx.Err() == nil {
		now := time.Now()
		if !now.Before(d.nextReconcile) {
			d.reconcile(now)
		}
		progressed := d.readFiles(now)
		waited := d.maybeHandoff(ctx, now)
		d.updateGauges()
		if !progressed && !waited {
			sleep(ctx, d.cfg.PollInterval)
		}
	}
}

// room is how many more rows may be read before the buffer is full.
func (d *Daemon) room() int64 { return int64(d.cfg.MaxBufferRows) - d.buffered.Load() }

// readFiles gives each file a turn; it reports whether any line was read.
func (d *Daemon) readFiles(now time.Time) bool {
	progressed := false
	for _, f := range d.order {
		if f.finished || f.gone {
			continue
		}
		// A file read to its end is checked before it is read again, so a
		// truncation is seen before lines written after it are read at the
		// old offset.
		if f.atEOF || now.Sub(f.lastCheck) >= d.cfg.PollInterval {
			d.check(f, now)
		}
		if !f.detected && !d.detect(f, now) {
			continue
		}
		if d.room() <= 0 {
			continue // the buffer is full: look at the files, read nothing
		}
		if d.readFile(f, now) > 0 {
			progressed = true
		} else if f.draining && !f.gone && now.Sub(f.idleSince) >= d.cfg.RotateWait {
			d.finish(f)
		}
	}
	return progressed
}

// check looks for truncation, deletion and growth.
func (d *Daemon) check(f *file, now time.Time) {
	f.lastCheck = now
	ch, err := f.t.Check()
	if err != nil {
		d.log.Warn("cannot check file", "path", f.path, "err", err)
		return
	}
	if ch.Truncated {
		// copytruncate: the old content went to a copy, new lines start at 0.
		f.src.Chain, f.src.LastTimeMs = ingest.ChainState{}, 0
		f.dirty = true
		d.markConsumed(now)
		d.m.FileEvents.WithLabelValues(eventTruncated).Inc()
		d.log.Info("file truncated; reading it from its start", "path", f.path)
	}
	if ch.Size != f.size {
		f.size, f.idleSince = ch.Size, now
	}
	if ch.Deleted && !f.draining {
		d.startDraining(f, now, "deleted")
	}
}

// detect works out f's format from its first lines; it reports whether
// the format is known. A file whose first lines fit no format (a banner,
// comments, a mix) is read line by line as accesslog.FormatMixed once
// enough of them are there to be sure, or once it is rotated and quiet:
// each line is then read in the format it looks like and the others are
// dead-lettered, so log lines written after a banner are still stored.
// Until then detection is tried again as the file grows.
func (d *Daemon) detect(f *file, now time.Time) bool {
	if d.cfg.Format != accesslog.FormatAuto {
		f.src.Format, f.detected = d.cfg.Format, true
		return true
	}
	format, sampled, full, err := ingest.DetectFormat(f.t)
	switch {
	case errors.Is(err, tail.ErrCompressed):
		d.skip(f, eventCompressed, "gzip-compressed (a rotated copy)")
		return false
	case err != nil:
		d.log.Warn("cannot read file", "path", f.path, "err", err)
		return false
	}
	if format != accesslog.FormatAuto {
		f.src.Format, f.detected = format, true
		d.log.Info("detected log format", "path", f.path, "format", format.String())
		return true
	}
	if full || (f.draining && now.Sub(f.idleSince) >= d.cfg.RotateWait && sampled > 0) {
		f.src.Format, f.detected = accesslog.FormatMixed, true
		d.m.FileEvents.WithLabelValues(eventUndetected).Inc()
		d.log.Warn("no log format fits the first lines; reading the file line by line", "path", f.path, "format", f.src.Format.String())
		return true
	} else if f.draining && now.Sub(f.idleSince) >= d.cfg.RotateWait {
		d.finish(f)
	}
	return false
}

// readFile runs f's complete lines through the workers into the current
// batch, within its turn and the buffer's room (a line adds at most one
// row); it returns the lines read. Every line read is in the batch when
// it returns, so f's source state and tailer position agree for the
// checkpoint.
func (d *Daemon) readFile(f *file, now time.Time) int {
	room := d.room()
	rowsBefore := d.ex.Cur.Rows()
	emit := func(r ingest.Result) { d.count(f, r) }
	n := 0
	for n < linesPerTurn && int64(n) < room {
		l, ok, err := f.t.Next()
		if errors.Is(err, tail.ErrCompressed) {
			d.skip(f, eventCompressed, "gzip-compressed (a rotated copy)")
			break
		}
		if err != nil {
			d.log.Warn("cannot read file", "path", f.path, "err", err)
			break
		}
		if !ok {
			break
		}
		n++
		d.par.Add(&f.src, l, emit)
	}
	d.par.Drain()
	f.atEOF = n < linesPerTurn && int64(n) < room
	if n > 0 {
		f.dirty, f.idleSince = true, now
		d.markConsumed(now)
		d.m.BufferRows.Set(float64(d.buffered.Add(int64(d.ex.Cur.Rows() - rowsBefore))))
		d.flushCounts(f)
	}
	return n
}

// count adds what became of one line of f to f's counts.
func (d *Daemon) count(f *file, r ingest.Result) {
	switch r.Outcome {
	case ingest.OutcomeBlank:
		f.read++
	case ingest.OutcomePartial:
		// A part of a line a container runtime split: counted with its last part.
	case ingest.OutcomeRejected:
		f.read++
		if f.rejected == nil {
			f.rejected = map[string]uint64{}
		}
		f.rejected[r.Reason]++
	default:
		f.read++
		f.parsed++
	}
}

// flushCounts adds f's line counts to the metrics.
func (d *Daemon) flushCounts(f *file) {
	format := f.src.Format.String()
	if f.read > 0 {
		d.m.LinesRead.WithLabelValues(format).Add(float64(f.read))
	}
	if f.parsed > 0 {
		d.m.LinesParsed.WithLabelValues(format).Add(float64(f.parsed))
	}
	for reason, n := range f.rejected {
		d.m.LinesRejected.WithLabelValues(format, reason).Add(float64(n))
	}
	clear(f.rejected)
	f.read, f.parsed = 0, 0
}

// finish ends a rotated or deleted file that has been quiet for
// RotateWait: its unterminated last line, if any, is a line too, and so
// are the parts of a container-split line whose last part never came.
// The file is closed once its final position is handed off.
func (d *Daemon) finish(f *file) {
	rows := d.ex.Cur.Rows()
	emit := func(r ingest.Result) { d.count(f, r) }
	if l, ok := f.t.Rest(); ok && f.detected {
		d.par.Add(&f.src, l, emit)
	}
	d.par.Flush(&f.src, emit)
	d.buffered.Add(int64(d.ex.Cur.Rows() - rows))
	d.flushCounts(f)
	f.finished, f.dirty = true, true
	d.markConsumed(time.Now())
	d.m.FileEvents.WithLabelValues(eventFinished).Inc()
	d.log.Info("file read to its end", "path", f.path, "source", f.src.Name)
}

func (d *Daemon) markConsumed(now time.Time) {
	if d.curSince.IsZero() {
		d.curSince = now
	}
}

// maybeHandoff hands the current batch to the inserter when it is big or
// old enough and the inserter is free. When the buffer is full it waits up
// to PollInterval for the inserter (backpressure: nothing is read until
// the inserter takes the batch) and reports that it waited.
func (d *Daemon) maybeHandoff(ctx context.Context, now time.Time) (waited bool) {
	if d.curSince.IsZero() {
		return false
	}
	full := d.room() <= 0
	if full || d.ex.Cur.Rows() >= d.cfg.FlushRows || now.Sub(d.curSince) >= d.cfg.FlushInterval {
		wait := time.Duration(0)
		if full {
			wait = d.cfg.PollInterval
		}
		d.handoff(ctx, wait)
	}
	return full
}

// handoff gives the current batch, with the positions its lines bring each
// file to, to the inserter, waiting up to wait for it (at most until ctx
// is done). It reports whether the batch was handed off.
func (d *Daemon) handoff(ctx context.Context, wait time.Duration) bool {
	b := d.ex.Cur
	d.snapshot(b)
	if b.Empty() {
		d.curSince = time.Time{}
		return true
	}
	// The files to let go once b is handed off: after the handoff, b
	// belongs to the inserter.
	d.handed = d.handed[:0]
	for _, p := range b.Positions {
		d.handed = append(d.handed, p.file)
	}
	if !d.ex.Handoff(ctx, wait) {
		clear(b.Positions)
		b.Positions = b.Positions[:0]
		return false
	}
	d.curSince = time.Time{}
	closed := false
	for _, f := range d.handed {
		f.dirty = false
		if f.finished {
			_ = f.t.Close()
			delete(d.files, f.id)
			closed = true
		}
	}
	clear(d.handed)
	if closed {
		d.sortFiles()
	}
	return true
}

// snapshot records in b the position of every file read since the last
// handoff.
func (d *Daemon) snapshot(b *batch) {
	b.Positions = b.Positions[:0]
	for _, f := range d.order {
		if !f.dirty {
			continue
		}
		pos, err := f.t.Position()
		if err != nil {
			d.log.Warn("cannot fingerprint file; its checkpoint waits", "path", f.path, "err", err)
			continue
		}
		b.Positions = append(b.Positions, position{
			entry: checkpoint.Entry{
				Key:         key(f.id),
				Fingerprint: checkpoint.Fingerprint(pos.Fingerprint),
				Offset:      pos.Offset,
				Line:        pos.Line,
				Source:      f.src.Name,
				Path:        f.path,
				Format:      f.src.Format.String(),
				Chain:       checkpoint.Chain(f.src.Chain),
				LastTimeMs:  f.src.LastTimeMs,
			},
			final: f.finished,
			file:  f,
		})
	}
}

// updateGauges refreshes the buffer and per-file lag gauges.
func (d *Daemon) updateGauges() {
	d.m.BufferRows.Set(float64(d.buffered.Load()))
	for _, f := range d.order {
		if f.draining || f.finished {
			continue
		}
		d.m.FileBytesBehind.WithLabelValues(pathLabel(f.path)).Set(float64(max(0, f.size-f.committed.Load())))
	}
}
