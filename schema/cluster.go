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
		// The Distributed table has the local table's columns, with
		// MATERIALIZED ones as ALIAS: an insert through it leaves them out
		// (18.16 would send them, and the shard refuses a value for a
		// MATERIALIZED column), while a read of one is sent to the shards
		// as is and reads the stored column there.
		columns := " AS " + db + "." + LocalTable(table)
		if cols, ok := columnList(s[m[5]:]); ok {
			columns = " " + materializedRE.ReplaceAllString(cols, "${1}ALIAS ")
		}
		out = append(out, "CREATE TABLE IF NOT EXISTS "+db+"."+table+" ON CLUSTER "+quoteIdent(opts.Cluster)+columns+
			"\nENGINE = Distributed("+quoteIdent(opts.Cluster)+", "+db+", "+LocalTable(table)+", "+key+")")
	}
	return out
}

// materializedRE matches the MATERIALIZED keyword of a column definition.
var materializedRE = regexp.MustCompile(`(?i)(\s)MATERIALIZED\s+`)

// columnList returns the parenthesised column list of a CREATE TABLE
// statement's rest after the table name (past an ON CLUSTER clause), with
// its parentheses; ok is false when the statement has none (CREATE … AS).
func columnList(rest string) (string, bool) {
	open := strings.IndexByte(rest, '(')
	if open < 0 || strings.Contains(strings.ToUpper(rest[:open]), "ENGINE") || strings.Contains(strings.ToUpper(rest[:open]), " AS ") {
		return "", false
	}
	depth := 0
	var quote byte
	for i := open; i < len(rest); i++ {
		c := rest[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '`' || c == '"':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return rest[open : i+1], true
			}
		}
	}
	return "", false
}
