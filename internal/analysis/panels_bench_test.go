package analysis_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/analysis"
	"github.com/ratescope/ratescope/internal/chmacro"
	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/ratelimit"
)

// BenchmarkPanels times every ClickHouse query of the committed Grafana
// dashboards (deploy/grafana/dashboards), expanded as the plugin expands
// them with every variable at All, over RATESCOPE_BENCH_REQUESTS requests
// (default 300,000) spread over RATESCOPE_BENCH_DAYS days (default 30)
// with the rollups and findings an analysis pass keeps: over the whole
// span at Grafana's interval for it (1 h), and over its last 24 hours
// (2 min). The scale is RATESCOPE_BENCH_REQUESTS=10000000.
func BenchmarkPanels(b *testing.B) {
	n := envInt(b, "RATESCOPE_BENCH_REQUESTS", 300_000)
	days := envInt(b, "RATESCOPE_BENCH_DAYS", 30)
	ctx := context.Background()
	db := chtest.Open(b)
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	end := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	start := end.AddDate(0, 0, -days)
	t0 := time.Now()
	loadSpread(b, db, n, start, end)
	if err := db.Conn.Exec(ctx, "OPTIMIZE TABLE "+db.Table("requests")+" FINAL"); err != nil {
		b.Fatal(err)
	}
	pf := benchPlans
	for p := range 50 {
		pf += "  - {name: partner-" + strconv.Itoa(p) + ", plan: std}\n"
	}
	plans, err := ratelimit.ParsePlans("bench.yaml", []byte(pf))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := analysis.Pass(ctx, db, analysis.Options{Plans: plans}); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d requests over %d days with their rollups and findings in %s", n, days, time.Since(t0).Round(time.Millisecond))

	type panel struct{ name, sql string }
	var panels []panel
	paths, err := filepath.Glob(filepath.Join(chtest.RepoRoot(b), "deploy", "grafana", "dashboards", "*.json"))
	if err != nil || len(paths) == 0 {
		b.Fatalf("no dashboards (run make dashboards): %v", err)
	}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		var d struct {
			UID    string
			Panels []struct {
				Title   string
				Targets []struct {
					Datasource struct{ Type string }
					RawSql     string
				}
			}
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			b.Fatal(err)
		}
		seen := map[string]bool{}
		for _, pn := range d.Panels {
			for _, tg := range pn.Targets {
				if tg.Datasource.Type != "grafana-clickhouse-datasource" || seen[tg.RawSql] {
					continue
				}
				seen[tg.RawSql] = true // stats sharing one query run it once
				name := strings.TrimPrefix(d.UID, "ratescope-") + "/" + strings.NewReplacer(" ", "_", "/", "", "×", "x").Replace(pn.Title)
				panels = append(panels, panel{name, tg.RawSql})
			}
		}
	}
	windows := []struct {
		name     string
		from, to time.Time
		interval time.Duration
	}{
		{strconv.Itoa(days) + "d", start, end, time.Hour},
		{"24h", end.Add(-24 * time.Hour), end, 2 * time.Minute},
	}
	vars := map[string]chmacro.Var{
		"database":         {Values: []string{db.Name}},
		chquery.PartnerVar: {All: true},
		chquery.RouteVar:   {All: true},
		chquery.CodeVar:    {Values: []string{"E500"}},
	}
	for _, w := range windows {
		for _, p := range panels {
			sql, err := chmacro.Expand(p.sql, chmacro.Env{From: w.from, To: w.to, Interval: w.interval, Vars: vars})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(p.name+"/"+w.name+"/requests="+strconv.Itoa(n), func(b *testing.B) {
				rows := 0
				for b.Loop() {
					r, err := db.Conn.Query(ctx, sql)
					if err != nil {
						b.Fatalf("%v\n%s", err, sql)
					}
					rows = 0
					for r.Next() {
						rows++
					}
					if err := r.Err(); err != nil {
						b.Fatal(err)
					}
					r.Close()
				}
				b.ReportMetric(float64(rows), "rows")
			})
		}
	}
}
