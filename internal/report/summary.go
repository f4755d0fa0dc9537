package report

import (
	"context"
	"fmt"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
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
// It counts without assembling every request (chquery's fold), which would
// group the whole window by request id: the access records' distinct ids
// are counted per status class by their 64-bit hashes (rid), and only error
// bodies logged without an access record (orphans, few) are assembled.
// Two differences from the assembled view, both at the edges: a request
// whose access lines disagree on the status (not mere copies) counts in
// each class they show, and a body whose access record lies more than a
// day outside the window counts as an orphan.
func Summarize(ctx context.Context, rd *chquery.Reader, from, to time.Time) (Summary, error) {
	s := Summary{From: from.UTC(), To: to.UTC()}
	t := rd.Tables()
	// Access records: distinct ids per status class, by 64-bit hash.
	if err := rd.QueryRow(ctx, t.SummaryAccess(from, to)).Scan(&s.Requests, &s.Errors, &s.ClientErrors, &s.ServerErrors, &s.Throttled); err != nil {
		return Summary{}, fmt.Errorf("summarize requests: %w", err)
	}
	// Orphan bodies are requests too, disjoint from the access records.
	var o Summary
	var orphanPartners []string
	if err := rd.QueryRow(ctx, t.SummaryOrphans(from, to)).Scan(&o.Requests, &o.Errors, &o.ClientErrors, &o.ServerErrors, &o.Throttled, &orphanPartners); err != nil {
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
	partners, err := accessPartners(ctx, rd, from, to)
	if err != nil {
		return Summary{}, err
	}
	for _, p := range orphanPartners {
		partners[p] = struct{}{}
	}
	s.Partners = uint64(len(partners))
	if err := rd.QueryRow(ctx, t.RejectedLines(from, to)).Scan(&s.RejectedLines); err != nil {
		return Summary{}, fmt.Errorf("count rejected lines: %w", err)
	}
	return s, nil
}

// accessPartners returns the distinct non-empty partners of the window's
// access records.
func accessPartners(ctx context.Context, rd *chquery.Reader, from, to time.Time) (map[string]struct{}, error) {
	rows, err := rd.Query(ctx, rd.Tables().SummaryPartners(from, to))
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
