package chstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/schema"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type appliedMigration struct {
	Version uint32
	Name    string
}

func appliedMigrations(t *testing.T, db *chstore.DB) []appliedMigration {
	t.Helper()
	rows, err := db.Conn.Query(testContext(t), "SELECT version, name FROM "+db.Table("schema_migrations")+" ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []appliedMigration
	for rows.Next() {
		var m appliedMigration
		if err := rows.Scan(&m.Version, &m.Name); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func tableExists(t *testing.T, db *chstore.DB, table string) bool {
	t.Helper()
	var n uint64
	err := db.Conn.QueryRow(testContext(t), "SELECT count() FROM system.tables WHERE database = ? AND name = ?", db.Name, table).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func embeddedMigrations(t *testing.T, db *chstore.DB) []schema.Migration {
	t.Helper()
	migs, err := schema.Migrations(schema.Options{Database: db.Name})
	if err != nil {
		t.Fatal(err)
	}
	return migs
}

func TestMigrate(t *testing.T) {
	ctx := testContext(t)
	db := chtest.Open(t)
	migs := embeddedMigrations(t, db)
	var want []appliedMigration
	for _, m := range migs {
		want = append(want, appliedMigration{uint32(m.Version), m.Name})
	}
	if got := chstore.SchemaVersion(); got != migs[len(migs)-1].Version {
		t.Fatalf("SchemaVersion() = %d, want %d", got, migs[len(migs)-1].Version)
	}

	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("first migrate: %v", err)
	}
	for _, table := range []string{"requests", "rejected", "schema_migrations"} {
		if !tableExists(t, db, table) {
			t.Errorf("table %s missing after migrate", table)
		}
	}
	if got := appliedMigrations(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after first migrate, schema_migrations = %v, want %v", got, want)
	}
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatalf("CheckSchema after migrate: %v", err)
	}

	t.Run("second migrate is a no-op", func(t *testing.T) {
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		if got := appliedMigrations(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after second migrate, schema_migrations = %v, want %v", got, want)
		}
	})

	// A migration interrupted half-way is re-run from its first statement.
	t.Run("statements are idempotent", func(t *testing.T) {
		for _, m := range migs {
			for i, stmt := range m.Statements {
				if err := db.Conn.Exec(ctx, stmt); err != nil {
					t.Errorf("re-running %04d_%s statement %d: %v", m.Version, m.Name, i+1, err)
				}
			}
		}
	})
}

func TestCheckSchemaMissing(t *testing.T) {
	ctx := testContext(t)
	db := chtest.Open(t)
	check := func(stage string) {
		t.Helper()
		err := db.CheckSchema(ctx)
		if !errors.Is(err, chstore.ErrNoSchema) {
			t.Fatalf("%s: CheckSchema = %v, want ErrNoSchema", stage, err)
		}
		for _, want := range []string{db.Name, "run `ingest migrate`"} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("%s: error %q does not mention %q", stage, err, want)
			}
		}
	}
	check("no database")
	if err := db.Conn.Exec(ctx, "CREATE DATABASE `"+db.Name+"`"); err != nil {
		t.Fatal(err)
	}
	check("empty database")
	boot, err := schema.Bootstrap(schema.Options{Database: db.Name})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range boot {
		if err := db.Conn.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	check("empty schema_migrations")
	if tableExists(t, db, "requests") {
		t.Fatal("CheckSchema created tables")
	}
}

func TestNewerSchema(t *testing.T) {
	ctx := testContext(t)
	db := chtest.MigratedDB(t)
	known := chstore.SchemaVersion()
	err := db.Conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s (version, name, applied_at) SELECT %d, 'from_the_future', now()",
		db.Table("schema_migrations"), known+1))
	if err != nil {
		t.Fatal(err)
	}
	wantMsg := fmt.Sprintf("database %s has schema version %d, this binary knows up to %d: upgrade ratescope", db.Name, known+1, known)
	for name, run := range map[string]func(context.Context) error{
		"Migrate":     db.Migrate,
		"CheckSchema": db.CheckSchema,
	} {
		t.Run(name, func(t *testing.T) {
			err := run(ctx)
			var newer *chstore.NewerSchemaError
			if !errors.As(err, &newer) {
				t.Fatalf("%s = %v, want *NewerSchemaError", name, err)
			}
			if newer.Have != known+1 || newer.Known != known {
				t.Errorf("Have, Known = %d, %d; want %d, %d", newer.Have, newer.Known, known+1, known)
			}
			if err.Error() != wantMsg {
				t.Errorf("message %q, want %q", err, wantMsg)
			}
			if errors.Is(err, chstore.ErrNoSchema) {
				t.Error("a newer schema must not read as a missing one")
			}
		})
	}
	if got := appliedMigrations(t, db); len(got) != known+1 {
		t.Errorf("refused migrate changed schema_migrations: %v", got)
	}
}

func TestMigrateAppliesNewMigrations(t *testing.T) {
	ctx := testContext(t)
	db := chtest.MigratedDB(t)
	migs := embeddedMigrations(t, db)
	known := migs[len(migs)-1].Version

	// A binary one version ahead finds the schema outdated…
	err := db.CheckSchemaKnown(ctx, known+1)
	var outdated *chstore.OutdatedSchemaError
	if !errors.As(err, &outdated) || outdated.Have != known || outdated.Want != known+1 {
		t.Fatalf("CheckSchema by a newer binary = %v, want *OutdatedSchemaError{Have: %d, Want: %d}", err, known, known+1)
	}
	if !errors.Is(err, chstore.ErrNoSchema) || !strings.Contains(err.Error(), "run `ingest migrate`") {
		t.Errorf("outdated schema error %q should match ErrNoSchema and say to migrate", err)
	}

	// …and its migrate applies only what is new, in order.
	tbl := db.Table("extra")
	next := append(migs[:len(migs):len(migs)],
		schema.Migration{Version: known + 1, Name: "add_extra", Statements: []string{
			"CREATE TABLE IF NOT EXISTS " + tbl + " (x UInt8) ENGINE = MergeTree() ORDER BY x",
		}},
		schema.Migration{Version: known + 3, Name: "fill_extra", Statements: []string{
			"INSERT INTO " + tbl + " (x) SELECT 7", // fails unless add_extra ran first
		}},
	)
	if err := db.MigrateWith(ctx, next); err != nil {
		t.Fatal(err)
	}
	var n uint64
	if err := db.Conn.QueryRow(ctx, "SELECT count() FROM "+tbl).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("extra holds %d rows, want 1: fill_extra ran %d times", n, n)
	}
	if err := db.CheckSchemaKnown(ctx, known+3); err != nil {
		t.Errorf("CheckSchema after migrating to %d: %v", known+3, err)
	}

	// A failing migration stops the run and is not recorded.
	broken := append(next[:len(next):len(next)], schema.Migration{Version: known + 4, Name: "broken", Statements: []string{
		"CREATE TABLE IF NOT EXISTS " + db.Table("half") + " (x UInt8) ENGINE = MergeTree() ORDER BY x",
		"CREATE TABLE nonsense",
	}})
	err = db.MigrateWith(ctx, broken)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("migrate: apply %04d_broken statement 2", known+4)) {
		t.Fatalf("broken migration: err = %v", err)
	}
	got := appliedMigrations(t, db)
	if last := got[len(got)-1]; int(last.Version) != known+3 {
		t.Errorf("after a failed migration the last recorded version is %d, want %d", last.Version, known+3)
	}
	if err := db.Migrate(ctx); err == nil {
		t.Error("the embedded migrations must refuse a database at a later version")
	}
}
