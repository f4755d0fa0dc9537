package chquery

import "time"

// SummaryAccess counts the window's requests that have an access record,
// one each (rid, the request id's hash), per status class by the status of
// its latest access record in the window (the assembly rule: a request
// whose lines disagree has one status): requests, errors (>= 400), client
// errors (400–499), server errors (>= 500), throttled (429). The hours of
// cover are left out (SummaryRollup counts them).
func (t Tables) SummaryAccess(from, to time.Time, cover Cover) Statement {
	var b Builder
	b.SQL(`SELECT count(), countIf(s >= 400), countIf(s >= 400 AND s < 500), countIf(s >= 500), countIf(s = 429)
FROM (SELECT argMax(status, time_ms) AS s FROM `, t.Requests(), " WHERE kind = 1 AND ")
	cover.rest(&b, "time", from, to)
	return b.SQL(" GROUP BY rid)").Statement("summary.access")
}

// OrphanSlack is how far from the window an access record is looked for
// before an error body logged in the window counts as an orphan.
const OrphanSlack = 24 * time.Hour

// SummaryOrphans counts the error bodies logged in [from, to) whose request
// has no access record within OrphanSlack of the window, as SummaryAccess
// counts access records, and lists their distinct non-empty partners
// (sorted). Bodies are few, so the sets are small; the slack bounds the
// scan for access records to the partitions near the window. The minutes
// of cover are left out (SummaryRollup counts them).
func (t Tables) SummaryOrphans(from, to time.Time, cover Cover) Statement {
	var where Builder
	where.SQL("kind = 2 AND ")
	cover.rest(&where, "time", from, to)
	where.SQL("\n      AND rid ", t.NotIn(), "\n          (SELECT rid FROM ", t.Requests(), "\n           WHERE kind = 1 AND ")
	window(&where, "time", from.Add(-OrphanSlack), to.Add(OrphanSlack))
	where.SQL(" AND rid ", t.In(), "\n               (SELECT rid FROM ", t.Requests(), " WHERE kind = 2 AND ")
	window(&where, "time", from, to)
	where.SQL("))")
	var b Builder
	b.SQL(`SELECT count(), countIf(r_status >= 400), countIf(r_status >= 400 AND r_status < 500),
    countIf(r_status >= 500), countIf(r_status = 429), arraySort(groupUniqArrayIf(r_partner, r_partner != ''))
FROM (`)
	t.assembled(&b, &where, nil, false)
	return b.SQL(")").Statement("summary.orphans")
}

// SummaryPartners lists the distinct non-empty partners of the window's
// access records, leaving out the hours of cover.
func (t Tables) SummaryPartners(from, to time.Time, cover Cover) Statement {
	var b Builder
	b.SQL("SELECT ", t.Partner(), " AS p FROM ", t.Requests(), " WHERE kind = 1 AND ")
	cover.rest(&b, "time", from, to)
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
