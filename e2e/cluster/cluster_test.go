//go:build cluster

// Package cluster runs ratescope against a real ClickHouse cluster on
// loopback (scripts/clickhouse-cluster.sh: ZooKeeper and four 18.16
// servers, 2 shards x 2 replicas) beside the single node the other tests
// use, and checks that a cluster gives the numbers a single node gives.
//
// `make test-cluster` starts the cluster, runs these tests with
// -tags cluster and stops it. They read:
//
//	RATESCOPE_TEST_CLICKHOUSE        the single node (as every test)
//	RATESCOPE_TEST_CLUSTER           clickhouse://host:port,…/ of the cluster's servers
//	RATESCOPE_TEST_CLUSTER_DIR       the cluster's directory (its env file, to kill a server)
//
// Without them the tests skip, unless CI=true: CI must run them.
package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/clitest"
	"github.com/ratescope/ratescope/internal/loggen"
)

const clusterName = "ratescope"

// testCluster is the cluster under test.
type testCluster struct {
	base  string   // clickhouse://h:p,…/ without a database
	dir   string   // scripts/clickhouse-cluster.sh's directory
	ports []string // native ports of servers 1..4: shard 1 = 1, 2; shard 2 = 3, 4
}

func newCluster(t *testing.T) *testCluster {
	t.Helper()
	base, dir := os.Getenv("RATESCOPE_TEST_CLUSTER"), os.Getenv("RATESCOPE_TEST_CLUSTER_DIR")
	if base == "" || dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("RATESCOPE_TEST_CLUSTER and RATESCOPE_TEST_CLUSTER_DIR are not set: CI runs the cluster tests with `make test-cluster`")
		}
		t.Skip("no cluster: run `make test-cluster` (it starts one on loopback)")
	}
	c := &testCluster{base: base, dir: dir}
	env, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(env)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			vals[k] = v
		}
	}
	for n := 1; n <= 4; n++ {
		p := vals["CLUSTER_PORT_"+strconv.Itoa(n)]
		if p == "" {
			t.Fatalf("%s/env lacks CLUSTER_PORT_%d", dir, n)
		}
		c.ports = append(c.ports, p)
	}
	return c
}

// newDB returns the URL of a fresh database on the cluster (created by
// ingest migrate --cluster), dropped ON CLUSTER when the test ends.
func (c *testCluster) newDB(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("rs_cluster_%d", time.Now().UnixNano())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		db := c.node(t, 1)
		if err := db.Conn.Exec(ctx, "DROP DATABASE IF EXISTS `"+name+"` ON CLUSTER "+clusterName); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
	})
	return c.base + name
}

// node opens server n (1..4) alone, on database default.
func (c *testCluster) node(t *testing.T, n int) *chstore.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := chstore.Open(ctx, "clickhouse://127.0.0.1:"+c.ports[n-1]+"/default")
	if err != nil {
		t.Fatalf("open server %d: %v", n, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// script runs scripts/clickhouse-cluster.sh with args.
func (c *testCluster) script(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(chtest.RepoRoot(t), "scripts", "clickhouse-cluster.sh"), args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("clickhouse-cluster.sh %v: %v\n%s", args, err, out)
	}
}

// corpus is a generated sample and the binaries that load and report it.
type corpus struct {
	dir    string
	files  []string
	start  time.Time
	end    time.Time
	ingest string
	report string
	env    []string
}

func newCorpus(t *testing.T, requests int) *corpus {
	t.Helper()
	c := &corpus{dir: t.TempDir()}
	m, err := loggen.Generate(context.Background(), c.dir, loggen.Config{Seed: 13, End: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC), Requests: requests})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		c.files = append(c.files, filepath.Join(c.dir, f.Name))
	}
	c.start, c.end = m.Start, m.End
	c.ingest, c.report = clitest.Build(t, "ingest"), clitest.Build(t, "report")
	c.env = append(os.Environ(), "RATESCOPE_HASH_KEY=cluster", "RATESCOPE_CONFIG="+filepath.Join(c.dir, "ratescope.yaml"))
	return c
}

// command returns bin with args against the database at dbURL.
func (c *corpus) command(ctx context.Context, dbURL, bin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, append([]string{"--clickhouse", dbURL}, args...)...)
	cmd.Env = c.env
	return cmd
}

// run runs bin and returns its output, failing the test on a non-zero exit.
func (c *corpus) run(t *testing.T, dbURL, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stderr strings.Builder
	cmd := c.command(ctx, dbURL, bin, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(bin), args, err, stderr.String())
	}
	return string(out)
}

// load runs one ingest per group of files, all at once, and returns how
// long the slowest took.
func (c *corpus) load(t *testing.T, dbURL string, groups ...[]string) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	errs := make(chan error, len(groups))
	for _, g := range groups {
		var out strings.Builder
		cmd := c.command(ctx, dbURL, c.ingest, g...)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			if err := cmd.Wait(); err != nil {
				errs <- fmt.Errorf("ingest %v: %w\n%s", g, err, out.String())
				return
			}
			errs <- nil
		}()
	}
	for range groups {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	return time.Since(start)
}

// reports runs every report over the corpus's window and returns each
// one's output by its arguments.
func (c *corpus) reports(t *testing.T, dbURL string, requestIDs []string) map[string]string {
	t.Helper()
	window := []string{"--from", c.start.Add(-time.Hour).Format(time.RFC3339), "--to", c.end.Add(time.Hour).Format(time.RFC3339), "--output", "json"}
	out := map[string]string{}
	for _, args := range [][]string{
		{"summary"},
		{"errors", "--by", "code"},
		{"errors", "--by", "code,status"},
		{"errors", "--by", "route"},
		{"errors", "--by", "partner"},
		{"errors", "--by", "partner,route"},
		{"errors", "--by", "status,partner,code"},
		{"retry-storms"},
		{"retry-storms", "--min-retries", "2"},
		{"rate-limits"},
		{"rejected", "--limit", "0"},
	} {
		out[strings.Join(args, " ")] = c.run(t, dbURL, c.report, append(args, window...)...)
	}
	for _, id := range requestIDs {
		out["request "+id] = withoutProvenance(t, c.run(t, dbURL, c.report, "request", id, "--output", "json"))
	}
	return out
}

// withoutProvenance drops the file and offset from a `report request`
// JSON object. The corpus logs some lines identically in two files (an
// overlapping copy): ReplacingMergeTree folds the copies into whichever it
// merges last, and before the merge the lookup shows the first by file
// name, so which file a folded request names depends on merge timing on
// any server — a single node's as well. Everything else must match.
func withoutProvenance(t *testing.T, out string) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("report request output is not a JSON object: %v\n%s", err, clip(out))
	}
	for _, part := range []string{"request", "error_body"} {
		if m, ok := v[part].(map[string]any); ok {
			delete(m, "source")
			delete(m, "offset")
		}
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// compareReports fails for every report whose output differs.
func compareReports(t *testing.T, single, cluster map[string]string) {
	t.Helper()
	for k, want := range single {
		got := cluster[k]
		if got != want {
			t.Errorf("report %s differs on the cluster:\n--- single node\n%s\n--- cluster\n%s", k, clip(want), clip(got))
		}
	}
	t.Logf("%d reports identical on the single node and the cluster", len(single))
}

func clip(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// queryStrings runs q (one String column) on db.
func queryStrings(t *testing.T, db *chstore.DB, q string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := db.Conn.Query(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// open connects to the database at dbURL.
func open(t *testing.T, dbURL string) *chstore.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := chstore.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// keptTables are what the analysis passes keep, read as text rows
// without the columns that say when a pass ran: the same logs must keep
// the same rollups and findings.
var keptTables = map[string]string{
	"requests_1h":    "SELECT concat(toString(hour), '|', partner, '|', route, '|', method, '|', toString(status), '|', code, '|', error_type, '|', toString(requests), '|', toString(finalizeAggregation(latency))) AS r FROM %s.requests_1h ORDER BY r",
	"storm_findings": "SELECT concat(toString(start_ms), '|', toString(end_ms), '|', partner, '|', client_ip, '|', method, '|', route, '|', idempotency_key, '|', toString(attempts), '|', toString(retries), '|', toString(median_gap_ms), '|', arrayStringConcat(violations, ','), '|', first_request_id) AS r FROM %s.storm_findings FINAL ORDER BY r",
	// Each minute as its latest pass wrote it, as the readers take it.
	"limit_minutes":  "SELECT concat(toString(minute), '|', subject, '|', partner, '|', ip, '|', limit_name, '|', kind, '|', measure, '|', toString(utilization), '|', toString(throttled), '|', state, '|', toString(peak), '|', toString(window_from), '|', toString(window_to)) AS r FROM %[1]s.limit_minutes FINAL WHERE (minute, computed_ms) IN (SELECT minute, max(computed_ms) FROM %[1]s.limit_minutes GROUP BY minute) ORDER BY r",
	"limit_findings": "SELECT concat(toString(window_from), '|', toString(window_to), '|', partner, '|', limit_name, '|', kind, '|', measure, '|', toString(utilization), '|', toString(throttled), '|', state, '|', toString(peak)) AS r FROM %s.limit_findings FINAL ORDER BY r",
}

// requestIDs picks request ids worth looking up on the single node: some
// with a separately logged error body, some starting a storm, some plain.
func requestIDs(t *testing.T, db *chstore.DB) []string {
	t.Helper()
	var ids []string
	ids = append(ids, queryStrings(t, db, "SELECT request_id FROM `"+db.Name+"`.requests WHERE kind = 2 GROUP BY request_id ORDER BY request_id LIMIT 3")...)
	ids = append(ids, queryStrings(t, db, "SELECT first_request_id FROM `"+db.Name+"`.storm_findings GROUP BY first_request_id ORDER BY first_request_id LIMIT 3")...)
	ids = append(ids, queryStrings(t, db, "SELECT request_id FROM `"+db.Name+"`.requests WHERE kind = 1 AND status < 400 GROUP BY request_id ORDER BY request_id LIMIT 2")...)
	return ids
}

func dbName(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Trim(u.Path, "/")
}
