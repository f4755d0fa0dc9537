package chmacro

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DatasourceType is the type of the Grafana ClickHouse plugin's data
// source, as a dashboard's targets and variables name it.
const DatasourceType = "grafana-clickhouse-datasource"

// Target is one ClickHouse query of a dashboard: a panel's target or a
// query variable's query (Type "variable", Panel "variable NAME").
type Target struct {
	Dashboard, Panel, Type string
	// Format is the target's format (0: time series, 1: table).
	Format int
	// SQL is the rawSql, macros and variables unexpanded.
	SQL string
	// Field is a stat panel's field (reduceOptions.fields "/^f$/").
	Field string
}

// ReadTargets reads every ClickHouse panel target and query variable of
// the dashboard JSON files (classic dashboard model) in dir, file by file
// in name order, panels before variables.
func ReadTargets(dir string) ([]Target, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list dashboards in %s: %w", dir, err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no dashboards in %s", dir)
	}
	var out []Target
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read dashboard: %w", err)
		}
		var d struct {
			Title  string
			Panels []struct {
				Title   string
				Type    string
				Options struct {
					ReduceOptions struct{ Fields string }
				}
				Targets []struct {
					Datasource struct{ Type string }
					Format     int
					RawSql     string
				}
			}
			Templating struct {
				List []struct {
					Name       string
					Type       string
					Query      any
					Datasource struct{ Type string }
				}
			}
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, fmt.Errorf("decode dashboard %s: %w", p, err)
		}
		for _, pn := range d.Panels {
			for _, tg := range pn.Targets {
				if tg.Datasource.Type != DatasourceType {
					continue
				}
				field := strings.TrimSuffix(strings.TrimPrefix(pn.Options.ReduceOptions.Fields, "/^"), "$/")
				out = append(out, Target{Dashboard: d.Title, Panel: pn.Title, Type: pn.Type, Format: tg.Format, SQL: tg.RawSql, Field: field})
			}
		}
		for _, v := range d.Templating.List {
			if q, ok := v.Query.(string); ok && v.Type == "query" && v.Datasource.Type == DatasourceType {
				out = append(out, Target{Dashboard: d.Title, Panel: "variable " + v.Name, Type: "variable", Format: 1, SQL: q})
			}
		}
	}
	return out, nil
}
