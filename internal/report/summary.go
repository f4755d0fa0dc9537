package report

import (
	"context"
	"fmt"
	"strings"
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
//	partners        distinct non-empty partners (by name, where ratescope.yaml names them)
//	rejected_lines  distinct lines (source, offset, content) rejected by ingest in the window
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
//
// It counts without assembling every request (requestsSQL), which would
// group the whole window by request id: the access records' distinct ids
// are counted per status class by their 64-bit hashes (rid), and only error
// bodies logged without an access record (orphans, few) are assembled.
// Two differences from the assembled view, both at the edges: a request
// whose access lines disagree on the status (not mere copies) counts in
// each class they show, and a body whose access record lies more than a
// day outside the window counts as an orphan.
func Summarize(ctx context.Context, db *chstore.DB, from, to time.Time) (Summary, error) {
	s := Summary{From: from.UTC(), To: to.UTC()}
	from, to = chstore.QueryTime(from), chstore.QueryTime(to)
	t := db.Table("requests")
	// Access records: distinct ids per status class, by 64-bit hash.
	q := `SELECT
    uniqExact(rid),
    uniqExactIf(rid, status >= 400),
    uniqExactIf(rid, status >= 400 AND status < 500),
    uniqExactIf(rid, status >= 500),
    uniqExactIf(rid, status = 429)
FROM ` + t + ` WHERE kind = 1 AND time >= ? AND time < ?`
	if err := db.Conn.QueryRow(ctx, q, from, to).Scan(&s.Requests, &s.Errors, &s.ClientErrors, &s.ServerErrors, &s.Throttled); err != nil {
		return Summary{}, fmt.Errorf("summarize requests: %w", err)
	}
	// Orphan bodies are requests too, disjoint from the access records.
	var o Summary
	var orphanPartners []string
	q = `SELECT count(), countIf(o_status >= 400), countIf(o_status >= 400 AND o_status < 500),
    countIf(o_status >= 500), countIf(o_status = 429), groupUniqArrayIf(o_partner, o_partner != '')
FROM (` + strings.NewReplacer("{requests}", t, "{partner}", db.PartnerExpr("argMax(partner, time_ms)")).Replace(orphansSQL) + `)`
	if err := db.Conn.QueryRow(ctx, q, orphanArgs(from, to)...).Scan(&o.Requests, &o.Errors, &o.ClientErrors, &o.ServerErrors, &o.Throttled, &orphanPartners); err != nil {
		return Summary{}, fmt.Errorf("summarize orphan error bodies: %w", err)
	}
	s.Requests += o.Requests
	s.Errors += o.Errors
	s.ClientErrors += o.ClientErrors
	s.ServerErrors += o.ServerErrors
	s.Throttled += o.Throttled
	if s.Requests > 0 {
		s.ErrorRate = float64(s.Errors) / float64(s.Requests)
	}
	partners, err := accessPartners(ctx, db, from, to)
	if err != nil {
		return Summary{}, err
	}
	for _, p := range orphanPartners {
		partners[p] = struct{}{}
	}
	s.Partners = uint64(len(partners))
	q = "SELECT count() FROM (SELECT source, `offset` FROM " + db.Table("rejected") +
		" WHERE time >= ? AND time < ? GROUP BY source, `offset`, cityHash64(raw))"
	if err := db.Conn.QueryRow(ctx, q, from, to).Scan(&s.RejectedLines); err != nil {
		return Summary{}, fmt.Errorf("count rejected lines: %w", err)
	}
	return s, nil
}

// orphansSQL selects the error bodies logged in [from, to) whose request
// has no access record within a day of the window, one row per request:
// o_status (the body line's status, else the status the body claims) and
// o_partner. Bodies are few, so the sets are small; the day of slack bounds
// the scan for access records to the partitions near the window.
// Parameters: orphanArgs.
const orphansSQL = `
    SELECT
        rid,
        if(argMax(status, time_ms) > 0, argMax(status, time_ms), argMax(err_status, time_ms)) AS o_status,
        {partner} AS o_partner
    FROM {requests}
    WHERE kind = 2 AND time >= ? AND time < ?
      AND rid NOT IN
          (SELECT rid FROM {requests}
           WHERE kind = 1 AND time >= ? AND time < ? AND rid IN
               (SELECT rid FROM {requests} WHERE kind = 2 AND time >= ? AND time < ?))
    GROUP BY rid`

// orphanSlack is how far from the window an access record is looked for
// before an error body counts as an orphan.
const orphanSlack = 24 * time.Hour

func orphanArgs(from, to time.Time) []any {
	return []any{from, to, chstore.QueryTime(from.Add(-orphanSlack)), chstore.QueryTime(to.Add(orphanSlack)), from, to}
}

// accessPartners returns the distinct non-empty partners of the window's
// access records.
func accessPartners(ctx context.Context, db *chstore.DB, from, to time.Time) (map[string]struct{}, error) {
	rows, err := db.Conn.Query(ctx, "SELECT DISTINCT "+db.PartnerExpr("partner")+" FROM "+db.Table("requests")+
		" WHERE kind = 1 AND time >= ? AND time < ? AND partner != ''", from, to)
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	defer rows.Close()
	set := map[string]struct{}{}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("list partners: %w", err)
		}
		set[p] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	return set, nil
}
