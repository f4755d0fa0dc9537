// Package chtest gives integration tests a real ClickHouse database of their
// own. The server comes from $RATESCOPE_TEST_CLICKHOUSE (a clickhouse://
// URL; `make test` starts a throw-away server and sets it). Tests never
// skip for want of a server: without one they fail and say how to get one.
//
// Tests that need rows build them with Rows (rows.go), which stores them
// through the batches ingest uses: no test writes an INSERT of its own.
package chtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
)

// EnvURL names the variable holding the test server's URL.
const EnvURL = "RATESCOPE_TEST_CLICKHOUSE"

// ServerURL returns the test server's URL, failing the test when none is set.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		t.Fatalf("%s is not set: run `make test` (it starts a local ClickHouse), or point it at a server, e.g. clickhouse://127.0.0.1:9000/", EnvURL)
	}
	return u
}

// NewURL returns the URL of a fresh, uniquely named database on the test
// server (not yet created: ratescope's migrate creates it) and drops that
// database when the test ends.
func NewURL(t testing.TB) string {
	t.Helper()
	base, err := url.Parse(ServerURL(t))
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "rs_test_" + hex.EncodeToString(b[:])
	base.Path = "/" + name
	u := base.String()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := chstore.Open(ctx, u)
		if err != nil {
			t.Logf("drop test database %s: %v", name, err)
			return
		}
		defer db.Close()
		if err := db.Conn.Exec(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return u
}

// Open connects to a fresh database (see NewURL) without creating it.
func Open(t testing.TB) *chstore.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := chstore.Open(ctx, NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// Migrated returns the URL of a fresh database (see NewURL) created with
// ratescope's current schema, and a connection to it closed after the test.
func Migrated(t testing.TB) (string, *chstore.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	u := NewURL(t)
	db, err := chstore.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return u, db
}

// MigratedDB is Migrated for tests that need only the connection.
func MigratedDB(t testing.TB) *chstore.DB {
	t.Helper()
	_, db := Migrated(t)
	return db
}

// RepoRoot returns the repository's top directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the repository root")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// RealTestdata returns ../shared/testdata/real beside the repository: real
// log lines from other projects, read in place and never copied into the
// repository. Under CI it must exist; elsewhere the test is skipped without it.
func RealTestdata(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "..", "shared", "testdata", "real")
	if env := os.Getenv("RATESCOPE_REAL_TESTDATA"); env != "" { // a worktree elsewhere
		dir = env
	}
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("real testdata missing at %s: %v", dir, err)
		}
		t.Skipf("real testdata not found at %s", dir)
	}
	return dir
}
