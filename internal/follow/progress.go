package follow

import (
	"context"
	"time"
)

// DefaultProgressInterval is how often the daemon logs its progress.
const DefaultProgressInterval = time.Minute

// progress is what the daemon has stored, for the periodic INFO line.
type progress struct {
	lines      int64     // rows stored since the last report
	total      int64     // rows stored since start
	lastCommit time.Time // when positions last moved forward
}

// noteCommit records a stored batch of rows.
func (d *Daemon) noteCommit(rows int) {
	d.progMu.Lock()
	d.prog.lines += int64(rows)
	d.prog.total += int64(rows)
	d.prog.lastCommit = time.Now()
	d.progMu.Unlock()
}

// progressLoop logs, every interval until ctx is done, one INFO line: the
// rows stored in the interval and since start, the bytes of the followed
// files not read yet, the rows waiting for ClickHouse, and when the
// checkpoint last moved forward.
func (d *Daemon) progressLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.progMu.Lock()
		p := d.prog
		d.prog.lines = 0
		d.progMu.Unlock()
		last := "never"
		if !p.lastCommit.IsZero() {
			last = p.lastCommit.UTC().Format(time.RFC3339)
		}
		d.log.Info("progress", "rows_stored", p.lines, "rows_stored_total", p.total,
			"bytes_behind", d.bytesBehind(), "rows_waiting", d.buffered.Load(), "last_checkpoint", last)
	}
}

// bytesBehind sums the followed files' unread bytes, as the
// file_bytes_behind metric has them.
func (d *Daemon) bytesBehind() int64 {
	if d.cfg.Gatherer == nil {
		return 0
	}
	mfs, err := d.cfg.Gatherer.Gather()
	if err != nil {
		return 0
	}
	var n float64
	for _, mf := range mfs {
		if mf.GetName() != "ratescope_ingest_file_bytes_behind" {
			continue
		}
		for _, m := range mf.GetMetric() {
			n += m.GetGauge().GetValue()
		}
	}
	return int64(n)
}
