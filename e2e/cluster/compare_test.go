//go:build cluster

package cluster

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
)

// corpusRequests sizes the corpus: background requests on top of which
// come the retries, health checks and storms of the sample.
const corpusRequests = 40000

// The same corpus, loaded into a single node by one ingester and into the
// cluster by two ingesters at once (and by one, to compare rates), gives
// the same reports, the same rollups and the same findings.
func TestClusterMatchesSingleNode(t *testing.T) {
	cl := newCluster(t)
	c := newCorpus(t, corpusRequests)

	// One ingester per half of the files (one per gateway host), at
	// once, and one ingester for all, on each side: a one-shot load keeps
	// the rate-limit findings of the days it loaded, so two loads keep two
	// windows, on a single node as on a cluster.
	half := len(c.files) / 2
	singleOne, singleTwo := chtest.NewURL(t), chtest.NewURL(t)
	c.run(t, singleOne, c.ingest, "migrate")
	singleTook := c.load(t, singleOne, c.files)
	c.run(t, singleTwo, c.ingest, "migrate")
	c.load(t, singleTwo, c.files[:half], c.files[half:])
	c.run(t, singleTwo, c.ingest, "migrate") // the passes of the two ingesters raced; one more settles the rollups

	two := cl.newDB(t)
	wantSaid := fmt.Sprintf("schema of database %s on cluster %s is at version", dbName(t, two), clusterName)
	if out := c.run(t, two, c.ingest, "migrate", "--cluster", clusterName); !strings.HasPrefix(out, wantSaid) {
		t.Fatalf("migrate --cluster said %q, want %q…", out, wantSaid)
	}
	twoTook := c.load(t, two, c.files[:half], c.files[half:])
	c.run(t, two, c.ingest, "migrate")

	one := cl.newDB(t)
	c.run(t, one, c.ingest, "migrate", "--cluster", clusterName)
	oneTook := c.load(t, one, c.files)

	s1db, s2db, tdb, odb := open(t, singleOne), open(t, singleTwo), open(t, two), open(t, one)
	if tdb.Cluster != clusterName || odb.Cluster != clusterName || s1db.Cluster != "" {
		t.Fatalf("clusters found: single %q, cluster %q and %q", s1db.Cluster, tdb.Cluster, odb.Cluster)
	}
	rows := countRows(t, s1db, "`"+s1db.Name+"`.requests")
	t.Logf("corpus: %d files, %d rows; single node, one ingester: %v (%.0f rows/s)", len(c.files), rows, singleTook.Round(time.Millisecond), float64(rows)/singleTook.Seconds())
	t.Logf("cluster, one ingester: %v (%.0f rows/s); two ingesters at once: %v (%.0f rows/s)",
		oneTook.Round(time.Millisecond), float64(rows)/oneTook.Seconds(), twoTook.Round(time.Millisecond), float64(rows)/twoTook.Seconds())
	for _, db := range []*chstore.DB{s2db, tdb, odb} {
		if n := countRows(t, db, "`"+db.Name+"`.requests"); n != rows {
			t.Errorf("%s holds %d distinct rows, the single node %d", db.Name, n, rows)
		}
	}

	ids := requestIDs(t, s1db)
	want := c.reports(t, singleOne, ids)
	compareReports(t, want, c.reports(t, two, ids))
	compareReports(t, want, c.reports(t, one, ids))
	// The rollups are rebuilt from the stored rows, so they must match
	// whatever the order of loading. The findings are what each pass saw
	// when it ran: with one ingester that is everything, with two each
	// pass may run while the other ingester is still loading (on a single
	// node as on a cluster), so only the one-ingester findings are
	// compared.
	for table, q := range keptTables {
		pairs := [][2]*chstore.DB{{s1db, odb}}
		if table == "requests_1h" {
			pairs = append(pairs, [2]*chstore.DB{s2db, tdb})
		}
		for _, pair := range pairs {
			s := queryStrings(t, pair[0], fmt.Sprintf(q, "`"+pair[0].Name+"`"))
			if len(s) == 0 {
				t.Errorf("%s: the single node kept no rows", table)
			}
			if got := queryStrings(t, pair[1], fmt.Sprintf(q, "`"+pair[1].Name+"`")); !slices.Equal(got, s) {
				t.Errorf("%s of %s: %d rows differ from the single node's %d", table, pair[1].Name, len(got), len(s))
			}
			t.Logf("%s: %d rows, identical", table, len(s))
		}
	}
	// Each shard holds its share of the requests, each replica all of it.
	for _, db := range []string{tdb.Name, odb.Name} {
		var shards []uint64
		for n := 1; n <= 4; n++ {
			node := cl.node(t, n)
			syncReplica(t, node, db, "requests_local")
			shards = append(shards, countRows(t, node, "`"+db+"`.requests_local"))
		}
		if shards[0] != shards[1] || shards[2] != shards[3] || shards[0] == 0 || shards[2] == 0 {
			t.Errorf("%s: rows per server %v: want two equal pairs of replicas, both shards used", db, shards)
		}
		t.Logf("%s: rows per server (shard 1 r1 r2, shard 2 r1 r2): %v", db, shards)
	}
}

// countRows counts the distinct rows of a requests table: one per
// request id and kind, as ReplacingMergeTree keeps them. Copies of a row (a
// file loaded twice, an overlapping file, a batch re-sent) count once,
// whether or not a merge folded them yet.
func countRows(t *testing.T, db *chstore.DB, table string) uint64 {
	t.Helper()
	var n uint64
	if err := db.Conn.QueryRow(context.Background(), "SELECT uniqExact(request_id, kind) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// syncReplica waits until server db has every part its replica set has
// of db.table.
func syncReplica(t *testing.T, node *chstore.DB, db, table string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := node.Conn.Exec(ctx, "SYSTEM SYNC REPLICA `"+db+"`."+table); err != nil {
		t.Fatalf("sync replica %s.%s: %v", db, table, err)
	}
}
