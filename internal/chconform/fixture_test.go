//go:build chdb

package chconform

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/analysis"
	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/ingest"
	"github.com/ratescope/ratescope/internal/loggen"
	"github.com/ratescope/ratescope/internal/ratelimit"
	"github.com/ratescope/ratescope/schema"
)

// fixture is the data both engines hold: the demo sample, loaded twice
// into a fresh database on the 18.16 test server by the real ingester,
// with the edge cases it lacks (edgeRows, also twice), copied row for row
// into a database of the same name on chDB.
type fixture struct {
	db       *chstore.DB // on 18.16
	dir      string      // the sample
	manifest *loggen.Manifest
	// passFrom, passTo: the window of the analysis pass's findings.
	passFrom, passTo time.Time
}

// sampleEnd is the generated sample's end; fixed, so runs are alike.
var sampleEnd = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func loadFixture(t *testing.T, ch *current) *fixture {
	t.Helper()
	ctx := context.Background()
	_, db := chtest.Migrated(t)
	fx := &fixture{db: db, dir: t.TempDir()}
	m, err := loggen.Generate(ctx, fx.dir, loggen.Config{Seed: 11, End: sampleEnd})
	if err != nil {
		t.Fatal(err)
	}
	fx.manifest = m
	// Background merges fold copies differently on each engine; with them
	// stopped, both hold exactly the rows ingest wrote, copies included.
	for _, table := range []string{"requests", "rejected"} {
		if err := db.Conn.Exec(ctx, "SYSTEM STOP MERGES "+db.Table(table)); err != nil {
			t.Fatal(err)
		}
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, filepath.Join(fx.dir, f.Name))
	}
	// Twice: every report must see through the copies.
	edges := edgeRows(m)
	for range 2 {
		if _, err := ingest.Load(ctx, db, paths, ingest.Config{HashKey: []byte("conformance")}); err != nil {
			t.Fatalf("load the sample: %v", err)
		}
		edges.Insert(t, db, m.End)
	}
	// The hourly rollups and the findings, as a one-shot load keeps
	// them.
	plans, err := ratelimit.LoadPlans(filepath.Join(fx.dir, loggen.PlansName))
	if err != nil {
		t.Fatal(err)
	}
	res, err := analysis.Pass(ctx, db, analysis.Options{Plans: plans})
	if err != nil {
		t.Fatalf("analysis pass: %v", err)
	}
	fx.passFrom, fx.passTo = res.From, res.To
	migrateCurrent(t, ch, db.Name)
	for _, table := range []string{"requests", "rejected"} {
		if err := ch.exec("SYSTEM STOP MERGES " + db.Table(table)); err != nil {
			t.Fatal(err)
		}
		copyTable(t, ch, db, table)
	}
	for _, table := range []string{"rollup_builds", "rollup_links", "storm_findings", "limit_findings", "limit_minutes"} {
		copyTable(t, ch, db, table)
	}
	buildRollups(t, ch, db)
	return fx
}

// buildRollups builds on chDB the rollup of every day 18.16 built, with
// the same statement (chquery.RollupBuild), and requires the same rows
// (latency states aside: each engine's t-digest is its own).
func buildRollups(t *testing.T, ch *current, db *chstore.DB) {
	t.Helper()
	tb := chquery.Tables{Database: db.Name}
	var days []uint32
	rows := mustQuery(t, db, "SELECT DISTINCT toUInt32(toYYYYMMDD(hour)) FROM "+tb.Rollup())
	for rows.Next() {
		var d uint32
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		days = append(days, d)
	}
	rows.Close()
	if len(days) == 0 {
		t.Fatal("no rollups built on 18.16")
	}
	for _, d := range days {
		from := time.Date(int(d/10000), time.Month(d/100%100), int(d%100), 0, 0, 0, 0, time.UTC)
		text, err := tb.RollupBuild(from, from.AddDate(0, 0, 1), nil).Text() // every day: 18.16 built with the links only
		if err != nil {
			t.Fatal(err)
		}
		if err := ch.exec("INSERT INTO " + tb.Rollup() + " (" + chquery.RollupColumns + ") " + text); err != nil {
			t.Fatalf("build the rollup of %d on chDB: %v\n%s", d, err, text)
		}
	}
	check := "SELECT hour, partner, route, method, status, code, error_type, requests FROM " + tb.Rollup() +
		" ORDER BY hour, partner, route, method, status, code, error_type"
	want, err := scanRows(mustQuery(t, db, check))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ch.rows(check)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(want, got); d != "" {
		t.Fatalf("rollup.build: 18.16 and chDB differ: %s", d)
	}
	t.Logf("rollups of %d days built alike on both: %d rows", len(days), len(want))
}

// migrateCurrent runs every migration in schema/ on chDB.
func migrateCurrent(t *testing.T, ch *current, database string) {
	t.Helper()
	opts := schema.Options{Database: database}
	boot, err := schema.Bootstrap(opts)
	if err != nil {
		t.Fatal(err)
	}
	migs, err := schema.Migrations(opts)
	if err != nil {
		t.Fatal(err)
	}
	stmts := boot
	for _, m := range migs {
		stmts = append(stmts, m.Statements...)
	}
	for _, s := range stmts {
		if err := ch.exec(s); err != nil {
			t.Fatalf("migration on chDB: %v\n%s", err, s)
		}
	}
	if len(migs) == 0 {
		t.Fatal("no migrations in schema/")
	}
	t.Logf("chDB: %d migration(s), %d statement(s) applied", len(migs), len(stmts))
}

// copyRowsPerInsert bounds one INSERT's VALUES.
const copyRowsPerInsert = 5000

// copyTable copies every row of table from 18.16 to chDB (all stored
// columns; MATERIALIZED ones are computed again), as INSERT … VALUES with
// the literals chquery writes, and checks that both then hold the same
// rows: count and a hash of every column.
func copyTable(t *testing.T, ch *current, db *chstore.DB, table string) {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Conn.Query(ctx, "SELECT * FROM "+db.Table(table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols := rows.Columns()
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = "`" + c + "`"
	}
	// optimize_on_insert (current releases only) would fold a block's
	// copies as a merge does.
	head := "INSERT INTO " + db.Table(table) + " (" + strings.Join(quoted, ", ") + ") SETTINGS optimize_on_insert = 0 VALUES "
	var (
		b     strings.Builder
		n     int
		total int
	)
	flush := func() {
		if n == 0 {
			return
		}
		if err := ch.exec(b.String()); err != nil {
			t.Fatalf("insert into chDB %s: %v", table, err)
		}
		b.Reset()
		n = 0
	}
	scanned, err := scanLiterals(rows, func(vals []string) {
		if n == 0 {
			b.WriteString(head)
		} else {
			b.WriteString(", ")
		}
		b.WriteString("(" + strings.Join(vals, ", ") + ")")
		n++
		total++
		if n == copyRowsPerInsert {
			flush()
		}
	})
	if err != nil {
		t.Fatalf("read %s from 18.16: %v", table, err)
	}
	flush()
	_ = scanned
	// Same rows on both: count and an order-free hash over every column.
	check := fmt.Sprintf("SELECT count(), sum(cityHash64(%s)) FROM %s", strings.Join(quoted, ", "), db.Table(table))
	want, err := scanRows(mustQuery(t, db, check))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ch.rows(check)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Fatalf("%s differs after the copy: 18.16 %v, chDB %v", table, want, got)
	}
	t.Logf("copied %d rows of %s to chDB: %v", total, table, want)
}

func mustQuery(t *testing.T, db *chstore.DB, sql string) driverRows {
	t.Helper()
	rows, err := db.Conn.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	return rows
}

// scanLiterals calls each with every row's values written as literals.
func scanLiterals(rows driverRows, each func([]string)) (int, error) {
	types := rows.ColumnTypes()
	n := 0
	for rows.Next() {
		dest := make([]any, len(types))
		for i, ct := range types {
			dest[i] = newScanDest(ct.ScanType())
		}
		if err := rows.Scan(dest...); err != nil {
			return n, err
		}
		vals := make([]string, len(dest))
		for i, d := range dest {
			l, err := chquery.Literal(deref(d))
			if err != nil {
				return n, fmt.Errorf("column %s: %w", rows.Columns()[i], err)
			}
			vals[i] = l
		}
		each(vals)
		n++
	}
	return n, rows.Err()
}
