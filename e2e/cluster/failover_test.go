//go:build cluster

package cluster

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
)

// replicatedTables are every table of the schema on a cluster that keeps
// rows: the shard-local ones and those whole on every server.
var replicatedTables = []string{"requests_local", "rejected_local", "requests_1h", "rollup_builds", "rollup_links", "storm_findings", "limit_findings", "limit_minutes", "partner_map", "schema_migrations"}

// A replica killed (SIGKILL) in the middle of a load and started again
// loses nothing and doubles nothing: the load completes on the other
// replica of its shard, the restarted one catches up from its peer, and
// every report equals the single node's.
func TestClusterReplicaDiesMidLoad(t *testing.T) {
	cl := newCluster(t)
	c := newCorpus(t, corpusRequests)

	single := chtest.NewURL(t)
	c.run(t, single, c.ingest, "migrate")
	c.load(t, single, c.files)

	dbURL := cl.newDB(t)
	c.run(t, dbURL, c.ingest, "migrate", "--cluster", clusterName)
	db := open(t, dbURL)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// Small batches: many inserts, so the kill lands among them.
	var out strings.Builder
	load := c.command(ctx, dbURL, c.ingest, append([]string{"--batch-rows", "300"}, c.files...)...)
	load.Stdout, load.Stderr = &out, &out
	start := time.Now()
	if err := load.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- load.Wait() }()

	// Kill server 2 (shard 1's second replica) once rows arrive.
	var stored uint64
	for stored < 2000 {
		select {
		case err := <-done:
			t.Fatalf("the load ended (%v) before the kill, with %d rows stored: make the corpus larger\n%s", err, stored, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if err := db.Conn.QueryRow(ctx, "SELECT count() FROM `"+db.Name+"`.requests").Scan(&stored); err != nil {
			t.Fatal(err)
		}
	}
	cl.script(t, "kill", os.Getenv("RATESCOPE_TEST_CLUSTER_DIR"), "2")
	killedAt := time.Since(start)
	peer := cl.node(t, 1) // server 2's peer in shard 1
	shardRows := func() uint64 {
		t.Helper()
		var n uint64
		if err := peer.Conn.QueryRow(ctx, "SELECT count() FROM `"+db.Name+"`.requests_local").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	atKill := shardRows()
	t.Logf("server 2 (shard 1, replica 2) killed %v into the load, with %d rows stored", killedAt.Round(time.Millisecond), stored)

	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		t.Fatal("the load did not finish")
	}
	took := time.Since(start)
	if err != nil {
		t.Fatalf("the load failed with a replica down: %v\n%s", err, out.String())
	}
	t.Logf("the load finished %v after the kill (%v in all)", (took - killedAt).Round(time.Millisecond), took.Round(time.Millisecond))

	// While it is down, the cluster answers reads from the other replica.
	ids := requestIDs(t, open(t, single))
	want := c.reports(t, single, ids)
	compareReports(t, want, c.reports(t, dbURL, ids))

	atRestart := shardRows()
	if atRestart <= atKill {
		t.Errorf("shard 1 received nothing while server 2 was down (%d rows, then %d): the kill came too late", atKill, atRestart)
	}
	t.Logf("while server 2 was down, shard 1 went from %d to %d rows on server 1", atKill, atRestart)
	cl.script(t, "restart", os.Getenv("RATESCOPE_TEST_CLUSTER_DIR"), "2")
	restarted := time.Now()
	// SYSTEM SYNC REPLICA returns once the replication queue is empty, but
	// a part the kill left half-fetched is found broken at start-up and
	// queued again only by the part check that follows (18.16), so a CI
	// run saw server 2 short of server 1's first 1,046 rows right after
	// the sync. Caught up means: every pair of replicas agrees, synced
	// again until they do (at most two minutes).
	var counts [4]map[string]uint64
	var nodes [4]*chstore.DB
	for n := 1; n <= 4; n++ {
		nodes[n-1] = cl.node(t, n)
	}
	var diffs []string
	chtest.Eventually(t, 2*time.Minute, "the replicas agree after server 2's restart", func() (bool, string) {
		for n := 1; n <= 4; n++ {
			node := nodes[n-1]
			counts[n-1] = map[string]uint64{}
			for _, table := range replicatedTables {
				syncReplica(t, node, db.Name, table)
				var c uint64
				if err := node.Conn.QueryRow(ctx, "SELECT count() FROM `"+db.Name+"`."+table).Scan(&c); err != nil {
					t.Fatal(err)
				}
				counts[n-1][table] = c
			}
		}
		diffs = diffs[:0]
		for _, table := range replicatedTables {
			pairs := [][2]int{{0, 1}, {2, 3}}
			if !strings.HasSuffix(table, "_local") {
				pairs = [][2]int{{0, 1}, {0, 2}, {0, 3}}
			}
			for _, p := range pairs {
				if a, b := counts[p[0]][table], counts[p[1]][table]; a != b {
					diffs = append(diffs, fmt.Sprintf("%s: server %d holds %d rows, server %d %d", table, p[0]+1, a, p[1]+1, b))
				}
			}
		}
		return len(diffs) == 0, strings.Join(diffs, "; ")
	})
	t.Logf("server 2 caught up %v after its restart: rows per server %v", time.Since(restarted).Round(time.Millisecond), counts)
	sdb := open(t, single)
	if got, want := countRows(t, db, "`"+db.Name+"`.requests"), countRows(t, sdb, "`"+sdb.Name+"`.requests"); got != want {
		t.Errorf("the cluster holds %d distinct rows, the single node %d", got, want)
	}
	// Reads now reach the restarted replica too: the same reports again.
	compareReports(t, want, c.reports(t, dbURL, ids))
}

// A load started while a server is already down — the leader replica of
// the hourly rollup, so that the end-of-load refresh cannot lean on it —
// completes promptly through the others, and every report equals the
// single node's. It used to wait out distributed_ddl_task_timeout (180 s)
// on the ON CLUSTER statements every load ran before loading, and an
// emptied rollup day was sent to the (dead) leader replica.
func TestClusterLoadWithServerDown(t *testing.T) {
	cl := newCluster(t)
	c := newCorpus(t, corpusRequests/4)

	single := chtest.NewURL(t)
	c.run(t, single, c.ingest, "migrate")
	c.load(t, single, c.files)

	dbURL := cl.newDB(t)
	c.run(t, dbURL, c.ingest, "migrate", "--cluster", clusterName)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	leader := 0
	for n := 1; n <= 4 && leader == 0; n++ {
		var is uint8
		err := cl.node(t, n).Conn.QueryRow(ctx, "SELECT is_leader FROM system.replicas WHERE database = ? AND table = 'requests_1h'", dbName(t, dbURL)).Scan(&is)
		if err != nil {
			t.Fatalf("server %d: %v", n, err)
		}
		if is == 1 {
			leader = n
		}
	}
	if leader == 0 {
		t.Fatal("no server leads requests_1h")
	}
	dir := os.Getenv("RATESCOPE_TEST_CLUSTER_DIR")
	cl.script(t, "kill", dir, strconv.Itoa(leader))
	t.Cleanup(func() { cl.script(t, "restart", dir, strconv.Itoa(leader)) })
	t.Logf("server %d, requests_1h's leader replica, killed before the load", leader)

	took := c.load(t, dbURL, c.files)
	t.Logf("the load took %v with server %d down", took.Round(time.Millisecond), leader)
	if took > time.Minute {
		t.Errorf("the load took %v with one server down: something waited for it", took)
	}
	ids := requestIDs(t, open(t, single))
	compareReports(t, c.reports(t, single, ids), c.reports(t, dbURL, ids))
}
