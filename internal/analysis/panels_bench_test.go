package analysis_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chmacro"
	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chtest"
)

// BenchmarkPanels times every ClickHouse query of the committed Grafana
// dashboards (deploy/grafana/dashboards), expanded as the plugin expands
// them with every variable at All, over RATESCOPE_BENCH_REQUESTS requests
// (default 300,000) spread over RATESCOPE_BENCH_DAYS days (default 30)
// with the rollups and findings an analysis pass keeps: over the whole
// span at Grafana's interval for it (1 h), and over its last 24 hours
// (2 min). The scale is RATESCOPE_BENCH_REQUESTS=10000000.
func BenchmarkPanels(b *testing.B) {
	l := loadBench(b)
	ctx := context.Background()
	db, n, days, start, end := l.db, l.n, l.days, l.start, l.end

	type panel struct{ name, sql string }
	var panels []panel
	targets, err := chmacro.ReadTargets(filepath.Join(chtest.RepoRoot(b), "deploy", "grafana", "dashboards"))
	if err != nil {
		b.Fatalf("%v (run make dashboards)", err)
	}
	seen := map[string]bool{}
	for _, tg := range targets {
		if seen[tg.SQL] {
			continue
		}
		seen[tg.SQL] = true // stats sharing one query run it once
		clean := strings.NewReplacer(" ", "_", "/", "", "×", "x").Replace
		name := clean(strings.TrimPrefix(tg.Dashboard, "ratescope · ")) + "/" + clean(tg.Panel)
		panels = append(panels, panel{name, tg.SQL})
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
