package report

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
)

// Rejected is one dead letter: a line ingest could not store as a request.
// Its JSON encoding is the `report rejected --output json` contract.
type Rejected struct {
	Time   time.Time `json:"time"`   // the time it is filed under (see Summarize)
	Source string    `json:"source"` // the file, as given to ingest
	Line   uint64    `json:"line"`   // 1-based line number in the file
	Offset uint64    `json:"offset"` // byte offset in the file
	Format string    `json:"format"` // the format the file was read as
	Reason string    `json:"reason"` // why it was rejected (bad_json, no_time, …)
	Raw    string    `json:"raw"`    // the line, truncated, credentials redacted, invalid UTF-8 as U+FFFD
}

// RejectedQuery selects dead letters.
type RejectedQuery struct {
	From, To time.Time
	Reason   string // only this reason, when not empty
	Source   string // only this source, when not empty
}

// ListRejected lists the distinct rejected lines of the window (one per
// source, offset and content, however often the file was loaded), by
// source, then offset.
func ListRejected(ctx context.Context, rd *chquery.Reader, q RejectedQuery) ([]Rejected, error) {
	rows, err := rd.Query(ctx, rd.Tables().RejectedList(q.From, q.To, q.Reason, q.Source))
	if err != nil {
		return nil, fmt.Errorf("list rejected lines: %w", err)
	}
	defer rows.Close()
	out := []Rejected{}
	for rows.Next() {
		var r Rejected
		var rawHex string
		if err := rows.Scan(&r.Time, &r.Source, &r.Line, &r.Offset, &r.Format, &r.Reason, &rawHex); err != nil {
			return nil, fmt.Errorf("list rejected lines: %w", err)
		}
		raw, err := hex.DecodeString(rawHex)
		if err != nil {
			return nil, fmt.Errorf("list rejected lines: raw line: %w", err)
		}
		r.Raw = strings.ToValidUTF8(string(raw), "\uFFFD")
		r.Time = r.Time.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list rejected lines: %w", err)
	}
	return out, nil
}
