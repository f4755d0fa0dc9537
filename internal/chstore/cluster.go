package chstore

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// distributedRE takes the cluster out of a Distributed table's engine_full:
// Distributed(cluster, db, table[, key]), the cluster possibly quoted.
var distributedRE = regexp.MustCompile("^Distributed\\(\\s*['`]?([A-Za-z_][A-Za-z0-9_]*)['`]?\\s*,")

// layout is what Open finds of the database's schema.
type layout struct {
	cluster    string // the cluster of the Distributed requests table, or ""
	requests   bool   // the requests table exists
	partnerMap bool   // the partner_map table exists
}

// readLayout finds the cluster db's schema was created on: the one its
// requests table (a Distributed table on a cluster) spreads over, "" when
// the table is a plain one or does not exist yet.
func readLayout(ctx context.Context, db *DB) (layout, error) {
	var l layout
	rows, err := db.Conn.Query(ctx, "SELECT name, engine_full FROM system.tables WHERE database = ? AND name IN ('requests', 'partner_map')", db.Name)
	if err != nil {
		return l, fmt.Errorf("read the tables of database %s: %w", db.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, engine string
		if err := rows.Scan(&name, &engine); err != nil {
			return l, fmt.Errorf("read the tables of database %s: %w", db.Name, err)
		}
		switch name {
		case "requests":
			l.requests = true
			if m := distributedRE.FindStringSubmatch(strings.TrimSpace(engine)); m != nil {
				l.cluster = m[1]
			}
		case "partner_map":
			l.partnerMap = true
		}
	}
	if err := rows.Err(); err != nil {
		return l, fmt.Errorf("read the tables of database %s: %w", db.Name, err)
	}
	return l, nil
}

// UseCluster says which cluster the schema is (to be) created on: name
// (from `ingest migrate --cluster` or the configuration's cluster:), or,
// when name is "", the one the database already uses. It refuses a name
// that contradicts the existing schema: a database is on one cluster or on
// a single node, never both.
func (db *DB) UseCluster(name string) error {
	switch {
	case name == "" || name == db.Cluster:
		return nil
	case !identRE.MatchString(name):
		return fmt.Errorf("cluster name %q must be letters, digits and underscores", name)
	case db.Cluster != "":
		return fmt.Errorf("database %s is on cluster %s, not %s", db.Name, db.Cluster, name)
	case db.singleNode:
		return fmt.Errorf("database %s holds a single-node schema: it cannot be put on cluster %s (migrate a new database on the cluster and load the logs again)", db.Name, name)
	}
	db.Cluster = name
	return nil
}

// clusterPartners is the latest partner map as a cluster's readers inline
// it (see LatestPartners).
type clusterPartners struct {
	mu         sync.Mutex
	ids, names []string
	loaded     bool
}

// LatestPartners returns the latest partner map as parallel arrays, as
// read when the connection opened, migrated or synced the map; ok is
// false on a single node, where statements read the map themselves. On a
// cluster they cannot: 18.16 evaluates a scalar subquery over the map on
// the server that received the query, names the column computed from it
// differently from the shards, and fails ("Not found column"); so readers
// inline this copy instead (chquery.Tables.Partners).
func (db *DB) LatestPartners() (ids, names []string, ok bool) {
	if db.partners == nil {
		return nil, nil, false
	}
	db.partners.mu.Lock()
	defer db.partners.mu.Unlock()
	return db.partners.ids, db.partners.names, db.partners.loaded
}

// loadPartners reads the latest partner map into the connection's copy,
// on a cluster whose schema exists.
func (db *DB) loadPartners(ctx context.Context) error {
	if db.Cluster == "" {
		return nil
	}
	var ids, names []string
	err := db.Conn.QueryRow(ctx, "SELECT ids, names FROM "+db.Table("partner_map")+" ORDER BY version DESC LIMIT 1").Scan(&ids, &names)
	if err != nil {
		return fmt.Errorf("read the partner map: %w", err)
	}
	if db.partners == nil {
		db.partners = &clusterPartners{}
	}
	db.partners.mu.Lock()
	defer db.partners.mu.Unlock()
	db.partners.ids, db.partners.names, db.partners.loaded = ids, names, true
	return nil
}
