//go:build cluster

package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/checkpoint"
	"github.com/ratescope/ratescope/internal/chtest"
)

// Two `ingest --follow` daemons, one per gateway host, each with its own
// files and its own checkpoints, fill one cluster database at once; the
// reports then equal a single node's over the same files.
func TestClusterTwoDaemons(t *testing.T) {
	cl := newCluster(t)
	c := newCorpus(t, corpusRequests)
	var files []string
	for _, f := range c.files {
		if !strings.HasSuffix(f, ".gz") { // the daemon leaves compressed rotated copies to one-shot loads
			files = append(files, f)
		}
	}
	single := chtest.NewURL(t)
	c.run(t, single, c.ingest, "migrate")
	c.load(t, single, files)
	sdb := open(t, single)
	want := countRows(t, sdb, "`"+sdb.Name+"`.requests")

	dbURL := cl.newDB(t)
	c.run(t, dbURL, c.ingest, "migrate", "--cluster", clusterName)
	db := open(t, dbURL)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	half := len(files) / 2
	type daemon struct {
		state string
		out   *strings.Builder
		done  chan error
		pid   int
	}
	var daemons []daemon
	start := time.Now()
	for _, group := range [][]string{files[:half], files[half:]} {
		d := daemon{state: t.TempDir(), out: &strings.Builder{}, done: make(chan error, 1)}
		args := append([]string{"--follow", "--state-dir", d.state, "--metrics-addr", "", "--log-level", "warn"}, group...)
		cmd := c.command(ctx, dbURL, c.ingest, args...)
		cmd.Stdout, cmd.Stderr = d.out, d.out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		d.pid = cmd.Process.Pid
		go func() { d.done <- cmd.Wait() }()
		daemons = append(daemons, d)
	}
	var got uint64
	for got < want {
		if ctx.Err() != nil {
			t.Fatalf("the daemons stored %d of %d rows in 5 minutes", got, want)
		}
		time.Sleep(100 * time.Millisecond)
		got = countRows(t, db, "`"+db.Name+"`.requests")
	}
	t.Logf("two daemons stored %d rows in %v", got, time.Since(start).Round(time.Millisecond))
	for _, d := range daemons {
		if err := syscall.Kill(d.pid, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range daemons {
		if err := <-d.done; err != nil {
			t.Errorf("daemon: %v\n%s", err, d.out.String())
		}
		entries, err := os.ReadDir(d.state)
		if err != nil || len(entries) == 0 {
			t.Errorf("daemon kept no checkpoint in %s (%v)", d.state, err)
		}
		for _, e := range entries {
			t.Logf("checkpoint %s", filepath.Join(filepath.Base(d.state), e.Name()))
		}
	}
	// One pass brings the rollups up to date, as the daemons' next pass would.
	c.run(t, dbURL, c.ingest, "migrate")
	ids := requestIDs(t, sdb)
	compareReports(t, c.reports(t, single, ids), c.reports(t, dbURL, ids))
}

// The server a daemon writes through dies (SIGKILL) in the middle of a
// load: the daemon's batch in flight fails, it reconnects to the next
// server of its URL, retries from what it had not stored, and the cluster
// ends with the single node's rows, none twice.
func TestClusterDaemonsServerDies(t *testing.T) {
	cl := newCluster(t)
	c := newCorpus(t, corpusRequests)
	var files []string
	for _, f := range c.files {
		if !strings.HasSuffix(f, ".gz") {
			files = append(files, f)
		}
	}
	single := chtest.NewURL(t)
	c.run(t, single, c.ingest, "migrate")
	c.load(t, single, files)
	sdb := open(t, single)
	want := countRows(t, sdb, "`"+sdb.Name+"`.requests")

	dbURL := cl.newDB(t)
	c.run(t, dbURL, c.ingest, "migrate", "--cluster", clusterName)
	// The test reads through server 3, which stays up.
	probe := cl.node(t, 3)
	name := dbName(t, dbURL)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out strings.Builder
	state := t.TempDir()
	args := append([]string{"--follow", "--state-dir", state, "--metrics-addr", "", "--log-level", "warn",
		"--flush-rows", "500", "--retry-max", "1s"}, files...)
	cmd := c.command(ctx, dbURL, c.ingest, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	exited := false
	defer func() {
		if !exited {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			<-done
		}
	}()

	var got uint64
	for got < 2000 {
		time.Sleep(20 * time.Millisecond)
		got = countRows(t, probe, "`"+name+"`.requests")
	}
	cl.script(t, "kill", os.Getenv("RATESCOPE_TEST_CLUSTER_DIR"), "1")
	restarted := false
	t.Cleanup(func() {
		if !restarted { // a failure below must not leave the next tests a server short
			cl.script(t, "restart", os.Getenv("RATESCOPE_TEST_CLUSTER_DIR"), "1")
		}
	})
	t.Logf("server 1, the first of the daemon's URL, killed with %d of %d rows stored", got, want)
	// While server 1 is down, what the daemon stored can be seen only in
	// part: rows server 1 took for shard 1 (its own requests_local) just
	// before the kill reach server 2 by replication, which waits for
	// server 1 to come back. So wait for the daemon's checkpoints to reach
	// every file's end (it committed every line, so ClickHouse took them
	// all), and for shard 2, whose replicas all live, to hold all of its
	// rows; then start server 1 and count everything.
	wantShard2 := countRows(t, sdb, "`"+sdb.Name+"`.requests WHERE cityHash64(request_id) % 2 = 1")
	start := time.Now()
	var shard2 uint64
	var behind []string
	for shard2 < wantShard2 || len(behind) > 0 {
		select {
		case err := <-done:
			exited = true
			t.Fatalf("the daemon stopped: %v\n%s", err, out.String())
		case <-ctx.Done():
			t.Fatalf("with server 1 down, shard 2 holds %d of %d rows; checkpoints short of their file's end: %v\n%s", shard2, wantShard2, behind, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		shard2 = countRows(t, probe, "`"+name+"`.requests WHERE cityHash64(request_id) % 2 = 1")
		behind = uncommitted(t, state, files)
	}
	t.Logf("the daemon stored the rest through the other servers in %v", time.Since(start).Round(time.Millisecond))
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) > 0 && lines[0] != "" {
		t.Logf("the daemon logged %d warning(s), the first: %s", len(lines), lines[0])
	}
	restarted = true // one start only: a second would fight the first for the port
	cl.script(t, "restart", os.Getenv("RATESCOPE_TEST_CLUSTER_DIR"), "1")
	for n := 1; n <= 4; n++ {
		syncReplica(t, cl.node(t, n), name, "requests_local")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited = true
	if err := <-done; err != nil {
		t.Errorf("daemon: %v\n%s", err, out.String())
	}
	if n := countRows(t, probe, "`"+name+"`.requests"); n != want {
		t.Errorf("the cluster holds %d distinct rows, the single node %d", n, want)
	}
	c.run(t, dbURL, c.ingest, "migrate")
	ids := requestIDs(t, sdb)
	compareReports(t, c.reports(t, single, ids), c.reports(t, dbURL, ids))
}

// uncommitted lists the files whose checkpoint in the daemon's state
// directory is short of the file's end (or missing): lines the daemon has
// not yet seen stored.
func uncommitted(t *testing.T, stateDir string, files []string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(stateDir, checkpoint.FileName))
	if err != nil {
		if os.IsNotExist(err) {
			return files
		}
		t.Fatal(err)
	}
	var cp struct {
		Files []checkpoint.Entry `json:"files"`
	}
	if err := json.Unmarshal(b, &cp); err != nil {
		t.Fatalf("%s: %v", checkpoint.FileName, err)
	}
	at := map[string]int64{}
	for _, e := range cp.Files {
		at[e.Source] = e.Offset
		if e.Path != "" {
			at[e.Path] = e.Offset
		}
	}
	var behind []string
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if at[f] < fi.Size() {
			behind = append(behind, fmt.Sprintf("%s %d/%d", filepath.Base(f), at[f], fi.Size()))
		}
	}
	return behind
}
