package report

import (
	"context"
	"fmt"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
)

// Summary is the overview of one window. Its JSON encoding is the stable
// `report summary --format json` contract:
//
//	requests        distinct request ids in the window (access records, and error bodies without one)
//	errors          requests with status >= 400
//	error_rate      errors / requests (0 when there are no requests)
//	client_errors   requests with status 400–499
//	server_errors   requests with status >= 500
//	throttled       requests with status 429
//	partners        distinct non-empty partners (key ids as logged)
//	rejected_lines  distinct (source, offset) lines rejected by ingest in the window
//	from, to        the window [from, to), RFC 3339 UTC
type Summary struct {
	Requests      uint64    `json:"requests"`
	Errors        uint64    `json:"errors"`
	ErrorRate     float64   `json:"error_rate"`
	ClientErrors  uint64    `json:"client_errors"`
	ServerErrors  uint64    `json:"server_errors"`
	Throttled     uint64    `json:"throttled"`
	Partners      uint64    `json:"partners"`
	RejectedLines uint64    `json:"rejected_lines"`
	From          time.Time `json:"from"`
	To            time.Time `json:"to"`
}

// Summarize computes the Summary of the window [from, to). Rejected lines
// are counted by the time they are filed under (the last parsed line of
// their file before them, else when ingest rejected them). It assumes the
// schema is current (chstore.DB.CheckSchema).
func Summarize(ctx context.Context, db *chstore.DB, from, to time.Time) (Summary, error) {
	s := Summary{From: from.UTC(), To: to.UTC()}
	q := `SELECT
    count(),
    countIf(r_status >= 400),
    countIf(r_status >= 400 AND r_status < 500),
    countIf(r_status >= 500),
    countIf(r_status = 429),
    uniqExactIf(r_partner, r_partner != '')
FROM (` + requestsSQL(db, false) + `
)`
	err := db.Conn.QueryRow(ctx, q, windowArgs(from, to)...).Scan(
		&s.Requests, &s.Errors, &s.ClientErrors, &s.ServerErrors, &s.Throttled, &s.Partners)
	if err != nil {
		return Summary{}, fmt.Errorf("summarize requests: %w", err)
	}
	if s.Requests > 0 {
		s.ErrorRate = float64(s.Errors) / float64(s.Requests)
	}
	q = "SELECT count() FROM (SELECT source, `offset` FROM " + db.Table("rejected") +
		" WHERE time >= ? AND time < ? GROUP BY source, `offset`)"
	if err := db.Conn.QueryRow(ctx, q, dateTimeArg(from), dateTimeArg(to)).Scan(&s.RejectedLines); err != nil {
		return Summary{}, fmt.Errorf("count rejected lines: %w", err)
	}
	return s, nil
}
