package analysis_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/analysis"
	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/findings"
	"github.com/ratescope/ratescope/internal/ingest"
	"github.com/ratescope/ratescope/internal/loggen"
	"github.com/ratescope/ratescope/internal/ratelimit"
	"github.com/ratescope/ratescope/internal/report"
	"github.com/ratescope/ratescope/schema"
)

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOneShotFindingsEqualReports loads the demo sample as a one-shot
// load does, runs its analysis pass, and requires the findings kept for
// the loaded days to be what report retry-storms and report rate-limits
// print for the same window — and to stay so when the pass runs again
// after the sample is loaded a second time.
func TestOneShotFindingsEqualReports(t *testing.T) {
	ctx := context.Background()
	db := chtest.MigratedDB(t)
	paths, plans, m := sample(t, loggen.Config{Seed: 3, End: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)})
	rd := chquery.New(db)
	for round := range 2 {
		if _, err := ingest.Load(ctx, db, paths, ingest.Config{HashKey: []byte("k")}); err != nil {
			t.Fatal(err)
		}
		res, err := analysis.Pass(ctx, db, analysis.Options{Plans: plans})
		if err != nil {
			t.Fatal(err)
		}
		if res.To.IsZero() || res.From.After(m.Start) || res.To.Before(m.End) {
			t.Fatalf("round %d: findings window %s–%s does not hold the sample %s–%s", round, res.From, res.To, m.Start, m.End)
		}
		storms, err := report.RetryStorms(ctx, rd, report.RetryStormsQuery{From: res.From, To: res.To})
		if err != nil {
			t.Fatal(err)
		}
		if len(storms) == 0 {
			t.Fatal("the sample has no storms: the comparison proves nothing")
		}
		kept, err := findings.Storms(ctx, rd, res.From, res.To, "")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := jsonOf(t, kept), jsonOf(t, storms); got != want {
			t.Errorf("round %d: kept storms differ from report retry-storms:\n kept   %s\n report %s", round, got, want)
		}
		rows, err := ratelimit.Compute(ctx, rd, plans, ratelimit.Query{From: res.From, To: res.To})
		if err != nil {
			t.Fatal(err)
		}
		keptRows, err := findings.Limits(ctx, rd, res.From, res.To)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := jsonOf(t, keptRows), jsonOf(t, rows); got != want {
			t.Errorf("round %d: kept rate-limit rows differ from report rate-limits:\n kept   %s\n report %s", round, got, want)
		}
		// The minutes of the window fold into the same rows.
		mins, err := findings.LimitMinutes(ctx, rd, res.From, res.To, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Findings.Minutes == 0 || len(mins) != res.Findings.Minutes {
			t.Errorf("round %d: the pass wrote %d limit minutes, %d read back", round, res.Findings.Minutes, len(mins))
		}
		if got, want := jsonOf(t, ratelimit.Aggregate(mins)), jsonOf(t, ratelimit.WithMinutes(rows)); got != want {
			t.Errorf("round %d: limit minutes folded differ from report rate-limits:\n minutes %s\n report  %s", round, got, want)
		}
		var ipRows int
		for _, m := range mins {
			if m.Subject == ratelimit.SubjectIP {
				ipRows++
			}
		}
		if ipRows == 0 || ipRows == len(mins) {
			t.Errorf("round %d: %d of %d minute rows are per IP: the sample should have both kinds", round, ipRows, len(mins))
		}
		t.Logf("round %d: %s", round, res)
	}
}

// TestUpgradeFromVersion4BackfillsMinutes starts from schema version 4
// (the release before limit_minutes) with the demo sample loaded and its
// rollups and storms kept as that release's pass kept them, upgrades in
// place and runs the backfill pass `ingest migrate` runs: the minutes of
// every day holding requests are written, and they fold into what report
// rate-limits prints for those days. A second backfill recomputes
// nothing: the minutes are kept.
func TestUpgradeFromVersion4BackfillsMinutes(t *testing.T) {
	ctx := context.Background()
	db := chtest.Open(t)
	if err := db.MigrateTo(ctx, 4); err != nil {
		t.Fatal(err)
	}
	paths, plans, m := sample(t, loggen.Config{Seed: 5, End: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)})
	// One inserter: a part a day, which no background merge changes
	// between the passes below (a merge folding repeated rows changes a
	// day's row count, and the check would rightly rebuild it).
	if _, err := ingest.Load(ctx, db, paths, ingest.Config{HashKey: []byte("k"), Inserters: 1}); err != nil {
		t.Fatal(err)
	}
	// The release's pass is this one without plans; this one's rollup
	// refresh also records what schema 0006 keeps beside each check, so
	// its table is made first (the upgrade's CREATE … IF NOT EXISTS then
	// keeps it). The upgrade then finds the rollups complete.
	createLinksTable(t, db)
	if _, err := analysis.Pass(ctx, db, analysis.Options{}); err != nil {
		t.Fatalf("pass at version 4: %v", err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("upgrade from version 4: %v", err)
	}
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	res, err := analysis.Pass(ctx, db, analysis.Options{Plans: plans, Backfill: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("backfill: %s (%s)", res, time.Since(t0).Round(time.Millisecond))
	if len(res.Rollups.Rebuilt) != 0 {
		t.Errorf("the upgrade rebuilt rollups %v: they were complete", res.Rollups.Rebuilt)
	}
	if res.To.IsZero() || res.From.After(m.Start) || res.To.Before(m.End) || res.Findings.Minutes == 0 {
		t.Fatalf("backfill window %s–%s (%d minutes) does not hold the sample %s–%s", res.From, res.To, res.Findings.Minutes, m.Start, m.End)
	}
	rd := chquery.New(db)
	rows, err := ratelimit.Compute(ctx, rd, plans, ratelimit.Query{From: res.From, To: res.To})
	if err != nil {
		t.Fatal(err)
	}
	mins, err := findings.LimitMinutes(ctx, rd, res.From, res.To, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jsonOf(t, ratelimit.Aggregate(mins)), jsonOf(t, ratelimit.WithMinutes(rows)); got != want {
		t.Errorf("backfilled minutes folded differ from report rate-limits:\n minutes %s\n report  %s", got, want)
	}
	again, err := analysis.Pass(ctx, db, analysis.Options{Plans: plans, Backfill: true})
	if err != nil {
		t.Fatal(err)
	}
	if !again.To.IsZero() {
		t.Errorf("a second backfill recomputed %s–%s: the minutes are kept", again.From, again.To)
	}
}

// sample writes loggen's sample for cfg into a temporary directory and
// returns its files' paths, the plans written beside them and its manifest.
func sample(t *testing.T, cfg loggen.Config) ([]string, *ratelimit.Plans, *loggen.Manifest) {
	t.Helper()
	dir := t.TempDir()
	m, err := loggen.Generate(context.Background(), dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, filepath.Join(dir, f.Name))
	}
	plans, err := ratelimit.LoadPlans(filepath.Join(dir, loggen.PlansName))
	if err != nil {
		t.Fatal(err)
	}
	return paths, plans, m
}

// createLinksTable runs the statements of schema 0006 (rollup_links) on
// db, whatever its version.
func createLinksTable(t *testing.T, db *chstore.DB) {
	t.Helper()
	ms, err := schema.Migrations(schema.Options{Database: db.Name})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version != 6 {
			continue
		}
		for _, st := range m.Statements {
			if err := db.Conn.Exec(context.Background(), st); err != nil {
				t.Fatal(err)
			}
		}
	}
}
