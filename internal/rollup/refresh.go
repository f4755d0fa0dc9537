package rollup

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
)

// Margin is how much earlier than a check a row may carry as ingested_at
// and still have been committed after it: the longest an insert may take
// plus the clock skew between an ingester and the server.
const Margin = 5 * time.Minute

// Result says what a refresh pass did.
type Result struct {
	// Rebuilt lists the days (YYYYMMDD) whose rollup was rebuilt.
	Rebuilt []uint32
	// Checked counts the days found complete without a rebuild.
	Checked int
	// Requests counts the requests rolled up in the rebuilt days.
	Requests uint64
	// Took is the pass's duration.
	Took time.Duration
	// Leftovers lists the scratch tables of dead builds the pass dropped
	// (CleanScratch).
	Leftovers []string
}

// Refresh runs one refresh pass over the whole database (see the package
// doc): it rebuilds every day whose rollup is missing or stale and records
// the others as complete. Passes may run concurrently on one database:
// each builds in scratch tables of its own, a day swapped in by both holds
// the deduplicated rows either saw, and rollup_builds believes the record
// swapped in last (its row count), so a day one of them built from fewer
// rows is found stale and rebuilt by the next pass.
func Refresh(ctx context.Context, db *chstore.DB) (Result, error) {
	start := time.Now()
	rd := chquery.New(db)
	var res Result
	left, err := CleanScratch(ctx, db, ScratchAge)
	res.Leftovers = left
	if err != nil {
		return res, err
	}
	st, err := readState(ctx, rd)
	if err != nil {
		return res, err
	}
	days := map[uint32]bool{}
	for d := range st.rows {
		days[d] = true
	}
	for d := range st.checks {
		days[d] = true // a day that lost its rows (partition dropped) rolls up to nothing
	}
	var clean []uint32
	for _, d := range slices.Sorted(maps.Keys(days)) {
		if st.isClean(d) {
			clean = append(clean, d)
			if st.facts[d] == nil {
				// Recorded before schema 0006, or beside an older
				// record: read now, once.
				f, err := dayFacts(ctx, rd, d)
				if err != nil {
					return res, err
				}
				st.facts[d] = f
			}
			continue
		}
		n, err := build(ctx, db, rd, d, st.now, st.rows[d])
		if err != nil {
			return res, err
		}
		res.Rebuilt = append(res.Rebuilt, d)
		res.Requests += n
	}
	if err := recordChecks(ctx, db, clean, st); err != nil {
		return res, err
	}
	res.Checked = len(clean)
	res.Took = time.Since(start)
	return res, nil
}

// check is a day's last check.
type check struct {
	at       time.Time
	rows     uint64
	recorded time.Time
}

// facts are what rollup_links records of a day beside a check
// (schema/0006).
type facts struct {
	// linked are the other days holding rows of the day's request ids,
	// accessLinked those holding access records of its access records'.
	linked, accessLinked []uint32
	// partners (as logged) and, beside each, its distinct requests by
	// access record on the day.
	partners []string
	requests []uint64
	// idsUnique: no request id of the day's access records is under two
	// partners.
	idsUnique bool
}

// state is what a pass or a reader knows about the rollups.
type state struct {
	now    time.Time         // the server's clock at the start
	rows   map[uint32]uint64 // rows per day
	checks map[uint32]check  // last check of each day with a rollup
	stale  map[uint32]bool   // days whose rollup is not complete
	// facts of the days whose latest check recorded them (factsOf)
	facts map[uint32]*facts
}

// factsOf returns what is recorded of day d (see facts), or nil when it
// is not known: d is not clean, or no facts were recorded beside its
// latest check.
func (s *state) factsOf(d uint32) *facts {
	if !s.isClean(d) {
		return nil
	}
	return s.facts[d]
}

// isClean reports whether day d's rollup is complete.
func (s *state) isClean(d uint32) bool {
	_, ok := s.checks[d]
	return ok && !s.stale[d]
}

// readState reads the server's clock, the checks and the row counts of
// every day, and finds the stale days: those never checked, those whose
// row count changed since, and those sharing a request id with a row of
// one of these ingested since its day's check (less Margin).
func readState(ctx context.Context, rd *chquery.Reader) (*state, error) {
	t := rd.Tables()
	st := &state{checks: map[uint32]check{}, rows: map[uint32]uint64{}, stale: map[uint32]bool{}, facts: map[uint32]*facts{}}
	if err := rd.QueryRow(ctx, t.ServerNow()).Scan(&st.now); err != nil {
		return nil, fmt.Errorf("read the server's clock: %w", err)
	}
	rows, err := rd.Query(ctx, t.RollupChecks())
	if err != nil {
		return nil, fmt.Errorf("read rollup checks: %w", err)
	}
	for rows.Next() {
		var d uint32
		var c check
		if err := rows.Scan(&d, &c.at, &c.rows, &c.recorded); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read rollup checks: %w", err)
		}
		st.checks[d] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rollup checks: %w", err)
	}
	if err := readFacts(ctx, rd, st); err != nil {
		return nil, err
	}
	if err := scanCounts(ctx, rd, t.RollupDays(), func(d uint32, n uint64) { st.rows[d] = n }); err != nil {
		return nil, fmt.Errorf("count rows per day: %w", err)
	}
	var changed []uint32
	var since time.Time
	first := true
	for d, n := range st.rows {
		c, ok := st.checks[d]
		if ok && c.rows == n {
			continue
		}
		changed = append(changed, d)
		at := time.Unix(0, 0)
		if ok {
			at = c.at.Add(-Margin)
		}
		if first || at.Before(since) {
			since, first = at, false
		}
	}
	for d, c := range st.checks {
		if _, ok := st.rows[d]; !ok && c.rows != 0 {
			st.stale[d] = true // its rows are gone: it rolls up to nothing
		}
	}
	if len(changed) == 0 {
		return st, nil
	}
	slices.Sort(changed)
	for _, d := range changed {
		st.stale[d] = true
	}
	err = scanCounts(ctx, rd, t.RollupLinked(changed, since), func(d uint32, _ uint64) { st.stale[d] = true })
	if err != nil {
		return nil, fmt.Errorf("find linked days: %w", err)
	}
	return st, nil
}

// build rebuilds day d's rollup as of now: into a scratch table, then
// swapped in whole. It returns the requests rolled up.
func build(ctx context.Context, db *chstore.DB, rd *chquery.Reader, d uint32, now time.Time, rows uint64) (uint64, error) {
	from, err := dayStart(d)
	if err != nil {
		return 0, err
	}
	t := rd.Tables()
	scratch := db.Table(chquery.RollupScratchPrefix + strconv.FormatUint(uint64(d), 10) + "_" + strconv.FormatInt(time.Now().UnixNano(), 36))
	if err := createScratch(ctx, db, t, scratch); err != nil {
		return 0, fmt.Errorf("rollup %d: %w", d, err)
	}
	defer func() {
		// A fresh context: the scratch table goes even when ctx ended.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = db.Conn.Exec(dctx, "DROP TABLE IF EXISTS "+scratch)
	}()
	// The day's facts are read first: its links tell the build which
	// days hold the other rows of its requests (error bodies filed after
	// midnight), so it reads those partitions only. Rows that come after
	// the pass read the state make the day stale at the next pass (its
	// count changes, or a linked day's does: readState), so neither a
	// link nor a row the build misses is ever read as complete.
	f, err := dayFacts(ctx, rd, d)
	if err != nil {
		return 0, err
	}
	s := t.RollupBuild(from, from.AddDate(0, 0, 1), append([]uint32{d}, f.linked...))
	if err := db.Conn.Exec(ctx, "INSERT INTO "+scratch+" ("+chquery.RollupColumns+") "+s.SQL, s.Args...); err != nil {
		return 0, fmt.Errorf("rollup %d: build: %w", d, err)
	}
	var n uint64
	if err := db.Conn.QueryRow(ctx, "SELECT sum(requests) FROM "+scratch).Scan(&n); err != nil {
		return 0, fmt.Errorf("rollup %d: count: %w", d, err)
	}
	// REPLACE from the scratch table also empties a day whose scratch
	// partition is empty (every row of the day gone). Not DROP PARTITION:
	// on a replicated rollup 18.16 sends a DROP to the leader replica, so a
	// dead leader fails it until ZooKeeper elects another, while REPLACE
	// runs on the replica the connection is on.
	part := strconv.FormatUint(uint64(d), 10)
	swap := "ALTER TABLE " + t.Rollup() + " REPLACE PARTITION " + part + " FROM " + scratch
	if err := db.Conn.Exec(ctx, swap); err != nil {
		return 0, fmt.Errorf("rollup %d: swap in: %w", d, err)
	}
	if err := record(ctx, db, []uint32{d}, map[uint32]uint64{d: rows}, map[uint32]*facts{d: f}, now, now, n); err != nil {
		return 0, fmt.Errorf("rollup %d: %w", d, err)
	}
	return n, nil
}

// dayFacts reads what rollup_links records of day d (see facts).
func dayFacts(ctx context.Context, rd *chquery.Reader, d uint32) (*facts, error) {
	from, err := dayStart(d)
	if err != nil {
		return nil, err
	}
	t := rd.Tables()
	f := &facts{linked: []uint32{}, accessLinked: []uint32{}, partners: []string{}, requests: []uint64{}}
	rows, err := rd.Query(ctx, t.RollupDayLinks(from))
	if err != nil {
		return nil, fmt.Errorf("rollup %d: read linked days: %w", d, err)
	}
	for rows.Next() {
		var (
			e      uint32
			access uint8
		)
		if err := rows.Scan(&e, &access); err != nil {
			rows.Close()
			return nil, fmt.Errorf("rollup %d: read linked days: %w", d, err)
		}
		f.linked = append(f.linked, e)
		if access != 0 {
			f.accessLinked = append(f.accessLinked, e)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rollup %d: read linked days: %w", d, err)
	}
	var all uint64
	if err := rd.QueryRow(ctx, t.RollupDayPartners(from)).Scan(&f.partners, &f.requests, &all); err != nil {
		return nil, fmt.Errorf("rollup %d: count requests per partner: %w", d, err)
	}
	if len(f.partners) != len(f.requests) {
		return nil, fmt.Errorf("rollup %d: count requests per partner: %d partners, %d counts", d, len(f.partners), len(f.requests))
	}
	var sum uint64
	for _, n := range f.requests {
		sum += n
	}
	f.idsUnique = all == sum
	return f, nil
}

// readFacts reads into st the facts recorded beside each day's latest
// check (st.checks, read first): a day whose latest rollup_links row is
// of another record has none.
func readFacts(ctx context.Context, rd *chquery.Reader, st *state) error {
	rows, err := rd.Query(ctx, rd.Tables().RollupLinks())
	if err != nil {
		return fmt.Errorf("read rollup links: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			d      uint32
			c      check
			f      facts
			unique uint8
		)
		if err := rows.Scan(&d, &c.at, &c.rows, &c.recorded, &f.linked, &f.accessLinked, &f.partners, &f.requests, &unique); err != nil {
			return fmt.Errorf("read rollup links: %w", err)
		}
		f.idsUnique = unique != 0
		if have, ok := st.checks[d]; ok && have.at.Equal(c.at) && have.rows == c.rows && have.recorded.Equal(c.recorded) && len(f.partners) == len(f.requests) {
			st.facts[d] = &f
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read rollup links: %w", err)
	}
	return nil
}

// createScratch creates scratch, a plain MergeTree table with the rollup
// table's columns, partition key and sorting key, on the server the
// connection is on: what REPLACE PARTITION can swap in from. (CREATE TABLE
// … AS the rollup would copy its engine, which on a cluster is replicated
// under the rollup's own ZooKeeper path.)
func createScratch(ctx context.Context, db *chstore.DB, t chquery.Tables, scratch string) error {
	var partition, sorting string
	err := db.Conn.QueryRow(ctx, "SELECT partition_key, sorting_key FROM system.tables WHERE database = ? AND name = 'requests_1h'", db.Name).Scan(&partition, &sorting)
	if err != nil {
		return fmt.Errorf("read the keys of %s: %w", t.Rollup(), err)
	}
	q := "CREATE TABLE " + scratch + " AS " + t.Rollup() + " ENGINE = MergeTree() PARTITION BY " + partition + " ORDER BY (" + sorting + ")"
	if err := db.Conn.Exec(ctx, q); err != nil {
		return fmt.Errorf("create scratch table: %w", err)
	}
	return nil
}

// recordChecks records that days were complete as of the pass's start.
func recordChecks(ctx context.Context, db *chstore.DB, days []uint32, st *state) error {
	if len(days) == 0 {
		return nil
	}
	if err := record(ctx, db, days, st.rows, st.facts, st.now, time.Unix(0, 0), 0); err != nil {
		return fmt.Errorf("rollup checks: %w", err)
	}
	return nil
}

// record inserts a rollup_builds row for each day, stamped with the
// server's clock now: after the day's rollup was swapped in; then the
// day's rollup_links row beside it (the same day, checked_at,
// recorded_at and rows), when its facts are in fs. Readers believe
// links only beside the record they believe, so a record whose links row
// is missing (a pass killed between the two inserts) has none.
func record(ctx context.Context, db *chstore.DB, days []uint32, rows map[uint32]uint64, fs map[uint32]*facts, checked, built time.Time, n uint64) error {
	var recorded time.Time
	rd := chquery.New(db)
	if err := rd.QueryRow(ctx, rd.Tables().ServerNow()).Scan(&recorded); err != nil {
		return fmt.Errorf("record: read the server's clock: %w", err)
	}
	b, err := db.Conn.PrepareBatch(ctx, "INSERT INTO "+db.Table("rollup_builds")+" (day, checked_at, built_at, rows, requests, recorded_at)")
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	for _, d := range days {
		if err := b.Append(d, checked.UTC(), built.UTC(), rows[d], n, recorded.UTC()); err != nil {
			return errors.Join(fmt.Errorf("record: %w", err), b.Abort())
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	lb, err := db.Conn.PrepareBatch(ctx, "INSERT INTO "+rd.Tables().RollupLinksTable()+" ("+chquery.RollupLinksColumns+")")
	if err != nil {
		return fmt.Errorf("record links: %w", err)
	}
	for _, d := range days {
		f := fs[d]
		if f == nil {
			continue
		}
		var unique uint8
		if f.idsUnique {
			unique = 1
		}
		if err := lb.Append(d, checked.UTC(), rows[d], recorded.UTC(), f.linked, f.accessLinked, f.partners, f.requests, unique); err != nil {
			return errors.Join(fmt.Errorf("record links: %w", err), lb.Abort())
		}
	}
	if err := lb.Send(); err != nil {
		return fmt.Errorf("record links: %w", err)
	}
	return nil
}

// dayStart returns the start (UTC) of day d (YYYYMMDD).
func dayStart(d uint32) (time.Time, error) {
	t := time.Date(int(d/10000), time.Month(d/100%100), int(d%100), 0, 0, 0, 0, time.UTC)
	if dayOf(t) != d {
		return time.Time{}, fmt.Errorf("rollup: %d is not a day", d)
	}
	return t, nil
}

// dayOf returns t's day as YYYYMMDD (UTC).
func dayOf(t time.Time) uint32 {
	y, m, d := t.UTC().Date()
	return uint32(y*10000 + int(m)*100 + d)
}

// scanCounts reads rows (day UInt32[, n UInt64]).
func scanCounts(ctx context.Context, rd *chquery.Reader, s chquery.Statement, each func(uint32, uint64)) error {
	rows, err := rd.Query(ctx, s)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols := len(rows.Columns())
	for rows.Next() {
		var d uint32
		var n uint64
		dest := []any{&d, &n}
		if err := rows.Scan(dest[:cols]...); err != nil {
			return err
		}
		each(d, n)
	}
	return rows.Err()
}
