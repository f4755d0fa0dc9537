package chstore

import (
	"context"

	"github.com/ratescope/ratescope/schema"
)

// MigrateWith applies migs the way Migrate applies the embedded migrations.
func (db *DB) MigrateWith(ctx context.Context, migs []schema.Migration) error {
	return db.migrate(ctx, migs)
}

// CheckSchemaKnown checks the schema as a binary knowing up to version known.
func (db *DB) CheckSchemaKnown(ctx context.Context, known int) error {
	return db.checkSchema(ctx, known)
}

// InsertBlockRows is how many rows go in one block of an INSERT.
const InsertBlockRows = insertBlockRows

// SetInsertBlockRows sets how many rows go in one block of db's inserts.
func (db *DB) SetInsertBlockRows(n int) { db.blockRows = n }
