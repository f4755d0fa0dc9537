package analysis

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/rollup"
)

// Result says what a pass did.
type Result struct {
	Rollups rollup.Result
	Took    time.Duration
}

// String is the one-line account a command prints.
func (r Result) String() string {
	return fmt.Sprintf("rollups: %d day(s) rebuilt (%d requests), %d unchanged, in %s",
		len(r.Rollups.Rebuilt), r.Rollups.Requests, r.Rollups.Checked, r.Took.Round(time.Millisecond))
}

// Pass brings the kept analyses up to date with what db stores. Passes
// must not run concurrently on one database.
func Pass(ctx context.Context, db *chstore.DB) (Result, error) {
	start := time.Now()
	var res Result
	r, err := rollup.Refresh(ctx, db)
	res.Rollups = r
	if err != nil {
		return res, fmt.Errorf("refresh rollups: %w", err)
	}
	res.Took = time.Since(start)
	return res, nil
}

// DefaultInterval is how often Loop runs a pass.
const DefaultInterval = time.Minute

// LoopConfig configures Loop.
type LoopConfig struct {
	// Connect opens the database; Loop reconnects after a failed pass.
	Connect func(context.Context) (*chstore.DB, error)
	// Interval between passes: DefaultInterval when zero.
	Interval time.Duration
	Logger   *slog.Logger
}

// Loop runs a pass every interval until ctx ends, logging what each did;
// a failed pass is logged and retried at the next tick. It returns when
// ctx ends.
func Loop(ctx context.Context, cfg LoopConfig) {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var db *chstore.DB
	defer func() {
		if db != nil {
			_ = db.Close()
		}
	}()
	tick := time.NewTicker(cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if db == nil {
			c, err := cfg.Connect(ctx)
			if err != nil {
				log.Warn("analysis pass: connect", "err", err)
				continue
			}
			db = c
		}
		res, err := Pass(ctx, db)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("analysis pass failed", "err", err)
			_ = db.Close()
			db = nil
			continue
		}
		log.Info("analysis pass", "rebuilt_days", len(res.Rollups.Rebuilt), "rolled_up", res.Rollups.Requests, "took", res.Took.Round(time.Millisecond))
	}
}
