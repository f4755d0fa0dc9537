package findings

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/ratelimit"
	"github.com/ratescope/ratescope/internal/report"
	"github.com/ratescope/ratescope/internal/retry"
)

// Result says what Write stored.
type Result struct {
	Storms  int // storms written
	Limits  int // rate-limit rows written
	Minutes int // per-minute rate-limit rows written (limit_minutes)
}

// Write computes the retry storms and (when plans is not nil) the
// rate-limit rows of [from, to) as the reports do, and stores them,
// stamped at. from and to are whole seconds. quotaStart is the
// configuration's quota_start (zero: quotas are projected from the
// month's first request, as report rate-limits does).
func Write(ctx context.Context, db *chstore.DB, plans *ratelimit.Plans, quotaStart, from, to, at time.Time) (Result, error) {
	rd := chquery.New(db)
	var res Result
	// Both analyses first, then both writes: readers see a pass's storms
	// and rate-limit rows close together.
	storms, err := report.RetryStorms(ctx, rd, report.RetryStormsQuery{From: from, To: to})
	if err != nil {
		return res, err
	}
	var (
		rows []ratelimit.Row
		mins []ratelimit.MinuteRow
	)
	if plans != nil {
		coverage := quotaStart
		if coverage.IsZero() {
			month := ratelimit.MonthStart(to.Add(-time.Nanosecond))
			if coverage, err = report.FirstRequest(ctx, rd, month, to); err != nil {
				return res, err
			}
		}
		rows, mins, err = ratelimit.ComputeMinutes(ctx, rd, plans, ratelimit.Query{From: from, To: to, Coverage: coverage})
		if err != nil {
			return res, err
		}
	}
	if err := writeStorms(ctx, db, storms, at); err != nil {
		return res, err
	}
	res.Storms = len(storms)
	if err := writeLimits(ctx, db, rows, from, to, at); err != nil {
		return res, err
	}
	res.Limits = len(rows)
	if err := writeMinutes(ctx, db, mins, uint64(time.Now().UnixMilli())); err != nil {
		return res, err
	}
	res.Minutes = len(mins)
	return res, nil
}

// writeMinutes stores a pass's minute rows, all stamped computed_ms, the
// version readers pick each minute's latest pass by.
func writeMinutes(ctx context.Context, db *chstore.DB, mins []ratelimit.MinuteRow, computedMs uint64) error {
	if len(mins) == 0 {
		return nil
	}
	b, err := db.Conn.PrepareBatch(ctx, "INSERT INTO "+db.Table("limit_minutes")+
		" (minute, subject, partner, ip, limit_name, kind, measure, utilization, throttled, state, peak, window_from, window_to, computed_ms)")
	if err != nil {
		return fmt.Errorf("write limit minutes: %w", err)
	}
	for _, m := range mins {
		if err := b.Append(m.Minute.UTC(), m.Subject, m.Partner, m.IP, m.Limit, string(m.Kind), string(m.Measure), m.Utilization, m.Throttled,
			string(m.State), m.Peak, m.From.UTC(), m.To.UTC(), computedMs); err != nil {
			return errors.Join(fmt.Errorf("write limit minutes: %w", err), b.Abort())
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("write limit minutes: %w", err)
	}
	return nil
}

func writeStorms(ctx context.Context, db *chstore.DB, storms []retry.Storm, at time.Time) error {
	if len(storms) == 0 {
		return nil
	}
	b, err := db.Conn.PrepareBatch(ctx, "INSERT INTO "+db.Table("storm_findings")+
		" (start, start_ms, end_ms, partner, client_ip, method, route, idempotency_key, attempts, retries, median_gap_ms, violations, first_request_id, updated_at)")
	if err != nil {
		return fmt.Errorf("write storm findings: %w", err)
	}
	for _, s := range storms {
		v := make([]string, len(s.Violations))
		for i, x := range s.Violations {
			v[i] = string(x)
		}
		if err := b.Append(s.Start.UTC().Truncate(time.Second), s.Start.UnixMilli(), s.End.UnixMilli(), s.Partner, s.ClientIP, s.Method, s.Route,
			s.IdempotencyKey, uint64(s.Attempts), uint64(s.Retries), s.MedianGapMs, v, s.FirstRequestID, at.UTC()); err != nil {
			return errors.Join(fmt.Errorf("write storm findings: %w", err), b.Abort())
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("write storm findings: %w", err)
	}
	return nil
}

func writeLimits(ctx context.Context, db *chstore.DB, rows []ratelimit.Row, from, to, at time.Time) error {
	if len(rows) == 0 {
		return nil
	}
	b, err := db.Conn.PrepareBatch(ctx, "INSERT INTO "+db.Table("limit_findings")+
		" (window_to, window_from, partner, limit_name, kind, measure, utilization, throttled, state, peak, projected_from_days, exhausts_at, computed_at, computed_ms)")
	if err != nil {
		return fmt.Errorf("write limit findings: %w", err)
	}
	for _, r := range rows {
		ex := time.Unix(0, 0).UTC()
		if r.ExhaustsAt != nil {
			ex = r.ExhaustsAt.UTC()
		}
		if err := b.Append(to.UTC(), from.UTC(), r.Partner, r.Limit, string(r.Kind), string(r.Measure), r.Utilization, r.Throttled,
			string(r.State), r.Peak, r.ProjectedFromDays, ex, at.UTC(), uint64(time.Now().UnixMilli())); err != nil {
			return errors.Join(fmt.Errorf("write limit findings: %w", err), b.Abort())
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("write limit findings: %w", err)
	}
	return nil
}

// Storms reads the kept storms that lie in [from, to) (optionally only
// partner's), sorted as report retry-storms sorts them.
func Storms(ctx context.Context, rd *chquery.Reader, from, to time.Time, partner string) ([]retry.Storm, error) {
	rows, err := rd.Query(ctx, rd.Tables().FindingsStorms(from, to, partner))
	if err != nil {
		return nil, fmt.Errorf("read storm findings: %w", err)
	}
	defer rows.Close()
	out := []retry.Storm{}
	for rows.Next() {
		var (
			s                 retry.Storm
			startMs, endMs    int64
			attempts, retries uint64
			violations        []string
		)
		if err := rows.Scan(&s.Partner, &s.ClientIP, &s.Method, &s.Route, &s.IdempotencyKey, &startMs, &endMs, &attempts, &retries,
			&s.MedianGapMs, &violations, &s.FirstRequestID); err != nil {
			return nil, fmt.Errorf("read storm findings: %w", err)
		}
		s.Start, s.End = time.UnixMilli(startMs).UTC(), time.UnixMilli(endMs).UTC()
		s.Attempts, s.Retries = int(attempts), int(retries)
		for _, v := range violations {
			s.Violations = append(s.Violations, retry.Violation(v))
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read storm findings: %w", err)
	}
	retry.SortStorms(out)
	return out, nil
}

// Limits reads the kept rate-limit rows of the pass over [from, to),
// sorted as report rate-limits sorts them.
func Limits(ctx context.Context, rd *chquery.Reader, from, to time.Time) ([]ratelimit.Row, error) {
	rows, err := rd.Query(ctx, rd.Tables().FindingsLimits(from, to))
	if err != nil {
		return nil, fmt.Errorf("read limit findings: %w", err)
	}
	defer rows.Close()
	out := []ratelimit.Row{}
	for rows.Next() {
		var (
			r                    ratelimit.Row
			kind, measure, state string
			ex                   time.Time
		)
		if err := rows.Scan(&r.Partner, &r.Limit, &kind, &measure, &r.Utilization, &r.Throttled, &state, &r.Peak, &r.ProjectedFromDays, &ex); err != nil {
			return nil, fmt.Errorf("read limit findings: %w", err)
		}
		r.Kind, r.Measure, r.State = ratelimit.Kind(kind), ratelimit.Measure(measure), ratelimit.State(state)
		if ex.Unix() > 0 {
			ex = ex.UTC()
			r.ExhaustsAt = &ex
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read limit findings: %w", err)
	}
	ratelimit.SortRows(out)
	return out, nil
}
