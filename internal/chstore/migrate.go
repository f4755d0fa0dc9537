package chstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/ratescope/ratescope/schema"
)

// SchemaVersion returns the newest schema version this binary knows: the
// version of its last embedded migration.
func SchemaVersion() int { return schema.Latest() }

// ErrNoSchema means the database lacks the schema this binary needs: the
// database, or its migrations table, is missing or empty, or (wrapped in an
// *OutdatedSchemaError) it holds an older version. `ingest migrate` fixes it.
var ErrNoSchema = errors.New("no ratescope schema: run `ingest migrate`")

// NewerSchemaError means the database was migrated by a newer ratescope
// than this binary: it must not write to it or guess at its tables.
type NewerSchemaError struct {
	Database string
	Have     int // the database's schema version
	Known    int // the newest version this binary knows
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("database %s has schema version %d, this binary knows up to %d: upgrade ratescope", e.Database, e.Have, e.Known)
}

// OutdatedSchemaError means the database holds an older schema version than
// this binary needs. It matches ErrNoSchema under errors.Is.
type OutdatedSchemaError struct {
	Database string
	Have     int // the database's schema version
	Want     int // the version this binary needs
}

func (e *OutdatedSchemaError) Error() string {
	return fmt.Sprintf("database %s has schema version %d, this binary needs %d: run `ingest migrate`", e.Database, e.Have, e.Want)
}

// Is makes an outdated schema match ErrNoSchema.
func (e *OutdatedSchemaError) Is(target error) bool { return target == ErrNoSchema }

// Migrate creates the database and brings its schema up to SchemaVersion,
// applying, in order, each migration newer than the highest version recorded
// in the database, and recording each one as soon as it is applied. It is
// idempotent and cheap when the schema is current, so it is safe to run at
// every start. It refuses (*NewerSchemaError) a database whose schema is
// newer than this binary knows.
//
// ClickHouse has no DDL transactions: a migration that fails half-way is
// re-run from its first statement next time, which is why migration
// statements are idempotent. Two processes migrating at once apply the same
// idempotent statements and may record a version twice, which is harmless.
//
// A database already at this binary's schema is left alone: no DDL runs,
// only the partner map is read. On a cluster this matters: every ON CLUSTER
// statement waits for every server (distributed_ddl_task_timeout, 180 s by
// default), so a load started while one server is down would otherwise
// wait that long on statements with nothing to do.
func (db *DB) Migrate(ctx context.Context) error {
	if err := db.CheckSchema(ctx); err == nil {
		if err := db.loadPartners(ctx); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		return nil
	}
	migs, err := schema.Migrations(db.schemaOptions())
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return db.migrate(ctx, migs)
}

// MigrateTo applies the embedded migrations up to version (inclusive),
// leaving the database at the schema an older release created: what
// upgrade tests start from.
func (db *DB) MigrateTo(ctx context.Context, version int) error {
	migs, err := schema.Migrations(db.schemaOptions())
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var upTo []schema.Migration
	for _, m := range migs {
		if m.Version <= version {
			upTo = append(upTo, m)
		}
	}
	return db.migrate(ctx, upTo)
}

func (db *DB) migrate(ctx context.Context, migs []schema.Migration) error {
	boot, err := schema.Bootstrap(db.schemaOptions())
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, stmt := range boot {
		if err := db.Conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("migrate: create database %s: %w", db.Name, db.clusterHint(err))
		}
	}
	have, _, err := db.schemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	known := lastVersion(migs)
	if have > known {
		return &NewerSchemaError{Database: db.Name, Have: have, Known: known}
	}
	for _, m := range migs {
		if m.Version <= have {
			continue
		}
		for i, stmt := range m.Statements {
			if err := db.Conn.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("migrate: apply %04d_%s statement %d: %w", m.Version, m.Name, i+1, db.clusterHint(err))
			}
		}
		if err := db.recordMigration(ctx, m); err != nil {
			return fmt.Errorf("migrate: record %04d_%s: %w", m.Version, m.Name, err)
		}
	}
	if err := db.loadPartners(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// CheckSchema reports whether the database holds exactly the schema this
// binary knows: nil when it does, an error matching ErrNoSchema when the
// database, its schema or a migration is missing, and a *NewerSchemaError
// when the database is ahead of this binary. Commands that only read call it
// before their first query; it never changes the database.
func (db *DB) CheckSchema(ctx context.Context) error {
	return db.checkSchema(ctx, SchemaVersion())
}

func (db *DB) checkSchema(ctx context.Context, known int) error {
	var n uint64
	err := db.Conn.QueryRow(ctx,
		"SELECT count() FROM system.tables WHERE database = ? AND name = ?",
		db.Name, schema.MigrationsTable).Scan(&n)
	if err != nil {
		return fmt.Errorf("check schema: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("database %s: %w", db.Name, ErrNoSchema)
	}
	have, rows, err := db.schemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("check schema: %w", err)
	}
	switch {
	case rows == 0:
		return fmt.Errorf("database %s: %w", db.Name, ErrNoSchema)
	case have > known:
		return &NewerSchemaError{Database: db.Name, Have: have, Known: known}
	case have < known:
		return &OutdatedSchemaError{Database: db.Name, Have: have, Want: known}
	}
	return nil
}

// schemaVersion returns the highest version recorded in the migrations
// table, and how many rows it holds.
func (db *DB) schemaVersion(ctx context.Context) (version int, rows uint64, err error) {
	var v uint32
	q := "SELECT max(version), count() FROM " + db.Table(schema.MigrationsTable)
	if err := db.Conn.QueryRow(ctx, q).Scan(&v, &rows); err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	if rows == 0 {
		return 0, 0, nil // max over no rows is 0 on old servers, NULL or 0 on new ones
	}
	return int(v), rows, nil
}

// recordMigration adds m to the migrations table. It uses a prepared batch:
// through clickhouse-go, an Exec of INSERT … VALUES never completes on 18.16.
func (db *DB) recordMigration(ctx context.Context, m schema.Migration) error {
	b, err := db.Conn.PrepareBatch(ctx, "INSERT INTO "+db.Table(schema.MigrationsTable)+" (version, name, applied_at)")
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }()
	if err := b.Append(uint32(m.Version), m.Name, time.Now().UTC()); err != nil {
		return err
	}
	return b.Send()
}

func (db *DB) schemaOptions() schema.Options {
	return schema.Options{Database: db.Name, Cluster: db.Cluster}
}

func lastVersion(migs []schema.Migration) int {
	if len(migs) == 0 {
		return 0
	}
	return migs[len(migs)-1].Version
}

// clusterHint adds, to an ON CLUSTER statement's timeout, what it most
// likely means: a server of the cluster is down, and ON CLUSTER DDL waits
// for all of them. Other errors are returned as they are.
func (db *DB) clusterHint(err error) error {
	var ex *clickhouse.Exception
	if db.Cluster == "" || !errors.As(err, &ex) || ex.Code != codeTimeoutExceeded {
		return err
	}
	return fmt.Errorf("%w (ON CLUSTER %s waits for every server of the cluster: is one down? the statement has run on those that answered; run 'ingest migrate' again once all are up)", err, db.Cluster)
}

// codeTimeoutExceeded is ClickHouse's TIMEOUT_EXCEEDED: an ON CLUSTER
// statement some server did not run within distributed_ddl_task_timeout.
const codeTimeoutExceeded = 159
