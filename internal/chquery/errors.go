package chquery

import (
	"strings"
	"time"
)

// The columns of the assembled requests (see foldColumns) the errors report
// groups by.
const (
	ColCode    = "r_code"
	ColStatus  = "r_status"
	ColPartner = "r_partner"
	ColRoute   = "r_route"
)

// ErrorCounts counts the error requests (r_status >= 400) of the window
// [from, to) by cols (Col… constants, in output order), optionally only
// partner's: the cols, then count() AS requests, sorted by count, largest
// first, then by the cols. cols must be Col… constants: they are spliced
// into the SQL.
//
// The hours of cover are counted from the hourly rollups, the rest
// of the window from the requests themselves; an empty cover reads only
// the requests.
func (t Tables) ErrorCounts(from, to time.Time, cols []string, partner string, cover Cover) Statement {
	list := strings.Join(cols, ", ")
	var b Builder
	if cover.Empty() {
		b.SQL("SELECT ", list, ", count() AS requests\nFROM (")
		t.requests(&b, from, to, true, cover)
		b.SQL("\n)\nWHERE r_status >= 400")
		if partner != "" {
			b.SQL(" AND r_partner = ").Arg(partner)
		}
		return b.SQL("\nGROUP BY ", list, "\nORDER BY requests DESC, ", list).Statement("errors.counts")
	}
	b.SQL("SELECT ", list, ", sum(n) AS requests\nFROM (\nSELECT ", list, ", count() AS n\nFROM (")
	t.requests(&b, from, to, true, cover)
	b.SQL("\n)\nWHERE r_status >= 400")
	if partner != "" {
		b.SQL(" AND r_partner = ").Arg(partner)
	}
	// The rollups' rows, grouped by the stored columns first; the partner
	// is named (Tables.Partner) above that grouping, and rows whose keys
	// the map names alike add up in the outer GROUP BY.
	b.SQL("\nGROUP BY ", list, "\nUNION ALL\nSELECT ")
	raw := make([]string, len(cols))
	for i, c := range cols {
		raw[i] = rollupStored[c]
		if i > 0 {
			b.SQL(", ")
		}
		b.SQL(t.rollupColumn(c), " AS ", c)
	}
	b.SQL(", n FROM (SELECT ", strings.Join(raw, ", "), ", sum(requests) AS n FROM ", t.Rollup(), " WHERE status >= 400 AND ")
	cover.inside(&b, "hour")
	if partner != "" {
		b.SQL(" AND ", t.Partner(), " = ").Arg(partner)
	}
	b.SQL(" GROUP BY ", strings.Join(raw, ", "), ")\n)\nGROUP BY ", list, "\nORDER BY requests DESC, ", list)
	return b.Statement("errors.counts")
}
