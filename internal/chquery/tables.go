package chquery

// Tables says where the read statements find ratescope's data. It is the
// one place table names and the partner are resolved, so a later layout
// (Distributed tables on a cluster, a partner-name mapping table) changes
// them here and every statement follows.
type Tables struct {
	// Database holds the tables; a plain identifier (chstore.ParseURL
	// validates it).
	Database string
}

// Requests is the requests table, qualified with the database.
func (t Tables) Requests() string { return t.table("requests") }

// Rejected is the table of rejected lines, qualified with the database.
func (t Tables) Rejected() string { return t.table("rejected") }

func (t Tables) table(name string) string { return "`" + t.Database + "`." + name }

// In is the operator that tests membership in a subquery's result: IN on a
// single server (GLOBAL IN once the tables are Distributed).
func (t Tables) In() string { return "IN" }

// NotIn is the negation of In.
func (t Tables) NotIn() string { return "NOT " + t.In() }

// Partner is the expression, over a row of the requests table, that names
// the request's partner: the partner as logged (a key id or name). A
// mapping of key ids to partner names changes it here.
func (t Tables) Partner() string { return "partner" }
