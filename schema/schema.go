// Package schema holds ratescope's ClickHouse DDL as numbered migrations and
// renders them for a database.
//
// Each file NNNN_name.sql is one migration: NNNN is its version (strictly
// increasing from file to file), name says what it does. A file is a
// text/template with these placeholders:
//
//	{{.DB}}                              the database, backquoted
//	{{.OnCluster}}                       empty on a single node; ON CLUSTER `name` on a cluster
//	{{engine "table" "ReplacingMergeTree()"}}  the table engine
//	{{engine "table" "ReplacingMergeTree()" "cityHash64(request_id)"}}  … of a sharded table
//
// engine is the one place table engines are chosen, so the same files are
// emitted for a cluster without editing them. On a single node the engine
// is the one given. On a cluster ({{.OnCluster}} set) every table is
// Replicated*MergeTree, created ON CLUSTER, and:
//
//   - a table whose engine call gives a sharding key (its third argument)
//     is sharded: CREATE TABLE {{.DB}}.t creates t_local on every server,
//     one replica set per shard (path /clickhouse/tables/{shard}/db/t_local),
//     and the renderer adds the Distributed table t over it, sharded by that
//     key, under the name readers and writers use; a later ALTER TABLE
//     {{.DB}}.t alters t_local and then t. Rows that must meet in one
//     shard (a request's access record and error bodies, a row and its
//     re-ingested copy) need a key that puts them there.
//   - a table without a sharding key is whole on every server: one replica
//     set spanning the cluster (path /clickhouse/tables/all/db/t, replica
//     {shard}-{replica}), read and written locally under its own name. This
//     suits small tables written by one pass (rollups, findings, the
//     partner map, the migrations table).
//
// So a new migration states, per table, only its engine and, for a large
// table, its sharding key; the statements stay those of a single node:
// CREATE TABLE IF NOT EXISTS {{.DB}}.t {{.OnCluster}} …, ALTER TABLE
// {{.DB}}.t {{.OnCluster}} …, INSERT INTO {{.DB}}.t ….
//
// After rendering, the text is split into statements at every ';' that ends
// a line, and '--' comments are removed. Statements must be idempotent
// (CREATE … IF NOT EXISTS, …): a migration interrupted half-way is run again
// from its first statement. A migration is never edited once released; a
// change to the schema is a new file.
package schema

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
)

//go:embed *.sql
var files embed.FS

// MigrationsTable is the table, in the schema's database, that records the
// migrations applied to it.
const MigrationsTable = "schema_migrations"

// Options say where the schema goes.
type Options struct {
	// Database receives the tables. It must be a plain identifier (letters,
	// digits, underscores).
	Database string
	// Cluster, when set, names the ClickHouse cluster (a <remote_servers>
	// entry of every server, whose servers define the {shard} and {replica}
	// macros) the schema is created on, ON CLUSTER: see docs/cluster.md.
	Cluster string
}

// Migration is one migration file, rendered for a database.
type Migration struct {
	Version    int
	Name       string   // from the file name: 0001_init.sql → "init"
	Statements []string // in order, without the trailing ';'
}

var fileNameRE = regexp.MustCompile(`^([0-9]{4})_([a-z][a-z0-9_]*)\.sql$`)

// Migrations returns the embedded migrations rendered for opts, in version
// order.
func Migrations(opts Options) ([]Migration, error) {
	return load(files, opts)
}

// Latest returns the version of the newest embedded migration: the schema
// version this binary knows. It is 0 only when the embedded file names are
// malformed, which the package's tests rule out.
func Latest() int {
	names, err := migrationFiles(files)
	if err != nil || len(names) == 0 {
		return 0
	}
	return names[len(names)-1].version
}

// Bootstrap returns the statements that must run before any migration: they
// create the database and the table that records applied migrations
// (MigrationsTable: version UInt32, name String, applied_at DateTime('UTC')).
// Both are idempotent.
func Bootstrap(opts Options) ([]string, error) {
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	const text = "CREATE DATABASE IF NOT EXISTS {{.DB}} {{.OnCluster}};\n" +
		"CREATE TABLE IF NOT EXISTS {{.DB}}." + MigrationsTable + " {{.OnCluster}}\n" +
		"(\n    version    UInt32,\n    name       String,\n    applied_at DateTime('UTC')\n)\n" +
		"ENGINE = {{engine \"" + MigrationsTable + "\" \"MergeTree()\"}}\nORDER BY version;\n"
	return renderStatements("bootstrap", text, opts, map[string]string{})
}

type migrationFile struct {
	path    string
	version int
	name    string
}

// migrationFiles lists the *.sql files of fsys in version order, checking
// their names and that versions strictly increase.
func migrationFiles(fsys fs.FS) ([]migrationFile, error) {
	paths, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	// fs.Glob returns names in lexical order; with four-digit versions that
	// is version order.
	out := make([]migrationFile, 0, len(paths))
	for _, p := range paths {
		m := fileNameRE.FindStringSubmatch(path.Base(p))
		if m == nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql (four digits, lowercase letters, digits and underscores)", p)
		}
		v, _ := strconv.Atoi(m[1]) // four digits: cannot fail
		if v == 0 {
			return nil, fmt.Errorf("migration %s: versions start at 0001", p)
		}
		if n := len(out); n > 0 && v <= out[n-1].version {
			return nil, fmt.Errorf("migration %s: version %d repeats %s", p, v, out[n-1].path)
		}
		out = append(out, migrationFile{path: p, version: v, name: m[2]})
	}
	return out, nil
}

// load reads and renders the migrations of fsys.
func load(fsys fs.FS, opts Options) ([]Migration, error) {
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	list, err := migrationFiles(fsys)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errors.New("no migrations found")
	}
	out := make([]Migration, 0, len(list))
	shards := map[string]string{} // sharded tables so far: a later ALTER finds them
	for _, f := range list {
		text, err := fs.ReadFile(fsys, f.path)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", f.path, err)
		}
		stmts, err := renderStatements(f.path, string(text), opts, shards)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: f.version, Name: f.name, Statements: stmts})
	}
	return out, nil
}

// renderStatements renders one file's template and splits it into
// statements, laid out for a cluster (shardStatements) when opts has one.
func renderStatements(name, text string, opts Options, shards map[string]string) ([]string, error) {
	sql, err := render(name, text, opts, shards)
	if err != nil {
		return nil, err
	}
	stmts, err := splitStatements(sql)
	if err != nil {
		return nil, fmt.Errorf("migration %s: %w", name, err)
	}
	return shardStatements(stmts, opts, shards), nil
}

func checkOptions(opts Options) error {
	if !identRE.MatchString(opts.Database) {
		return fmt.Errorf("database name %q must be letters, digits and underscores", opts.Database)
	}
	if opts.Cluster != "" && !identRE.MatchString(opts.Cluster) {
		return fmt.Errorf("cluster name %q must be letters, digits and underscores", opts.Cluster)
	}
	return nil
}
