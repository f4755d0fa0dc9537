package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
)

// Key is a dimension error requests are grouped by.
type Key string

// The grouping keys of the errors report.
const (
	KeyCode    Key = "code"    // error code, gateway error type or Envoy flags (see the package doc)
	KeyStatus  Key = "status"  // HTTP status
	KeyPartner Key = "partner" // partner (key id as logged)
	KeyRoute   Key = "route"   // route template
)

// keyColumns maps each Key to its column of the assembled requests
// (chquery.ErrorCounts). It is the only source of identifiers spliced
// into the errors query.
var keyColumns = map[Key]string{
	KeyCode:    chquery.ColCode,
	KeyStatus:  chquery.ColStatus,
	KeyPartner: chquery.ColPartner,
	KeyRoute:   chquery.ColRoute,
}

// KeyNames lists the valid keys, for help and error messages.
const KeyNames = "code, status, partner, route"

// DefaultKeys returns the default grouping: code, then status.
func DefaultKeys() []Key { return []Key{KeyCode, KeyStatus} }

// ParseKeys validates grouping key names, keeping their order.
func ParseKeys(names []string) ([]Key, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("no key given: want one or more of %s", KeyNames)
	}
	keys := make([]Key, 0, len(names))
	for _, n := range names {
		k := Key(strings.ToLower(strings.TrimSpace(n)))
		if _, ok := keyColumns[k]; !ok {
			return nil, fmt.Errorf("unknown key %q: want one or more of %s", n, KeyNames)
		}
		for _, seen := range keys {
			if seen == k {
				return nil, fmt.Errorf("key %q given twice", n)
			}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// ErrorsQuery selects and groups error requests (status >= 400).
type ErrorsQuery struct {
	From, To time.Time // the window [From, To)
	By       []Key     // grouping keys, in output order; at least one
	Partner  string    // when set, only this partner's requests
}

// ErrorRow is one group of error requests. Only the fields named by the
// query's keys are meaningful.
type ErrorRow struct {
	Code    string
	Status  uint16
	Partner string
	Route   string
	Count   uint64  // error requests in the group
	Share   float64 // Count ÷ all error requests matching the query, 0..1
}

// Value returns the row's value for k: a string, or a uint16 for KeyStatus.
func (r *ErrorRow) Value(k Key) any {
	switch k {
	case KeyCode:
		return r.Code
	case KeyStatus:
		return r.Status
	case KeyPartner:
		return r.Partner
	default:
		return r.Route
	}
}

// dest returns where Scan stores the value for k.
func (r *ErrorRow) dest(k Key) any {
	switch k {
	case KeyCode:
		return &r.Code
	case KeyStatus:
		return &r.Status
	case KeyPartner:
		return &r.Partner
	default:
		return &r.Route
	}
}

// ErrorBreakdown is the result of the errors report: rows sorted by count,
// largest first, then by the keys (ascending).
//
// Its JSON encoding is the stable `report errors --format json` contract: an
// array with one object per row holding the --by keys as fields, in --by
// order ("status" a number, the others strings), then "count" (requests) and
// "share" (count ÷ all matching error requests, 0..1). No rows encode as [].
type ErrorBreakdown struct {
	By    []Key
	Rows  []ErrorRow
	Total uint64 // all matching error requests: the sum of the rows' counts
}

// MarshalJSON encodes b as documented on ErrorBreakdown.
func (b ErrorBreakdown) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i := range b.Rows {
		r := &b.Rows[i]
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('{')
		for _, k := range b.By {
			if err := writeField(&buf, string(k), r.Value(k)); err != nil {
				return nil, err
			}
			buf.WriteByte(',')
		}
		if err := writeField(&buf, "count", r.Count); err != nil {
			return nil, err
		}
		buf.WriteByte(',')
		if err := writeField(&buf, "share", r.Share); err != nil {
			return nil, err
		}
		buf.WriteByte('}')
	}
	buf.WriteByte(']')
	return buf.Bytes(), nil
}

// writeField appends "name":value to buf, without HTML escaping (as the
// exporters print JSON).
func writeField(buf *bytes.Buffer, name string, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(name); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	buf.WriteByte(':')
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	buf.Truncate(buf.Len() - 1)
	return nil
}

// ErrorCounts counts the error requests (status >= 400) in the query's
// window by its keys. It assumes the schema is current
// (chstore.DB.CheckSchema).
func ErrorCounts(ctx context.Context, rd *chquery.Reader, q ErrorsQuery) (ErrorBreakdown, error) {
	if len(q.By) == 0 {
		return ErrorBreakdown{}, errors.New("count errors: no grouping key")
	}
	cols := make([]string, len(q.By))
	for i, k := range q.By {
		c, ok := keyColumns[k]
		if !ok {
			return ErrorBreakdown{}, fmt.Errorf("count errors: unknown key %q", k)
		}
		cols[i] = c
	}
	rows, err := rd.Query(ctx, rd.Tables().ErrorCounts(q.From, q.To, cols, q.Partner))
	if err != nil {
		return ErrorBreakdown{}, fmt.Errorf("count errors: %w", err)
	}
	defer rows.Close()
	b := ErrorBreakdown{By: q.By, Rows: []ErrorRow{}}
	dest := make([]any, len(q.By)+1)
	for rows.Next() {
		var r ErrorRow
		for i, k := range q.By {
			dest[i] = r.dest(k)
		}
		dest[len(q.By)] = &r.Count
		if err := rows.Scan(dest...); err != nil {
			return ErrorBreakdown{}, fmt.Errorf("count errors: %w", err)
		}
		b.Rows = append(b.Rows, r)
		b.Total += r.Count
	}
	if err := rows.Err(); err != nil {
		return ErrorBreakdown{}, fmt.Errorf("count errors: %w", err)
	}
	for i := range b.Rows {
		b.Rows[i].Share = float64(b.Rows[i].Count) / float64(b.Total)
	}
	return b, nil
}
