package schema

import (
	"regexp"
	"strings"
)

// LocalSuffix ends the name of a sharded table's shard-local part on a
// cluster: requests is then a Distributed table over requests_local.
const LocalSuffix = "_local"

// LocalTable returns the name of table's shard-local part on a cluster.
func LocalTable(table string) string { return table + LocalSuffix }

// ddlRE matches the head of a statement that creates or alters a table of
// database db: CREATE TABLE [IF NOT EXISTS] db.name, ALTER TABLE db.name.
// Group 1 is everything before the table's name, group 2 the name.
func ddlRE(db string) *regexp.Regexp {
	return regexp.MustCompile(`^((?is:CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?|ALTER\s+TABLE\s+)` + regexp.QuoteMeta(db) + `\.)([A-Za-z_][A-Za-z0-9_]*)\b`)
}

// shardStatements rewrites, on a cluster, the statements about sharded
// tables (shards: table → sharding key, from the engine calls of this and
// earlier migrations): CREATE TABLE db.t creates db.t_local (the engine
// call already gave it its replicated engine) followed by the Distributed
// table db.t over it, sharded by the key; ALTER TABLE db.t alters db.t_local
// and then db.t, so both keep the same columns. Other statements (INSERT,
// statements about unsharded tables) are left as they are: they name the
// Distributed table, which routes them.
func shardStatements(stmts []string, opts Options, shards map[string]string) []string {
	if opts.Cluster == "" || len(shards) == 0 {
		return stmts
	}
	db := quoteIdent(opts.Database)
	re := ddlRE(db)
	out := make([]string, 0, len(stmts))
	for _, s := range stmts {
		m := re.FindStringSubmatchIndex(s)
		if m == nil {
			out = append(out, s)
			continue
		}
		head, table := s[m[2]:m[3]], s[m[4]:m[5]]
		key, sharded := shards[table]
		if !sharded {
			out = append(out, s)
			continue
		}
		local := head + LocalTable(table) + s[m[5]:]
		out = append(out, local)
		if strings.HasPrefix(strings.ToUpper(head), "ALTER") {
			out = append(out, s)
			continue
		}
		out = append(out, "CREATE TABLE IF NOT EXISTS "+db+"."+table+" ON CLUSTER "+quoteIdent(opts.Cluster)+
			" AS "+db+"."+LocalTable(table)+
			"\nENGINE = Distributed("+quoteIdent(opts.Cluster)+", "+db+", "+LocalTable(table)+", "+key+")")
	}
	return out
}
