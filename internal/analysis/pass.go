package analysis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/findings"
	"github.com/ratescope/ratescope/internal/ratelimit"
	"github.com/ratescope/ratescope/internal/rollup"
)

// Options say what a pass analyses.
type Options struct {
	// Plans, when set, are measured: rate-limit findings are kept.
	Plans *ratelimit.Plans
	// QuotaStart is the configuration's quota_start (see report
	// rate-limits); zero: the month's first request.
	QuotaStart time.Time
	// Horizon, when positive, is the window the findings are computed
	// over: the Horizon before the server's current minute (the daemon).
	// When zero, the window is the days whose rollup the pass rebuilt —
	// what a one-shot load or a migration just stored.
	Horizon time.Duration
	// Backfill (with Plans, without Horizon) widens the window to every day
	// that holds requests when limit_minutes holds no row at all: what
	// `ingest migrate` sets, so a database upgraded to schema 0005 gets the
	// minutes of the rows it already stored, once.
	Backfill bool
}

// Result says what a pass did.
type Result struct {
	Rollups  rollup.Result
	From, To time.Time // the findings' window (zero: none)
	Findings findings.Result
	Took     time.Duration
}

// String is the one-line account a command prints.
func (r Result) String() string {
	s := fmt.Sprintf("rollups: %d day(s) rebuilt (%d requests), %d unchanged", len(r.Rollups.Rebuilt), r.Rollups.Requests, r.Rollups.Checked)
	if !r.To.IsZero() {
		s += fmt.Sprintf("; findings %s to %s: %d retry storm(s), %d rate-limit row(s), %d limit minute row(s)",
			r.From.Format(time.RFC3339), r.To.Format(time.RFC3339), r.Findings.Storms, r.Findings.Limits, r.Findings.Minutes)
	}
	return s + fmt.Sprintf(", in %s", r.Took.Round(time.Millisecond))
}

// Pass brings the kept analyses up to date with what db stores: the
// rollups, then the findings of its window. Passes may run at once on
// one database (a daemon's beside a one-shot load's, two daemons): each
// builds its days in scratch tables of its own and swaps them in whole,
// each minute of limit_minutes is read as the latest pass wrote it, and
// the findings' versions let the latest computation win
// (TestConcurrentPasses).
func Pass(ctx context.Context, db *chstore.DB, opts Options) (Result, error) {
	start := time.Now()
	var res Result
	r, err := rollup.Refresh(ctx, db)
	res.Rollups = r
	if err != nil {
		return res, fmt.Errorf("refresh rollups: %w", err)
	}
	var now time.Time
	if err := chquery.New(db).QueryRow(ctx, chquery.New(db).Tables().ServerNow()).Scan(&now); err != nil {
		return res, fmt.Errorf("read the server's clock: %w", err)
	}
	switch {
	case opts.Horizon > 0:
		res.To = now.UTC().Truncate(time.Minute)
		res.From = res.To.Add(-opts.Horizon)
	case len(r.Rebuilt) > 0:
		res.From = dayStart(r.Rebuilt[0])
		res.To = dayStart(r.Rebuilt[len(r.Rebuilt)-1]).AddDate(0, 0, 1)
	}
	if opts.Backfill && opts.Plans != nil && opts.Horizon <= 0 {
		from, to, err := missingMinutes(ctx, chquery.New(db))
		if err != nil {
			return res, err
		}
		if !to.IsZero() {
			if res.To.IsZero() {
				res.From, res.To = from, to
			} else {
				res.From, res.To = minTime(res.From, from), maxTime(res.To, to)
			}
		}
	}
	if !res.To.IsZero() {
		f, err := findings.Write(ctx, db, opts.Plans, opts.QuotaStart, res.From, res.To, now)
		res.Findings = f
		if err != nil {
			return res, fmt.Errorf("keep findings: %w", err)
		}
	}
	res.Took = time.Since(start)
	return res, nil
}

// missingMinutes returns the span of the days that hold requests when no
// day holds per-minute limit rows (zero: some day does, or none holds
// requests). Days whose requests are none of the plans' partners' have no
// minutes: testing day by day would compute them again at every backfill.
func missingMinutes(ctx context.Context, rd *chquery.Reader) (from, to time.Time, err error) {
	have := false
	if err := scanDays(ctx, rd, rd.Tables().FindingsMinuteDays(), func(uint32, uint64) { have = true }); err != nil {
		return from, to, fmt.Errorf("read the days of limit minutes: %w", err)
	}
	if have {
		return from, to, nil
	}
	err = scanDays(ctx, rd, rd.Tables().RollupDays(), func(d uint32, n uint64) {
		if n == 0 {
			return
		}
		s := dayStart(d)
		if to.IsZero() || s.Before(from) {
			from = s
		}
		if e := s.AddDate(0, 0, 1); e.After(to) {
			to = e
		}
	})
	if err != nil {
		return from, to, fmt.Errorf("read the days of requests: %w", err)
	}
	return from, to, nil
}

// scanDays runs s, whose rows are a day (YYYYMMDD) and optionally a
// count, calling each for every row.
func scanDays(ctx context.Context, rd *chquery.Reader, s chquery.Statement, each func(uint32, uint64)) error {
	rows, err := rd.Query(ctx, s)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols := len(rows.Columns())
	for rows.Next() {
		var (
			d uint32
			n uint64
		)
		dest := []any{&d}
		if cols > 1 {
			dest = append(dest, &n)
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		each(d, n)
	}
	return rows.Err()
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// dayStart returns the start (UTC) of day d (YYYYMMDD).
func dayStart(d uint32) time.Time {
	return time.Date(int(d/10000), time.Month(d/100%100), int(d%100), 0, 0, 0, 0, time.UTC)
}

// DefaultInterval is how often Loop runs a pass.
const DefaultInterval = time.Minute

// DefaultHorizon is the window the daemon's passes compute findings over.
const DefaultHorizon = time.Hour

// LoopConfig configures Loop.
type LoopConfig struct {
	// Connect opens the database; Loop reconnects after a failed pass.
	Connect func(context.Context) (*chstore.DB, error)
	// Interval between passes: DefaultInterval when zero.
	Interval time.Duration
	// Options of each pass; Horizon DefaultHorizon when zero.
	Options Options
	Logger  *slog.Logger
}

// Loop runs a pass every interval until ctx ends, logging what each did;
// a failed pass is logged and retried at the next tick. No pass runs
// before the database's schema is current: on a new database the
// daemon's store (or a one-shot load beside it) is still migrating. It returns when
// ctx ends.
func Loop(ctx context.Context, cfg LoopConfig) {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Options.Horizon <= 0 {
		cfg.Options.Horizon = DefaultHorizon
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		db    *chstore.DB
		ready bool // the schema was found current
	)
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
		if !ready {
			// A new database is migrated by the daemon's store or a
			// one-shot load meanwhile: no pass before its schema is
			// whole.
			if err := db.CheckSchema(ctx); err != nil {
				if errors.Is(err, chstore.ErrNoSchema) {
					log.Debug("analysis pass: waiting for the schema", "err", err)
					continue
				}
				log.Warn("analysis pass: check schema", "err", err)
				continue
			}
			ready = true
		}
		res, err := Pass(ctx, db, cfg.Options)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("analysis pass failed", "err", err)
			_ = db.Close()
			db = nil
			continue
		}
		log.Info("analysis pass", "rebuilt_days", len(res.Rollups.Rebuilt), "rolled_up", res.Rollups.Requests,
			"storms", res.Findings.Storms, "limit_rows", res.Findings.Limits, "limit_minutes", res.Findings.Minutes, "took", res.Took.Round(time.Millisecond))
	}
}
