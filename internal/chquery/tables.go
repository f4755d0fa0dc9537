package chquery

import (
	"strings"

	"github.com/ratescope/ratescope/schema"
)

// Tables says where the read statements find ratescope's data. It is the
// one place table names and the partner are resolved, so a later layout
// (Distributed tables on a cluster, a partner-name mapping table) changes
// them here and every statement follows.
type Tables struct {
	// Database holds the tables; a plain identifier (chstore.ParseURL
	// validates it).
	Database string
	// Cluster is the ClickHouse cluster the schema is on, "" on a single
	// node (chstore.DB.Cluster). There requests and rejected are
	// Distributed tables over shard-local ones, and every other table is
	// whole on every server (schema.go), so the names stay the same and
	// only how subqueries and system tables are read changes.
	Cluster string
	// Partners, when set, is the latest partner map (ids, names), inlined
	// into Partner's expression instead of read by scalar subqueries
	// (chstore.DB.LatestPartners: on a cluster, where 18.16 fails on
	// those).
	Partners *PartnerArrays
	// Global makes In and NotIn GLOBAL whatever Cluster says: for
	// statements that must run unchanged on a single node (which runs
	// GLOBAL IN as IN) and on a cluster, where the schema and its cluster
	// are not known when they are written (the dashboards).
	Global bool
}

// PartnerArrays is a partner map as parallel arrays: ids[i] names
// partner names[i].
type PartnerArrays struct {
	IDs, Names []string
}

// Requests is the requests table, qualified with the database.
func (t Tables) Requests() string { return t.table("requests") }

// Rejected is the table of rejected lines, qualified with the database.
func (t Tables) Rejected() string { return t.table("rejected") }

func (t Tables) table(name string) string { return "`" + t.Database + "`." + name }

// In is the operator that tests membership in a subquery's result: IN on a
// single server, GLOBAL IN on a cluster, where the subquery reads a
// Distributed table: it runs once, on the server that received the query,
// and its result goes to every shard (a plain IN would be refused by
// ClickHouse's distributed_product_mode 'deny').
func (t Tables) In() string {
	if t.Cluster != "" || t.Global {
		return "GLOBAL IN"
	}
	return "IN"
}

// Parts is the source of the active parts of a table, for system.parts
// queries: system.parts on a single node; on a cluster the parts of one
// replica of every shard (the cluster table function over system.parts).
func (t Tables) Parts() string {
	if t.Cluster != "" {
		return "cluster('" + t.Cluster + "', system, parts)"
	}
	return "system.parts"
}

// StoredName is the name under which a table's rows are stored, for
// system.parts queries: the table itself on a single node, table_local
// for the sharded tables (requests, rejected) on a cluster.
func (t Tables) StoredName(table string) string {
	if t.Cluster != "" && (table == "requests" || table == "rejected") {
		return schema.LocalTable(table)
	}
	return table
}

// NotIn is the negation of In (GLOBAL NOT IN on a cluster: ClickHouse
// has no NOT GLOBAL IN).
func (t Tables) NotIn() string {
	if t.Cluster != "" || t.Global {
		return "GLOBAL NOT IN"
	}
	return "NOT IN"
}

// PartnerMap is the table the configuration's partner map is synced into
// (chstore.DB.SyncPartners): one row per version, parallel arrays ids and
// names; the highest version is the map.
func (t Tables) PartnerMap() string { return t.table("partner_map") }

// Partner is the expression, over a row of the requests table, that names
// the request's partner: its name by the latest partner map, else the
// partner as logged (a key id, client id or kh- caller id). The map's arrays
// are scalar subqueries, constant for the query; the leading ” keeps them
// non-empty, as transform requires.
func (t Tables) Partner() string { return t.PartnerOf("partner") }

// PartnerOf is Partner over any expression holding a logged partner.
func (t Tables) PartnerOf(col string) string {
	if t.Partners != nil {
		return "transform(" + col + ", " + stringArray(t.Partners.IDs) + ", " + stringArray(t.Partners.Names) + ", " + col + ")"
	}
	latest := func(field string) string {
		return "arrayConcat([''], (SELECT " + field + " FROM " + t.PartnerMap() + " ORDER BY version DESC LIMIT 1))"
	}
	return "transform(" + col + ", " + latest("ids") + ", " + latest("names") + ", " + col + ")"
}

// stringArray is an array literal of ” and xs: never empty, as transform
// requires.
func stringArray(xs []string) string {
	var b strings.Builder
	b.WriteString("[''")
	for _, x := range xs {
		b.WriteString(", ")
		b.WriteString(quote(x))
	}
	b.WriteByte(']')
	return b.String()
}

// LoggedPartner is the partner as logged, unmapped: what rate-limit plans
// list among a partner's identifiers.
func (t Tables) LoggedPartner() string { return "partner" }
