package schema

import (
	"fmt"
	"regexp"
	"strings"
	"text/template"
)

var (
	identRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	engineRE = regexp.MustCompile(`^([A-Za-z]*MergeTree)\((.*)\)$`)
)

// templateData is what a migration file's placeholders see.
type templateData struct {
	DB        string // `database`
	OnCluster string // "" or ON CLUSTER `cluster`
}

// render executes one file's template for opts, recording in shards the
// sharding key of every table its engine calls declare sharded. It does
// not check opts beyond what rendering needs: the single-node and the
// cluster forms both render, and Options are checked by the callers.
func render(name, text string, opts Options, shards map[string]string) (string, error) {
	if !identRE.MatchString(opts.Database) {
		return "", fmt.Errorf("database name %q must be letters, digits and underscores", opts.Database)
	}
	if opts.Cluster != "" && !identRE.MatchString(opts.Cluster) {
		return "", fmt.Errorf("cluster name %q must be letters, digits and underscores", opts.Cluster)
	}
	funcs := template.FuncMap{
		"engine": func(table, engine string, shardBy ...string) (string, error) {
			if len(shardBy) > 1 {
				return "", fmt.Errorf("engine for %s: one sharding key at most, got %d", table, len(shardBy))
			}
			key := ""
			if len(shardBy) == 1 {
				if key = strings.TrimSpace(shardBy[0]); key == "" || strings.ContainsAny(key, ";'`") {
					return "", fmt.Errorf("engine for %s: sharding key %q must be a plain expression such as cityHash64(request_id)", table, shardBy[0])
				}
				shards[table] = key
			}
			return tableEngine(opts, table, engine, key)
		},
	}
	t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", fmt.Errorf("parse migration %s: %w", name, err)
	}
	data := templateData{DB: quoteIdent(opts.Database)}
	if opts.Cluster != "" {
		data.OnCluster = "ON CLUSTER " + quoteIdent(opts.Cluster)
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render migration %s: %w", name, err)
	}
	return b.String(), nil
}

// tableEngine returns the engine clause for table: engine itself on a single
// node; on a cluster the Replicated variant, keeping engine's own arguments
// after the replication path and replica name. Only the MergeTree family is
// allowed, so that every table can be replicated.
//
// On a cluster a sharded table (shardBy set) is stored as table_local, one
// replica set per shard ({shard} in its path); a table without a sharding
// key is whole on every server: one replica set spanning the cluster.
func tableEngine(opts Options, table, engine, shardBy string) (string, error) {
	if !identRE.MatchString(table) {
		return "", fmt.Errorf("engine: table name %q must be letters, digits and underscores", table)
	}
	m := engineRE.FindStringSubmatch(strings.TrimSpace(engine))
	if m == nil {
		return "", fmt.Errorf("engine for %s: %q is not a MergeTree-family engine such as ReplacingMergeTree()", table, engine)
	}
	if opts.Cluster == "" {
		return m[1] + "(" + m[2] + ")", nil
	}
	args := fmt.Sprintf("'/clickhouse/tables/all/%s/%s', '{shard}-{replica}'", opts.Database, table)
	if shardBy != "" {
		args = fmt.Sprintf("'/clickhouse/tables/{shard}/%s/%s', '{replica}'", opts.Database, LocalTable(table))
	}
	if a := strings.TrimSpace(m[2]); a != "" {
		args += ", " + a
	}
	return "Replicated" + m[1] + "(" + args + ")", nil
}

// quoteIdent backquotes an identifier already checked against identRE.
func quoteIdent(s string) string { return "`" + s + "`" }
