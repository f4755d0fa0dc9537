package rollup_test

import (
	"context"
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

func load(t *testing.T, db *chstore.DB, paths ...string) {
	t.Helper()
	if _, err := ingest.Load(context.Background(), db, paths, ingest.Config{HashKey: []byte("rollup")}); err != nil {
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
