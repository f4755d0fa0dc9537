package schema

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// TestEmbeddedMigrations checks the migrations this binary ships.
func TestEmbeddedMigrations(t *testing.T) {
	migs, err := Migrations(Options{Database: "rs_check"})
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) == 0 {
		t.Fatal("no embedded migrations")
	}
	names, err := migrationFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	nameRE := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	createRE := regexp.MustCompile(`(?i)^CREATE\s+(TABLE|DATABASE|MATERIALIZED\s+VIEW|VIEW)\s+IF\s+NOT\s+EXISTS\s+` + "`rs_check`")
	tables := map[string]bool{}
	prev := 0
	for i, m := range migs {
		if m.Version <= prev {
			t.Errorf("migration %d: version %d does not follow %d", i, m.Version, prev)
		}
		prev = m.Version
		if !nameRE.MatchString(m.Name) {
			t.Errorf("migration %04d: bad name %q", m.Version, m.Name)
		}
		if file, want := names[i].path, fmt.Sprintf("%04d_%s.sql", m.Version, m.Name); file != want {
			t.Errorf("migration %d is named %s, but its file is %s", i, want, file)
		}
		for j, s := range m.Statements {
			if strings.Contains(s, "{{") || strings.Contains(s, "}}") {
				t.Errorf("migration %04d statement %d: template text left: %q", m.Version, j, s)
			}
			if strings.HasPrefix(strings.ToUpper(s), "CREATE") {
				// Re-running a half-applied migration must not fail.
				if !createRE.MatchString(s) {
					t.Errorf("migration %04d statement %d: a CREATE must say IF NOT EXISTS and qualify with the database: %.80q", m.Version, j, s)
				}
				if f := strings.Fields(s); len(f) > 5 && strings.EqualFold(f[1], "TABLE") {
					tables[strings.TrimPrefix(f[5], "`rs_check`.")] = true
				}
			}
		}
	}
	if got := Latest(); got != prev {
		t.Errorf("Latest() = %d, want the last migration's version %d", got, prev)
	}
	// Other packages code against these tables.
	for _, want := range []string{"requests", "rejected"} {
		if !tables[want] {
			t.Errorf("no migration creates table %s (have %v)", want, tables)
		}
	}
}

func TestMigrationsOptions(t *testing.T) {
	if _, err := Migrations(Options{Database: "x`y"}); err == nil || !strings.Contains(err.Error(), "database name") {
		t.Errorf("bad database name: err = %v", err)
	}
	if _, err := Migrations(Options{Database: "rs", Cluster: "a-b"}); err == nil || !strings.Contains(err.Error(), "cluster name") {
		t.Errorf("bad cluster name: err = %v", err)
	}
	if _, err := Bootstrap(Options{Database: "rs", Cluster: "a-b"}); err == nil || !strings.Contains(err.Error(), "cluster name") {
		t.Errorf("bootstrap bad cluster name: err = %v", err)
	}
}

func TestBootstrap(t *testing.T) {
	got, err := Bootstrap(Options{Database: "rs"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"CREATE DATABASE IF NOT EXISTS `rs`",
		"CREATE TABLE IF NOT EXISTS `rs`.schema_migrations \n(\n    version    UInt32,\n    name       String,\n    applied_at DateTime('UTC')\n)\nENGINE = MergeTree()\nORDER BY version",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Bootstrap:\n got %q\nwant %q", got, want)
	}
}

func TestLoadFixtures(t *testing.T) {
	tests := []struct {
		dir     string
		want    []Migration
		wantErr string
	}{
		{dir: "good", want: []Migration{
			{Version: 1, Name: "first", Statements: []string{
				"CREATE TABLE IF NOT EXISTS `rs`.a \n(\n    x UInt8\n)\nENGINE = MergeTree()\nORDER BY x",
			}},
			{Version: 3, Name: "second", Statements: []string{
				"CREATE TABLE IF NOT EXISTS `rs`.b  (s String DEFAULT 'x--y;')\nENGINE = ReplacingMergeTree() ORDER BY s",
				"CREATE TABLE IF NOT EXISTS `rs`.c  (s String)\nENGINE = MergeTree() ORDER BY s",
			}},
		}},
		{dir: "badname", wantErr: "migration 1_init.sql: name must be NNNN_name.sql"},
		{dir: "dupversion", wantErr: "migration 0001_b.sql: version 1 repeats 0001_a.sql"},
		{dir: "zero", wantErr: "migration 0000_init.sql: versions start at 0001"},
		{dir: "empty", wantErr: "migration 0001_init.sql: no statements"},
		{dir: "badtemplate", wantErr: "render migration 0001_init.sql"},
		{dir: "badengine", wantErr: `"Memory" is not a MergeTree-family engine`},
		{dir: "midline", wantErr: "migration 0001_init.sql: line 1: ';' must end its line"},
		{dir: "missing", wantErr: "no migrations found"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			got, err := load(os.DirFS("testdata/"+tt.dir), Options{Database: "rs"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("load: err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("load:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestMigrationFileNames(t *testing.T) {
	f := func(name, wantErr string) {
		t.Helper()
		_, err := migrationFiles(fstest.MapFS{name: {Data: []byte("SELECT 1;")}})
		switch {
		case wantErr == "" && err != nil:
			t.Fatalf("%s: %v", name, err)
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
			t.Fatalf("%s: err = %v, want it to contain %q", name, err, wantErr)
		}
	}
	const bad = "name must be NNNN_name.sql"
	f("0001_init.sql", "")
	f("0042_add_rollups_2.sql", "")
	f("9999_z.sql", "")
	f("001_init.sql", bad)
	f("00001_init.sql", bad)
	f("0001-init.sql", bad)
	f("0001_.sql", bad)
	f("0001_Init.sql", bad)
	f("0001_add-col.sql", bad)
	f("0001_1st.sql", bad)
	f("init.sql", bad)
	f("0000_init.sql", "versions start at 0001")
}
