//go:build cluster

package cluster

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chmacro"
	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
)

// dashboardEngineSpecific names the panels compared by shape only (columns
// and row count): the t-digest latency quantiles, as internal/chconform
// compares them across engines — merged in another order on a cluster, a
// t-digest may give other quantiles.
var dashboardEngineSpecific = map[string]bool{"Latency p50 / p95 / p99 by route": true}

// The committed dashboards (one JSON for a single node and a cluster) run
// unchanged on the cluster and show what they show on a single node: every
// ClickHouse panel target and query variable, expanded as Grafana and the
// ClickHouse plugin expand them (chmacro), over the same corpus loaded by
// one ingester on each side (so the findings and limit minutes its passes
// keep are the same), with the partner variable set to All and to one
// partner, gives the same rows on two servers of the cluster (one per
// shard) as on the single node, and every panel gives rows on the single
// node in some setting.
func TestClusterDashboards(t *testing.T) {
	cl := newCluster(t)
	c := newCorpus(t, corpusRequests)
	ctx := context.Background()

	single := chtest.NewURL(t)
	c.run(t, single, c.ingest, "migrate")
	c.load(t, single, c.files)
	dbURL := cl.newDB(t)
	c.run(t, dbURL, c.ingest, "migrate", "--cluster", clusterName)
	c.load(t, dbURL, c.files)

	sdb, cdb := open(t, single), open(t, dbURL)
	if cdb.Cluster != clusterName {
		t.Fatalf("cluster %q found, want %s", cdb.Cluster, clusterName)
	}
	nodes := []*chstore.DB{cl.node(t, 1), cl.node(t, 3)} // one server of each shard
	for n := 1; n <= 4; n++ {
		node := cl.node(t, n)
		for _, table := range replicatedTables {
			syncReplica(t, node, cdb.Name, table)
		}
	}

	targets, err := chmacro.ReadTargets(filepath.Join(chtest.RepoRoot(t), "deploy", "grafana", "dashboards"))
	if err != nil {
		t.Fatalf("%v (run make dashboards)", err)
	}
	db := "`" + sdb.Name + "`"
	partners := queryStrings(t, sdb, "SELECT name FROM (SELECT arrayJoin(names) AS name FROM "+db+".partner_map WHERE version = (SELECT max(version) FROM "+db+".partner_map)) GROUP BY name ORDER BY name")
	routes := queryStrings(t, sdb, "SELECT route FROM "+db+".requests_1h GROUP BY route ORDER BY route")
	codes := queryStrings(t, sdb, "SELECT err_code FROM "+db+".requests WHERE err_code != '' GROUP BY err_code ORDER BY count() DESC, err_code LIMIT 1")
	if len(partners) == 0 || len(routes) == 0 || len(codes) == 0 {
		t.Fatalf("the corpus gave partners %v, routes %v, codes %v", partners, routes, codes)
	}
	one := partners[0]

	full := [2]time.Time{c.start.Add(-time.Hour).Truncate(time.Hour), c.end.Add(time.Hour).Truncate(time.Hour)}
	late := [2]time.Time{c.start.Add(c.end.Sub(c.start) / 2).Truncate(time.Second), c.end}
	type setting struct {
		name    string
		window  [2]time.Time
		partner chmacro.Var
	}
	all := chmacro.Var{All: true, Options: partners}
	settings := []setting{
		{"full/all", full, all},
		{"late/all", late, all},
		{"full/" + one, full, chmacro.Var{Values: []string{one}, Options: partners}},
	}
	withRows := map[string]bool{}
	ran, compared := 0, 0
	for _, s := range settings {
		env := func(database string) chmacro.Env {
			return chmacro.Env{From: s.window[0], To: s.window[1], Interval: time.Minute, Vars: map[string]chmacro.Var{
				"database":         {Values: []string{database}},
				chquery.PartnerVar: s.partner,
				chquery.RouteVar:   {All: true, Options: routes},
				chquery.CodeVar:    {Values: codes},
			}}
		}
		for _, tg := range targets {
			name := fmt.Sprintf("%s / %s [%s]", tg.Dashboard, tg.Panel, s.name)
			sql, err := chmacro.Expand(tg.SQL, env(sdb.Name))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want, err := panelRows(ctx, sdb, sql)
			if err != nil {
				t.Errorf("%s: single node: %v\n%s", name, err, sql)
				continue
			}
			if len(want.rows) > 0 {
				withRows[tg.Dashboard+" / "+tg.Panel] = true
			}
			csql, err := chmacro.Expand(tg.SQL, env(cdb.Name))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for i, node := range nodes {
				ran++
				got, err := panelRows(ctx, node, csql)
				if err != nil {
					t.Errorf("%s: cluster server %d: %v\n%s", name, 2*i+1, err, csql)
					continue
				}
				if !slices.Equal(got.names, want.names) || len(got.rows) != len(want.rows) {
					t.Errorf("%s: the single node gives columns %v and %d rows, cluster server %d %v and %d\n%s", name, want.names, len(want.rows), 2*i+1, got.names, len(got.rows), csql)
					continue
				}
				if dashboardEngineSpecific[tg.Panel] {
					continue
				}
				if !ordered(sql) {
					slices.Sort(want.rows)
					slices.Sort(got.rows)
				}
				if d := rowsDiff(want.rows, got.rows); d != "" {
					t.Errorf("%s: cluster server %d differs from the single node: %s\n%s", name, 2*i+1, d, csql)
					continue
				}
				compared++
			}
		}
	}
	for _, tg := range targets {
		if !withRows[tg.Dashboard+" / "+tg.Panel] {
			t.Errorf("%s / %s returned no rows on the single node in any setting: the corpus should give it some", tg.Dashboard, tg.Panel)
		}
	}
	t.Logf("%d ClickHouse queries of the committed dashboards in %d settings: %d runs on 2 cluster servers, %d identical to the single node's rows (the rest: %v, by shape)",
		len(targets), len(settings), ran, compared, slices.Collect(func(yield func(string) bool) {
			for k := range dashboardEngineSpecific {
				if !yield(k) {
					return
				}
			}
		}))
}

// panelResult is a query's column names and rows (one string per row).
type panelResult struct {
	names []string
	rows  []string
}

// panelRows runs sql on db and returns its rows as text: floats to 12
// significant digits (a sum of the same values added in another order on
// a cluster may differ in its last bits), times as Unix seconds.
func panelRows(ctx context.Context, db *chstore.DB, sql string) (panelResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	rows, err := db.Conn.Query(ctx, sql)
	if err != nil {
		return panelResult{}, err
	}
	defer rows.Close()
	res := panelResult{names: rows.Columns()}
	types := rows.ColumnTypes()
	for rows.Next() {
		dest := make([]any, len(types))
		for i, ct := range types {
			dest[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			return panelResult{}, fmt.Errorf("scan: %w", err)
		}
		cells := make([]string, len(dest))
		for i, d := range dest {
			cells[i] = cellText(reflect.ValueOf(d).Elem().Interface())
		}
		res.rows = append(res.rows, strings.Join(cells, " | "))
	}
	return res, rows.Err()
}

// cellText is a value's text (see panelRows).
func cellText(v any) string {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x)
		}
		return strconv.FormatFloat(x, 'g', 12, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', 6, 32)
	case time.Time:
		return strconv.FormatInt(x.Unix(), 10)
	case *float64:
		if x == nil {
			return "null"
		}
		return cellText(*x)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "null"
		}
		return cellText(rv.Elem().Interface())
	}
	if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() != reflect.Uint8 {
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = cellText(rv.Index(i).Interface())
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return fmt.Sprint(v)
}

// ordered reports whether the statement's outermost query sorts its
// result: an ORDER BY after the last closing parenthesis.
func ordered(sql string) bool {
	return strings.Contains(sql[strings.LastIndexByte(sql, ')')+1:], "ORDER BY")
}

// rowsDiff describes the first difference between two row lists, ""
// when they are equal.
func rowsDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("row %d: %s vs %s", i+1, a[i], b[i])
		}
	}
	if len(a) != len(b) {
		return fmt.Sprintf("%d vs %d rows", len(a), len(b))
	}
	return ""
}
