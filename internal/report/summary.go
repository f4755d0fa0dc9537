package report

import (
	"context"
	"fmt"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/rollup"
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
// group the whole window by request id with all its columns: the access
// records are grouped by their 64-bit id hashes (rid) keeping only the
// latest one's status — a request whose access lines disagree on the
// status counts once, by its latest line, as the assembly rule says — and
// only error bodies logged without an access record (orphans, few) are
// assembled. One difference from the assembled view, at the edges: a body
// whose access record lies more than a day outside the window counts as an
// orphan.
//
// The whole hours of the window on days whose hourly rollup is
// complete (rollup.CoverOf) are counted from the rollups, where every
// request is already assembled (a body's request is the one its access
// record makes at any distance); the rest as above.
func Summarize(ctx context.Context, rd *chquery.Reader, from, to time.Time) (Summary, error) {
	return summarize(ctx, rd, from, to, true)
}

// SummarizeRaw is Summarize reading every request from the requests
// table, never from the rollups: the same result, for tests and
// benchmarks to compare with.
func SummarizeRaw(ctx context.Context, rd *chquery.Reader, from, to time.Time) (Summary, error) {
	return summarize(ctx, rd, from, to, false)
}

func summarize(ctx context.Context, rd *chquery.Reader, from, to time.Time, rollups bool) (Summary, error) {
	s := Summary{From: from.UTC(), To: to.UTC()}
	t := rd.Tables()
	var cover chquery.Cover
	if rollups {
		c, err := rollup.CoverOf(ctx, rd, from, to)
		if err != nil {
			return Summary{}, fmt.Errorf("summarize: %w", err)
		}
		cover = c
	}
	// Access records: distinct ids per status class, by 64-bit hash.
	if err := rd.QueryRow(ctx, t.SummaryAccess(from, to, cover)).Scan(&s.Requests, &s.Errors, &s.ClientErrors, &s.ServerErrors, &s.Throttled); err != nil {
		return Summary{}, fmt.Errorf("summarize requests: %w", err)
	}
	// Orphan bodies are requests too, disjoint from the access records.
	var o Summary
	var orphanPartners []string
	if err := rd.QueryRow(ctx, t.SummaryOrphans(from, to, cover)).Scan(&o.Requests, &o.Errors, &o.ClientErrors, &o.ServerErrors, &o.Throttled, &orphanPartners); err != nil {
		return Summary{}, fmt.Errorf("summarize orphan error bodies: %w", err)
	}
	if !cover.Empty() {
		// The covered hours: assembled requests, orphans included.
		var r Summary
		var rolled []string
		if err := rd.QueryRow(ctx, t.SummaryRollup(cover)).Scan(&r.Requests, &r.Errors, &r.ClientErrors, &r.ServerErrors, &r.Throttled, &rolled); err != nil {
			return Summary{}, fmt.Errorf("summarize rollups: %w", err)
		}
		o.Requests += r.Requests
		o.Errors += r.Errors
		o.ClientErrors += r.ClientErrors
		o.ServerErrors += r.ServerErrors
		o.Throttled += r.Throttled
		orphanPartners = append(orphanPartners, rolled...)
	}
	s.Requests += o.Requests
	s.Errors += o.Errors
	s.ClientErrors += o.ClientErrors
	s.ServerErrors += o.ServerErrors
	s.Throttled += o.Throttled
	if s.Requests > 0 {
		s.ErrorRate = float64(s.Errors) / float64(s.Requests)
	}
	partners, err := accessPartners(ctx, rd, from, to, cover)
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
func accessPartners(ctx context.Context, rd *chquery.Reader, from, to time.Time, cover chquery.Cover) (map[string]struct{}, error) {
	rows, err := rd.Query(ctx, rd.Tables().SummaryPartners(from, to, cover))
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
