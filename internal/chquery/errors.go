package chquery

import (
	"strings"
	"time"
)

// The columns of the assembled requests (see fold) the errors report
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
func (t Tables) ErrorCounts(from, to time.Time, cols []string, partner string) Statement {
	list := strings.Join(cols, ", ")
	var b Builder
	b.SQL("SELECT ", list, ", count() AS requests\nFROM (")
	t.requests(&b, from, to, true)
	b.SQL("\n)\nWHERE r_status >= 400")
	if partner != "" {
		b.SQL(" AND r_partner = ").Arg(partner)
	}
	return b.SQL("\nGROUP BY ", list, "\nORDER BY requests DESC, ", list).Statement("errors.counts")
}
