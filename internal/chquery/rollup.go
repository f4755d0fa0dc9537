package chquery

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
)

// Cover is the part of a report's window that the hourly rollups
// (table requests_1h) answer for: the hours in [From, To) — whole
// hours — of the days in Days (YYYYMMDD, UTC) whose rollup is known to
// be complete (internal/rollup decides which). The zero Cover covers
// nothing: a statement given it reads only the requests table.
//
// Near, when NearKnown, lists the days whose partitions hold every row
// of the requests of the window's rest (the part outside the cover): the
// rest's days and the days linked to them (rollup_links). The requests
// read for the rest then look for their other rows (error bodies logged
// apart, access records of bodies) on those days only, not on every day.
// Without NearKnown they look on every day.
type Cover struct {
	From, To  time.Time
	Days      []uint32
	Near      []uint32
	NearKnown bool
}

// Empty reports whether c covers nothing.
func (c Cover) Empty() bool { return len(c.Days) == 0 || !c.From.Before(c.To) }

// inside appends the boolean expression "col lies in c" (c not empty).
func (c Cover) inside(b *Builder, col string) *Builder {
	b.SQL("(")
	window(b, col, c.From, c.To)
	return b.SQL(" AND toYYYYMMDD(", col, ") IN (", daysList(c.Days), "))")
}

// outside appends " AND NOT (col lies in c)", nothing when c is empty.
func (c Cover) outside(b *Builder, col string) *Builder {
	if c.Empty() {
		return b
	}
	b.SQL(" AND NOT ")
	return c.inside(b, col)
}

// rest appends the boolean expression "col lies in [from, to) but not in
// c" as a disjunction of time ranges, so that ClickHouse prunes the
// partitions the rollups answer for; "0" when nothing is left.
func (c Cover) rest(b *Builder, col string, from, to time.Time) *Builder {
	if c.Empty() {
		return window(b, col, from, to)
	}
	covered := map[uint32]bool{}
	for _, d := range c.Days {
		covered[d] = true
	}
	type span struct{ from, to time.Time }
	var spans []span
	add := func(f, t time.Time) {
		if !f.Before(t) {
			return
		}
		if n := len(spans); n > 0 && spans[n-1].to.Equal(f) {
			spans[n-1].to = t
			return
		}
		spans = append(spans, span{f, t})
	}
	// Walk [from, to) a day at a time, leaving out each covered day's
	// part of [c.From, c.To).
	for at := from.UTC(); at.Before(to); {
		next := at.Truncate(24 * time.Hour).Add(24 * time.Hour)
		if next.After(to) {
			next = to
		}
		y, m, d := at.Date()
		if covered[uint32(y*10000+int(m)*100+d)] {
			lo, hi := maxTime(at, c.From), minTime(next, c.To)
			if lo.Before(hi) {
				add(at, lo)
				add(hi, next)
			} else {
				add(at, next)
			}
		} else {
			add(at, next)
		}
		at = next
	}
	if len(spans) == 0 {
		return b.SQL("0")
	}
	b.SQL("(")
	for i, s := range spans {
		if i > 0 {
			b.SQL(" OR ")
		}
		b.SQL("(")
		window(b, col, s.from, s.to)
		b.SQL(")")
	}
	return b.SQL(")")
}

// beyond returns c with only the near days that do not lie whole in
// [from, to) when c covers nothing (the rest is all of [from, to), whose
// whole days a read takes every row of); c unchanged otherwise.
func (c Cover) beyond(from, to time.Time) Cover {
	if !c.NearKnown || !c.Empty() {
		return c
	}
	out := c
	out.Near = nil
	for _, d := range c.Near {
		s := time.Date(int(d/10000), time.Month(d/100%100), int(d%100), 0, 0, 0, 0, time.UTC)
		if s.Before(from) || s.AddDate(0, 0, 1).After(to) {
			out.Near = append(out.Near, d)
		}
	}
	return out
}

// near appends " AND col lies on a day of c.Near" when c.NearKnown
// (nothing otherwise), as time ranges, so that ClickHouse prunes the
// other days' partitions.
func (c Cover) near(b *Builder, col string) *Builder {
	if !c.NearKnown {
		return b
	}
	if len(c.Near) == 0 {
		return b.SQL(" AND 0")
	}
	b.SQL(" AND (")
	var from, to time.Time
	n := 0
	flush := func() {
		if n > 0 {
			b.SQL(" OR ")
		}
		b.SQL("(")
		window(b, col, from, to)
		b.SQL(")")
		n++
	}
	for i, d := range c.Near {
		s := time.Date(int(d/10000), time.Month(d/100%100), int(d%100), 0, 0, 0, 0, time.UTC)
		if i > 0 && s.Equal(to) {
			to = s.AddDate(0, 0, 1)
			continue
		}
		if i > 0 {
			flush()
		}
		from, to = s, s.AddDate(0, 0, 1)
	}
	flush()
	return b.SQL(")")
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// daysList writes a list of YYYYMMDD numbers as SQL (numbers only: no
// placeholder needed, and the list stays readable in a panel's SQL).
func daysList(ds []uint32) string {
	var sb strings.Builder
	for i, d := range ds {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(strconv.FormatUint(uint64(d), 10))
	}
	return sb.String()
}

// Rollup is the hourly rollup table, qualified with the database.
func (t Tables) Rollup() string { return t.table("requests_1h") }

// RollupBuilds is the table of rollup refreshes, qualified.
func (t Tables) RollupBuilds() string { return t.table("rollup_builds") }

// RollupColumns are the columns RollupBuild returns, in order: the
// requests_1h columns an INSERT names.
const RollupColumns = "hour, partner, route, method, status, code, error_type, requests, latency"

// RollupBuild computes the hourly rollup of the requests of [from,
// to) (see requests: one row per request id, its body attached wherever
// it was logged), grouped by hour, partner, route, method, status, code
// and error type: the columns RollupColumns names, requests counting the
// distinct requests, latency their quantilesTDigest(0.5, 0.99) state.
// internal/rollup inserts it, a day at a time. The other rows of those
// requests are looked for on the days of near only (Cover.Near): the
// day's and its links'; nil looks on every day.
func (t Tables) RollupBuild(from, to time.Time, near []uint32) Statement {
	var b Builder
	b.SQL("SELECT toStartOfHour(r_time) AS hour, r_logged_partner, r_route, r_method, r_status, r_code, r_error_type, count(), quantilesTDigestState(0.5, 0.99)(r_latency)\nFROM (")
	var c Cover
	if near != nil {
		c.Near, c.NearKnown = slices.Sorted(slices.Values(near)), true
	}
	t.requests(&b, from, to, false, c)
	b.SQL(")\nGROUP BY hour, r_logged_partner, r_route, r_method, r_status, r_code, r_error_type")
	return b.Statement("rollup.build")
}

// RollupChecks lists, per day (YYYYMMDD) that has a rollup, when the
// refresh pass that recorded it last found it complete and how many rows
// of the requests table the day held then: day, checked_at, rows. Sorted
// by day.
func (t Tables) RollupChecks() Statement {
	var b Builder
	b.SQL("SELECT day, argMax(checked_at, ", checkVersion, "), argMax(rows, ", checkVersion, "), argMax(recorded_at, ", checkVersion, ") FROM ", t.RollupBuilds(), " GROUP BY day ORDER BY day")
	return b.Statement("rollup.checks")
}

// checkVersion orders the records of one day in rollup_builds and
// rollup_links: the latest swapped in, then the latest checked.
const checkVersion = "toUInt64(recorded_at) * 4294967296 + toUInt32(checked_at)"

// RollupLinksTable is the table of the days linked to each day's
// requests (schema/0006), qualified.
func (t Tables) RollupLinksTable() string { return t.table("rollup_links") }

// RollupLinksColumns are the columns of rollup_links, in the order
// RollupLinks returns them and an INSERT names them.
const RollupLinksColumns = "day, checked_at, rows, recorded_at, linked, access_linked, partners, partner_requests, ids_unique"

// RollupLinks lists, per day (YYYYMMDD) with a rollup_links row, the
// latest (as RollupChecks orders them): RollupLinksColumns. Sorted by
// day.
func (t Tables) RollupLinks() Statement {
	var b Builder
	b.SQL("SELECT day")
	for _, c := range strings.Split(RollupLinksColumns, ", ")[1:] {
		b.SQL(", argMax(", c, ", ", checkVersion, ")")
	}
	b.SQL(" FROM ", t.RollupLinksTable(), " GROUP BY day ORDER BY day")
	return b.Statement("rollup.links")
}

// RollupDayLinks lists the days (YYYYMMDD) other than the one starting at
// day that hold a row of a request id with a row on that day: d, and
// whether one of those rows is an access record of a request id with an
// access record on day (UInt8). Sorted by d.
func (t Tables) RollupDayLinks(day time.Time) Statement {
	var b Builder
	end := day.AddDate(0, 0, 1)
	b.SQL("SELECT toYYYYMMDD(time) AS d, max(kind = 1 AND rid ", t.In(), " (SELECT rid FROM ", t.Requests(), " WHERE kind = 1 AND ")
	window(&b, "time", day, end)
	b.SQL(")) FROM ", t.Requests(), " WHERE (time < ").Arg(chstore.QueryTime(day)).SQL(" OR time >= ").Arg(chstore.QueryTime(end))
	b.SQL(") AND rid ", t.In(), " (SELECT rid FROM ", t.Requests(), " WHERE ")
	window(&b, "time", day, end)
	return b.SQL(") GROUP BY d ORDER BY d").Statement("rollup.day_links")
}

// RollupDayPartners counts the distinct requests (rid) of the access
// records of the day starting at day, in one row: the partners as logged
// (sorted), beside each its count, and the count of all (which is less
// than their sum when a request id is under two partners).
func (t Tables) RollupDayPartners(day time.Time) Statement {
	var b Builder
	b.SQL("SELECT arraySort(groupArray(lp)), arraySort((n, p) -> p, groupArray(finalizeAggregation(s)), groupArray(lp)), uniqExactMerge(s) FROM (SELECT ",
		t.LoggedPartner(), " AS lp, uniqExactState(rid) AS s FROM ", t.Requests(), " WHERE ")
	accessWindow(&b, day, day.AddDate(0, 0, 1))
	return b.SQL(" GROUP BY lp)").Statement("rollup.day_partners")
}

// RollupLinked lists the days (YYYYMMDD) holding rows of the request ids
// that have a row on one of days ingested at or after since: the days
// whose rollup a change to those days may change too (a late error body
// filed on another day than its access record changes the access record's
// day). Sorted.
func (t Tables) RollupLinked(days []uint32, since time.Time) Statement {
	var b Builder
	b.SQL("SELECT toYYYYMMDD(time) AS d FROM ", t.Requests(), " WHERE rid ", t.In(),
		" (SELECT rid FROM ", t.Requests(), " WHERE toYYYYMMDD(time) IN (", daysList(days), ") AND ingested_at >= ").Arg(since)
	return b.SQL(") GROUP BY d ORDER BY d").Statement("rollup.linked")
}

// RollupDays counts the rows of the requests table per day (YYYYMMDD):
// day, rows, sorted by day — from the table's active parts
// (system.parts), which costs nothing however many rows there are. A
// background merge that folds copies changes a day's count, which only
// makes the rollups rebuild that day once more.
func (t Tables) RollupDays() Statement {
	var b Builder
	b.SQL("SELECT toUInt32(partition) AS d, sum(rows) FROM ", t.Parts(), " WHERE database = ").Arg(t.Database)
	b.SQL(" AND table = ").Arg(t.StoredName("requests"))
	return b.SQL(" AND active GROUP BY d ORDER BY d").Statement("rollup.days")
}

// SummaryRollup counts the requests of cover from the rollups, per status
// class as SummaryAccess does (requests, errors, client errors, server
// errors, throttled), and lists their distinct non-empty partners
// (sorted).
func (t Tables) SummaryRollup(cover Cover) Statement {
	var b Builder
	b.SQL(`SELECT sum(requests), sumIf(requests, status >= 400), sumIf(requests, status >= 400 AND status < 500),
    sumIf(requests, status >= 500), sumIf(requests, status = 429), arraySort(groupUniqArrayIf(`, t.Partner(), ", ", t.Partner(), ` != ''))
FROM `, t.Rollup(), " WHERE ")
	cover.inside(&b, "hour")
	return b.Statement("summary.rollup")
}

// rollupStored maps the assembled requests' columns the errors report
// groups by (Col…) to the rollup's stored columns.
var rollupStored = map[string]string{ColCode: "code", ColStatus: "status", ColPartner: "partner", ColRoute: "route"}

// rollupColumn maps the assembled requests' columns the errors report
// groups by (Col…) to expressions over the rollup's: the rollup keeps the
// partner as logged, named by the current partner map when read.
func (t Tables) rollupColumn(col string) string {
	switch col {
	case ColCode:
		return "code"
	case ColStatus:
		return "status"
	case ColPartner:
		return t.Partner()
	default:
		return "route"
	}
}

// ServerNow reads the server's clock: now() as a DateTime. Rollup
// refreshes stamp their checks with it, so ingest clocks and the
// server's are compared only through the safety margin.
func (t Tables) ServerNow() Statement {
	var b Builder
	return b.SQL("SELECT now()").Statement("rollup.now")
}

// RollupScratchPrefix starts the name of every scratch table a rollup
// build creates (requests_1h_build_<day>_<nonce>).
const RollupScratchPrefix = "requests_1h_build_"

// RollupScratch lists the scratch tables of rollup builds in the database
// created (by the server's clock) at least minAge ago: name, sorted.
func (t Tables) RollupScratch(minAge time.Duration) Statement {
	var b Builder
	b.SQL("SELECT name FROM system.tables WHERE database = ").Arg(t.Database).
		SQL(" AND startsWith(name, ").Arg(RollupScratchPrefix).
		SQL(") AND metadata_modification_time <= now() - ").Arg(int64(minAge / time.Second))
	return b.SQL(" ORDER BY name").Statement("rollup.scratch")
}

// RunningQueries lists the text of the queries the server is running:
// query. A scratch table named in one is in use.
func (t Tables) RunningQueries() Statement {
	var b Builder
	return b.SQL("SELECT query FROM system.processes").Statement("rollup.running")
}
