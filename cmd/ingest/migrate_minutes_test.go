package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/clitest"
	ingestpkg "github.com/ratescope/ratescope/internal/ingest"
	"github.com/ratescope/ratescope/internal/loggen"
)

// TestMigrateFromVersion4BackfillsMinutes: `ingest migrate` on a database
// at schema version 4 holding the demo sample upgrades it and, with the
// configuration's plans, writes the limit minutes of the stored days; run
// again, it writes none.
func TestMigrateFromVersion4BackfillsMinutes(t *testing.T) {
	ingest := clitest.Build(t, "ingest")
	url := chtest.NewURL(t)
	dir := t.TempDir()
	ctx := context.Background()
	m, err := loggen.Generate(ctx, dir, loggen.Config{Seed: 17, End: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t, url)
	if err := db.MigrateTo(ctx, 4); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, filepath.Join(dir, f.Name))
	}
	if _, err := ingestpkg.Load(ctx, db, paths, ingestpkg.Config{HashKey: []byte("k")}); err != nil {
		t.Fatal(err)
	}
	migrate := func() string {
		cmd := exec.Command(ingest, "migrate", "--clickhouse", url, "--config", filepath.Join(dir, loggen.PlansName))
		cmd.Env = append(os.Environ(), "RATESCOPE_HASH_KEY=test-key")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("ingest migrate: %v\n%s", err, out)
		}
		return string(out)
	}
	out := migrate()
	var n uint64
	if err := db.Conn.QueryRow(ctx, "SELECT count() FROM "+db.Table("limit_minutes")).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 || !strings.Contains(out, "schema of database "+db.Name+" is at version "+strconv.Itoa(chstore.SchemaVersion())) || !strings.Contains(out, " limit minute row(s)") {
		t.Fatalf("after ingest migrate from version 4: %d limit minutes kept; output:\n%s", n, out)
	}
	if again := migrate(); strings.Contains(again, "limit minute row(s)") {
		t.Errorf("a second ingest migrate computed the minutes again:\n%s", again)
	}
}
