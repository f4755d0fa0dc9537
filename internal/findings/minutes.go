package findings

import (
	"context"
	"fmt"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/ratelimit"
)

// LimitMinutes reads the kept per-minute limit rows of the minutes in
// [from, to), each minute as its latest pass wrote it, optionally of one
// subject kind (ratelimit.SubjectPartner or SubjectIP; empty: both),
// sorted by minute, subject, partner, IP and limit.
func LimitMinutes(ctx context.Context, rd *chquery.Reader, from, to time.Time, subject string) ([]ratelimit.MinuteRow, error) {
	rows, err := rd.Query(ctx, rd.Tables().FindingsLimitMinutes(from, to, subject))
	if err != nil {
		return nil, fmt.Errorf("read limit minutes: %w", err)
	}
	defer rows.Close()
	out := []ratelimit.MinuteRow{}
	for rows.Next() {
		var (
			m                    ratelimit.MinuteRow
			kind, measure, state string
		)
		if err := rows.Scan(&m.Minute, &m.Subject, &m.Partner, &m.IP, &m.Limit, &kind, &measure, &m.Utilization, &m.Throttled, &state,
			&m.Peak, &m.From, &m.To); err != nil {
			return nil, fmt.Errorf("read limit minutes: %w", err)
		}
		m.Minute, m.From, m.To = m.Minute.UTC(), m.From.UTC(), m.To.UTC()
		m.Kind, m.Measure, m.State = ratelimit.Kind(kind), ratelimit.Measure(measure), ratelimit.State(state)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read limit minutes: %w", err)
	}
	return out, nil
}
