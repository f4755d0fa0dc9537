package chmacro

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestReadTargets(t *testing.T) {
	dir := t.TempDir()
	const dash = `{"title": "D", "panels": [
	  {"title": "S", "type": "stat", "options": {"reduceOptions": {"fields": "/^requests$/"}},
	   "targets": [{"datasource": {"type": "grafana-clickhouse-datasource"}, "format": 1, "rawSql": "SELECT 1 AS requests"}]},
	  {"title": "P", "type": "timeseries",
	   "targets": [{"datasource": {"type": "prometheus"}, "expr": "up"}]}],
	 "templating": {"list": [
	  {"name": "partner", "type": "query", "query": "SELECT name", "datasource": {"type": "grafana-clickhouse-datasource"}},
	  {"name": "ds", "type": "datasource", "query": "grafana-clickhouse-datasource"},
	  {"name": "job", "type": "query", "query": {"query": "label_values(job)"}, "datasource": {"type": "prometheus"}}]}}`
	if err := os.WriteFile(filepath.Join(dir, "d.json"), []byte(dash), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadTargets(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{
		{Dashboard: "D", Panel: "S", Type: "stat", Format: 1, SQL: "SELECT 1 AS requests", Field: "requests"},
		{Dashboard: "D", Panel: "variable partner", Type: "variable", Format: 1, SQL: "SELECT name"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}

	for _, tt := range []struct{ name, dir, file string }{
		{"no dashboards", t.TempDir(), ""},
		{"not JSON", t.TempDir(), "{"},
	} {
		if tt.file != "" {
			if err := os.WriteFile(filepath.Join(tt.dir, "x.json"), []byte(tt.file), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := ReadTargets(tt.dir); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}
