package rollup_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/ingest"
	"github.com/ratescope/ratescope/internal/loggen"
	"github.com/ratescope/ratescope/internal/report"
	"github.com/ratescope/ratescope/internal/rollup"
)

var sampleEnd = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// sample writes the generated demo sample over three days and returns its
// files.
func sample(t *testing.T) ([]string, *loggen.Manifest) {
	t.Helper()
	dir := t.TempDir()
	m, err := loggen.Generate(context.Background(), dir, loggen.Config{Seed: 7, End: sampleEnd, Span: 72 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, filepath.Join(dir, f.Name))
	}
	return paths, m
}

// load loads paths with one inserter: one INSERT, so one part a day. A
// day's check compares its row count, which a background merge folding
// the sample's repeated rows changes; with two INSERTs a day (two
// inserters) that merge may land between two passes of a test and rebuild
// a day the test expects left alone — correctly, but not what it tests.
func load(t *testing.T, db *chstore.DB, paths ...string) {
	t.Helper()
	if _, err := ingest.Load(context.Background(), db, paths, ingest.Config{HashKey: []byte("rollup"), Inserters: 1}); err != nil {
		t.Fatal(err)
	}
}

func refresh(t *testing.T, db *chstore.DB) rollup.Result {
	t.Helper()
	res, err := rollup.Refresh(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// windows are the report windows compared: the whole sample, a window
// cutting through hours and days, and one day.
func windows(m *loggen.Manifest) [][2]time.Time {
	return [][2]time.Time{
		{m.Start.Add(-time.Hour), m.End.Add(time.Hour)},
		{m.Start.Add(13*time.Hour + 17*time.Second + 250*time.Millisecond), m.End.Add(-5*time.Hour - 31*time.Second)},
		{sampleEnd.Truncate(24 * time.Hour).Add(-24 * time.Hour), sampleEnd.Truncate(24 * time.Hour)},
		// Edges read from the rows beside midnight, where a request's
		// access record and its error body lie on different days
		// (TestLateBodiesRebuildTheirDay): the access record's side, and
		// the body's.
		{sampleEnd.Truncate(24 * time.Hour).Add(-30*time.Minute + 250*time.Millisecond), sampleEnd.Truncate(24 * time.Hour).Add(2 * time.Hour)},
		{sampleEnd.Truncate(24 * time.Hour).Add(time.Minute), sampleEnd.Truncate(24 * time.Hour).Add(2*time.Hour + 10*time.Second)},
	}
}

// assertExact requires the reports read through the rollups to equal the
// reports read from the requests alone, for every window and --by list,
// and wantCovered: whether some window was answered from rollups.
func assertExact(t *testing.T, db *chstore.DB, m *loggen.Manifest, wantCovered bool) {
	t.Helper()
	ctx := context.Background()
	rd := chquery.New(db)
	covered := false
	bys := [][]report.Key{
		{report.KeyCode, report.KeyStatus},
		{report.KeyPartner},
		{report.KeyRoute, report.KeyCode},
		{report.KeyStatus, report.KeyPartner, report.KeyRoute, report.KeyCode},
	}
	for _, w := range windows(m) {
		c, err := rollup.CoverOf(ctx, rd, w[0], w[1])
		if err != nil {
			t.Fatal(err)
		}
		covered = covered || !c.Empty()
		got, err := report.Summarize(ctx, rd, w[0], w[1])
		if err != nil {
			t.Fatal(err)
		}
		want, err := report.SummarizeRaw(ctx, rd, w[0], w[1])
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("summary %s–%s (cover %d days):\n from rollups %+v\n from rows    %+v", w[0], w[1], len(c.Days), got, want)
		}
		for _, by := range bys {
			for _, p := range []string{"", m.PartnerIDs[0]} {
				q := report.ErrorsQuery{From: w[0], To: w[1], By: by, Partner: p}
				got, err := report.ErrorCounts(ctx, rd, q)
				if err != nil {
					t.Fatal(err)
				}
				q.NoRollups = true
				want, err := report.ErrorCounts(ctx, rd, q)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("errors --by %v --partner %q %s–%s (cover %d days): from rollups %d rows, total %d; from rows %d rows, total %d",
						by, p, w[0], w[1], len(c.Days), len(got.Rows), got.Total, len(want.Rows), want.Total)
				}
			}
		}
	}
	if covered != wantCovered {
		t.Errorf("answered from rollups: %v, want %v", covered, wantCovered)
	}
}

// rolledUp returns the requests the rollups hold and the distinct
// requests (request ids) of the table.
func rolledUp(t *testing.T, db *chstore.DB) (rolled, distinct uint64) {
	t.Helper()
	ctx := context.Background()
	if err := db.Conn.QueryRow(ctx, "SELECT sum(requests) FROM "+db.Table("requests_1h")).Scan(&rolled); err != nil {
		t.Fatal(err)
	}
	if err := db.Conn.QueryRow(ctx, "SELECT uniqExact(rid) FROM "+db.Table("requests")).Scan(&distinct); err != nil {
		t.Fatal(err)
	}
	return rolled, distinct
}

// TestUpgradeBackfillsAndStaysExact starts from schema version 2 (the release before the rollups) with the
// sample loaded, upgrades in place, backfills, then loads the sample again
// (a double load), and finally out of order, file by file, newest first:
// the rollups hold each request once and the reports read through them
// equal the reports read from the rows.
func TestUpgradeBackfillsAndStaysExact(t *testing.T) {
	ctx := context.Background()
	db := chtest.Open(t)
	if err := db.MigrateTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	paths, m := sample(t)
	load(t, db, paths...)

	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("upgrade from version 2: %v", err)
	}
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
	// Not yet backfilled: every report reads the rows, and is right.
	assertExact(t, db, m, false)
	res := refresh(t, db)
	if len(res.Rebuilt) < 3 {
		t.Fatalf("backfill rebuilt %v, want the sample's days", res.Rebuilt)
	}
	rolled, distinct := rolledUp(t, db)
	if rolled != distinct {
		t.Fatalf("backfill: rollups hold %d requests, the table %d distinct ids", rolled, distinct)
	}
	assertExact(t, db, m, true)
	if res := refresh(t, db); len(res.Rebuilt) != 0 || res.Checked == 0 {
		t.Errorf("a pass with nothing new rebuilt %v, checked %d", res.Rebuilt, res.Checked)
	}

	t.Run("double load", func(t *testing.T) {
		load(t, db, paths...)
		// Before a pass: the touched days are read from the rows.
		assertExact(t, db, m, false)
		res := refresh(t, db)
		if len(res.Rebuilt) < 3 {
			t.Errorf("rebuilt %v after a double load", res.Rebuilt)
		}
		if r, d := rolledUp(t, db); r != distinct || d != distinct {
			t.Errorf("after a double load: rollups %d, distinct ids %d, want %d", r, d, distinct)
		}
		assertExact(t, db, m, true)
	})

	t.Run("out of order", func(t *testing.T) {
		db := chtest.MigratedDB(t)
		rev := slices.Clone(paths)
		slices.Reverse(rev)
		for _, p := range rev {
			load(t, db, p)
			refresh(t, db)
		}
		if r, d := rolledUp(t, db); r != distinct || d != distinct {
			t.Errorf("loaded file by file, newest first: rollups %d, distinct ids %d, want %d", r, d, distinct)
		}
		assertExact(t, db, m, true)
	})
}

// TestLateBodiesRebuildTheirDay loads the access lines first and rolls
// them up, then the error bodies minutes later: the sample's error-body
// file, and a body logged three minutes after midnight for a request made
// two seconds before it, so it lands in the next day's partition while
// its request counts in the day before. After the next pass the rollups
// carry the late codes in the access line's hour, and every report read
// through them equals the rows.
func TestLateBodiesRebuildTheirDay(t *testing.T) {
	paths, m := sample(t)
	var bodies, access []string
	for _, p := range paths {
		if filepath.Base(p) == "app-errors.jsonl" {
			bodies = append(bodies, p)
		} else {
			access = append(access, p)
		}
	}
	if len(bodies) != 1 {
		t.Fatalf("the sample has %d error-body files, want app-errors.jsonl", len(bodies))
	}
	midnight := sampleEnd.Truncate(24 * time.Hour)
	dir := t.TempDir()
	lateAccess := filepath.Join(dir, "late-access.jsonl")
	lateBody := filepath.Join(dir, "late-body.jsonl")
	writeFile(t, lateAccess, `{"time":"`+midnight.Add(-2*time.Second).Format(time.RFC3339)+`","request_id":"late-1","method":"POST","path":"/v1/bookings","status":422,"partner":"k-late"}`)
	writeFile(t, lateBody, `{"time":"`+midnight.Add(3*time.Minute).Format(time.RFC3339)+`","request_id":"late-1","status":422,"body":{"error":{"code":"late_code","message":"too late"}}}`)

	db := chtest.MigratedDB(t)
	load(t, db, append(access, lateAccess)...)
	refresh(t, db)
	if n := lateCodeRequests(t, db, midnight.Add(-time.Hour)); n != 0 {
		t.Fatalf("late_code in the rollups before its body was loaded: %d", n)
	}
	codesBefore := rolledCodes(t, db)

	// The sample's bodies change the counts of every day they touch.
	load(t, db, bodies...)
	refresh(t, db)
	if after := rolledCodes(t, db); after <= codesBefore {
		t.Errorf("requests with a body code in the rollups: %d before the bodies, %d after; want more", codesBefore, after)
	}
	assertExact(t, db, m, true)

	// The late body changes only the next day's count: the day of its
	// request must be found stale through the request id they share.
	load(t, db, lateBody)
	res := refresh(t, db)
	before := midnight.Add(-time.Hour)
	if day := uint32(before.Year()*10000 + int(before.Month())*100 + before.Day()); !slices.Contains(res.Rebuilt, day) {
		t.Errorf("the pass after the late body rebuilt %v, want %d, the day of its request", res.Rebuilt, day)
	}
	if n := lateCodeRequests(t, db, midnight.Add(-time.Hour)); n != 1 {
		t.Errorf("late_code requests in the access line's hour: %d, want 1", n)
	}
	rolled, distinct := rolledUp(t, db)
	if rolled != distinct {
		t.Errorf("rollups hold %d requests, the table %d distinct ids", rolled, distinct)
	}
	assertExact(t, db, m, true)
}

func writeFile(t *testing.T, path, line string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// lateCodeRequests counts the rolled-up requests with code late_code in
// the hour that starts at hour.
func lateCodeRequests(t *testing.T, db *chstore.DB, hour time.Time) uint64 {
	t.Helper()
	var n uint64
	q := "SELECT sum(requests) FROM " + db.Table("requests_1h") + " WHERE code = 'late_code' AND hour = ?"
	if err := db.Conn.QueryRow(context.Background(), q, hour.Truncate(time.Hour)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// rolledCodes counts the rolled-up requests that carry a code.
func rolledCodes(t *testing.T, db *chstore.DB) uint64 {
	t.Helper()
	var n uint64
	if err := db.Conn.QueryRow(context.Background(), "SELECT sum(requests) FROM "+db.Table("requests_1h")+" WHERE code != ''").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCleanScratchLeftovers: a build killed between creating its scratch
// table and dropping it leaves the table behind. A pass drops such
// leftovers once they are old, but never a scratch table that a running
// query names (a concurrent pass's build), nor a young one (Refresh's
// ScratchAge).
func TestCleanScratchLeftovers(t *testing.T) {
	ctx := context.Background()
	db := chtest.MigratedDB(t)
	tb := chquery.New(db).Tables()
	dead, busy := chquery.RollupScratchPrefix+"20260315_dead", chquery.RollupScratchPrefix+"20260316_busy"
	for _, name := range []string{dead, busy} {
		if err := db.Conn.Exec(ctx, "CREATE TABLE "+db.Table(name)+" AS "+tb.Rollup()); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(name string) bool {
		var n uint64
		if err := db.Conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = ?", db.Name, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	// Young: a refresh pass keeps both.
	res, err := rollup.Refresh(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Leftovers) != 0 || !exists(dead) || !exists(busy) {
		t.Fatalf("a pass dropped young scratch tables: %v", res.Leftovers)
	}
	// busy is in use by a running query while the leftovers are cleaned.
	done := make(chan error, 1)
	go func() {
		done <- db.Conn.Exec(ctx, "SELECT sleep(3) FROM system.one WHERE (SELECT count() FROM "+db.Table(busy)+") = 0")
	}()
	chtest.Eventually(t, 10*time.Second, "the query using busy runs", func() (bool, string) {
		var n uint64
		if err := db.Conn.QueryRow(ctx, "SELECT count() FROM system.processes WHERE position(query, 'sleep(3)') > 0 AND position(query, 'system.processes') = 0").Scan(&n); err != nil {
			return false, err.Error()
		}
		return n > 0, "not running yet"
	})
	dropped, err := rollup.CleanScratch(ctx, db, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dropped, []string{dead}) || exists(dead) || !exists(busy) {
		t.Fatalf("while busy was in use: dropped %v (dead exists %v, busy exists %v), want only %s", dropped, exists(dead), exists(busy), dead)
	}
	if err := <-done; err != nil {
		t.Fatalf("the query using the concurrent build's table failed: %v", err)
	}
	if dropped, err = rollup.CleanScratch(ctx, db, 0); err != nil || !slices.Equal(dropped, []string{busy}) || exists(busy) {
		t.Fatalf("once unused: dropped %v (%v), want %s", dropped, err, busy)
	}
}

// TestLinksOfDaysCheckedBeforeTheirTable: a database upgraded to schema
// 0006 holds checks without links (emptied rollup_links stands for it).
// Its reports read every partition for the edges of a window, and are
// exact; the next pass records the links of every complete day without
// rebuilding any, and the edges are then read from the linked days only —
// a request at 23:59:58 whose body came at 00:03 links the two days — and
// stay exact.
func TestLinksOfDaysCheckedBeforeTheirTable(t *testing.T) {
	ctx := context.Background()
	paths, m := sample(t)
	midnight := sampleEnd.Truncate(24 * time.Hour)
	dir := t.TempDir()
	late := filepath.Join(dir, "late.jsonl")
	writeFile(t, late, `{"time":"`+midnight.Add(-2*time.Second).Format(time.RFC3339)+`","request_id":"late-1","method":"POST","path":"/v1/bookings","status":422,"partner":"k-late"}`+"\n"+
		`{"time":"`+midnight.Add(3*time.Minute).Format(time.RFC3339)+`","request_id":"late-1","status":422,"body":{"error":{"code":"late_code","message":"too late"}}}`)
	db := chtest.MigratedDB(t)
	load(t, db, append(paths, late)...)
	refresh(t, db)
	if err := db.Conn.Exec(ctx, "TRUNCATE TABLE "+db.Table("rollup_links")); err != nil {
		t.Fatal(err)
	}
	rd := chquery.New(db)
	w := windows(m)[3] // the edge before midnight
	c, err := rollup.CoverOf(ctx, rd, w[0], w[1])
	if err != nil {
		t.Fatal(err)
	}
	if c.Empty() || c.NearKnown {
		t.Fatalf("without links: cover %v, near known %v; want a cover and the near days unknown", c.Days, c.NearKnown)
	}
	assertExact(t, db, m, true)

	res := refresh(t, db)
	if len(res.Rebuilt) != 0 || res.Checked < 3 {
		t.Fatalf("the pass after the upgrade rebuilt %v and checked %d days, want none rebuilt and the sample's days checked", res.Rebuilt, res.Checked)
	}
	if c, err = rollup.CoverOf(ctx, rd, w[0], w[1]); err != nil {
		t.Fatal(err)
	}
	day := func(t time.Time) uint32 { return uint32(t.Year()*10000 + int(t.Month())*100 + t.Day()) }
	if before, after := day(midnight.Add(-time.Hour)), day(midnight); !c.NearKnown || !slices.Contains(c.Near, before) || !slices.Contains(c.Near, after) {
		t.Errorf("with links: near days %v (known %v), want %d and %d among them: the edge's day and the day its late body lies on", c.Near, c.NearKnown, before, after)
	}
	// A window inside one day that shares no request with another reads
	// that day only.
	noon := midnight.Add(-12 * time.Hour)
	if c, err = rollup.CoverOf(ctx, rd, noon.Add(10*time.Second), noon.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if !c.NearKnown || len(c.Near) == 0 || c.Near[0] != day(noon) {
		t.Errorf("a window at noon: near days %v (known %v), want %d first", c.Near, c.NearKnown, day(noon))
	}
	assertExact(t, db, m, true)
}
