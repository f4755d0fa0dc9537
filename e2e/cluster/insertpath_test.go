//go:build cluster

package cluster

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
)

// insertBatches is how many batches the corpus's rows are inserted in, by
// either path.
const insertBatches = 10

// The two ways an ingester can write to the cluster, timed on the same
// rows in the same batches: through the Distributed table
// (insert_distributed_sync=1: the receiving server splits each batch by
// cityHash64(request_id) and writes every part to a replica of its shard
// before answering) and straight into the shard-local tables, the ingester
// splitting each batch by the same hash and writing to one replica of each
// shard at once. Both must place every row on the same shard; the figures
// are logged (docs/cluster.md).
func TestClusterInsertPaths(t *testing.T) {
	cl := newCluster(t)
	c := newCorpus(t, corpusRequests)
	single := chtest.NewURL(t)
	c.run(t, single, c.ingest, "migrate")
	c.load(t, single, c.files)
	sdb := open(t, single)
	u, err := url.Parse(single)
	if err != nil {
		t.Fatal(err)
	}
	source := fmt.Sprintf("remote('%s', `%s`, requests)", u.Host, sdb.Name)
	cols := strings.Join(queryStrings(t, sdb, "SELECT name FROM system.columns WHERE database = '"+sdb.Name+"' AND table = 'requests' AND default_kind != 'MATERIALIZED'"), ", ")

	n1, n3 := cl.node(t, 1), cl.node(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	batch := func(i int) string { return fmt.Sprintf("cityHash64(source, offset) %% %d = %d", insertBatches, i) }
	var rows uint64
	if err := sdb.Conn.QueryRow(ctx, "SELECT count() FROM `"+sdb.Name+"`.requests").Scan(&rows); err != nil {
		t.Fatal(err)
	}

	// The rows to insert, copied beforehand to a plain table on the two
	// servers that receive them, so both paths read the same local rows.
	staging := dbName(t, cl.newDB(t))
	staged := "`" + staging + "`.insert_source"
	for _, node := range []*chstore.DB{n1, n3} {
		if err := node.Conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS `"+staging+"`"); err != nil {
			t.Fatal(err)
		}
		if err := node.Conn.Exec(ctx, "CREATE TABLE "+staged+" ENGINE = MergeTree() ORDER BY tuple() AS SELECT "+cols+" FROM "+source); err != nil {
			t.Fatalf("stage the rows: %v", err)
		}
	}

	throughDistributed := func(db string) {
		for i := range insertBatches {
			q := "INSERT INTO `" + db + "`.requests (" + cols + ") SELECT " + cols + " FROM " + staged + " WHERE " + batch(i)
			if err := n1.Conn.Exec(ctx, q); err != nil {
				t.Fatalf("insert through Distributed: %v", err)
			}
		}
	}
	intoLocal := func(db string) {
		for i := range insertBatches {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for shard, node := range []*chstore.DB{n1, n3} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					q := fmt.Sprintf("INSERT INTO `%s`.requests_local (%s) SELECT %s FROM %s WHERE %s AND cityHash64(request_id) %% 2 = %d", db, cols, cols, staged, batch(i), shard)
					errs[shard] = node.Conn.Exec(ctx, q)
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatalf("insert into the local tables: %v", err)
				}
			}
		}
	}
	// Two rounds, the paths alternating, each into a fresh database.
	var dname, lname string
	for round := 1; round <= 2; round++ {
		var took [2]time.Duration
		for i, path := range []func(string){throughDistributed, intoLocal} {
			u := cl.newDB(t)
			c.run(t, u, c.ingest, "migrate", "--cluster", clusterName)
			start := time.Now()
			path(dbName(t, u))
			took[i] = time.Since(start)
			if i == 0 {
				dname = dbName(t, u)
			} else {
				lname = dbName(t, u)
			}
		}
		t.Logf("round %d, %d rows in %d batches: through Distributed %v (%.0f rows/s), into the local tables %v (%.0f rows/s)",
			round, rows, insertBatches, took[0].Round(time.Millisecond), float64(rows)/took[0].Seconds(), took[1].Round(time.Millisecond), float64(rows)/took[1].Seconds())
	}

	// The same hash puts the same rows on the same shard.
	for _, node := range []*chstore.DB{n1, n3} {
		var a, b uint64
		q := "SELECT sum(cityHash64(request_id, kind, source, offset)) FROM `%s`.requests_local"
		syncReplica(t, node, dname, "requests_local")
		syncReplica(t, node, lname, "requests_local")
		if err := node.Conn.QueryRow(ctx, fmt.Sprintf(q, dname)).Scan(&a); err != nil {
			t.Fatal(err)
		}
		if err := node.Conn.QueryRow(ctx, fmt.Sprintf(q, lname)).Scan(&b); err != nil {
			t.Fatal(err)
		}
		if a != b || a == 0 {
			t.Errorf("server %s: the shard holds different rows through Distributed and through the local tables", node.Addr)
		}
	}

	// Bytes on disk per request, per replica (after merges settle).
	for _, db := range []string{dname} {
		for _, node := range []*chstore.DB{n1, n3} {
			syncReplica(t, node, db, "requests_local")
			if err := node.Conn.Exec(ctx, "OPTIMIZE TABLE `"+db+"`.requests_local FINAL"); err != nil {
				t.Fatal(err)
			}
		}
		var bytes, n uint64
		err := n1.Conn.QueryRow(ctx, "SELECT sum(bytes_on_disk), sum(rows) FROM cluster('"+clusterName+"', system, parts) WHERE database = '"+db+"' AND table = 'requests_local' AND active").Scan(&bytes, &n)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("on disk: %d bytes for %d rows over the shards (one replica each): %.0f bytes per row; every replica holds its shard's share",
			bytes, n, float64(bytes)/float64(n))
	}
}
