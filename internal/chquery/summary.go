package chquery

import "time"

// SummaryAccess counts the window's access records by distinct request id
// (rid) per status class: requests, errors (>= 400), client errors
// (400–499), server errors (>= 500), throttled (429).
func (t Tables) SummaryAccess(from, to time.Time) Statement {
	var b Builder
	b.SQL(`SELECT
    uniqExact(rid),
    uniqExactIf(rid, status >= 400),
    uniqExactIf(rid, status >= 400 AND status < 500),
    uniqExactIf(rid, status >= 500),
    uniqExactIf(rid, status = 429)
FROM `, t.Requests(), " WHERE kind = 1 AND ")
	window(&b, "time", from, to)
	return b.Statement("summary.access")
}

// OrphanSlack is how far from the window an access record is looked for
// before an error body logged in the window counts as an orphan.
const OrphanSlack = 24 * time.Hour

// SummaryOrphans counts the error bodies logged in [from, to) whose request
// has no access record within OrphanSlack of the window, as SummaryAccess
// counts access records, and lists their distinct non-empty partners
// (sorted). Bodies are few, so the sets are small; the slack bounds the
// scan for access records to the partitions near the window.
func (t Tables) SummaryOrphans(from, to time.Time) Statement {
	var where Builder
	where.SQL("kind = 2 AND ")
	window(&where, "time", from, to)
	where.SQL("\n      AND rid ", t.NotIn(), "\n          (SELECT rid FROM ", t.Requests(), "\n           WHERE kind = 1 AND ")
	window(&where, "time", from.Add(-OrphanSlack), to.Add(OrphanSlack))
	where.SQL(" AND rid ", t.In(), "\n               (SELECT rid FROM ", t.Requests(), " WHERE kind = 2 AND ")
	window(&where, "time", from, to)
	where.SQL("))")
	var b Builder
	b.SQL(`SELECT count(), countIf(r_status >= 400), countIf(r_status >= 400 AND r_status < 500),
    countIf(r_status >= 500), countIf(r_status = 429), arraySort(groupUniqArrayIf(r_partner, r_partner != ''))
FROM (`)
	t.assembled(&b, &where, nil)
	return b.SQL(")").Statement("summary.orphans")
}

// SummaryPartners lists the distinct non-empty partners of the window's
// access records.
func (t Tables) SummaryPartners(from, to time.Time) Statement {
	var b Builder
	b.SQL("SELECT ", t.Partner(), " AS p FROM ", t.Requests(), " WHERE kind = 1 AND ")
	window(&b, "time", from, to)
	return b.SQL(" AND p != '' GROUP BY p").Statement("summary.partners")
}

// RejectedLines counts the distinct lines rejected in the window, by the
// time they are filed under. A rejected line is identified by its content
// and position, not by the file it was read from: a rotated, gzipped or
// linked copy of a file re-read under another name holds the same lines at
// the same offsets, and counts once — as id-less accepted lines fold.
func (t Tables) RejectedLines(from, to time.Time) Statement {
	var b Builder
	b.SQL("SELECT count() FROM (SELECT `offset` FROM ", t.Rejected(), " WHERE ")
	window(&b, "time", from, to)
	return b.SQL(" GROUP BY `offset`, cityHash64(raw))").Statement("summary.rejected")
}
