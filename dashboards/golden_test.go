//lint:file-ignore SA1019 classic dashboard JSON is what Grafana's file provisioning and import read (dashboardv2 is for the v2 API)

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// dir is where the committed dashboards live.
var dir = filepath.Join("..", "deploy", "grafana", "dashboards")

// TestGolden: the committed JSON is what the generator writes now.
func TestGolden(t *testing.T) {
	for _, f := range files {
		want, err := render(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatalf("%v: run make dashboards", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run make dashboards (and commit the result)", f.Name)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.ContainsFunc(files, func(f file) bool { return f.Name == e.Name() }) {
			t.Errorf("%s is not a generated dashboard: remove it or run make dashboards", e.Name())
		}
	}
}

// TestReproducible: two renders give the same bytes.
func TestReproducible(t *testing.T) {
	for _, f := range files {
		a, err := render(f)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := render(f)
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two renders", f.Name)
		}
	}
}

// TestRoundTrip: each committed dashboard reads back through the SDK's
// runtime, its ClickHouse targets as CHQuery, and writes the same JSON
// again: nothing is lost on the way.
func TestRoundTrip(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	cog.NewRuntime().RegisterDataqueryVariant(CHQueryVariantConfig())
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		var back dashboard.Dashboard
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		again, err := encode(back)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, raw) {
			t.Errorf("%s: written again after reading, it differs: %s", f.Name, firstDiff(raw, again))
		}
		n := 0
		for _, p := range back.Panels {
			for _, q := range p.Panel.Targets {
				if q.DataqueryType() == ClickHouseType {
					if _, ok := q.(CHQuery); !ok {
						t.Errorf("%s: a ClickHouse target reads back as %T", f.Name, q)
					}
					n++
				}
			}
		}
		if f.Name != "ratescope-ingester.json" && n == 0 {
			t.Errorf("%s: no ClickHouse target read back", f.Name)
		}
	}
}

// TestPanels: every panel has a title, a description, a unit where it
// shows numbers over time, an explicit legend and tooltip, and targets
// that name the dashboard's datasource variable; uids are stable.
func TestPanels(t *testing.T) {
	uids := map[string]bool{}
	for _, f := range files {
		d, err := f.Build().Build()
		if err != nil {
			t.Fatal(err)
		}
		if d.Uid == nil || !strings.HasPrefix(*d.Uid, "ratescope-") || uids[*d.Uid] {
			t.Errorf("%s: uid %v is not a unique ratescope- uid", f.Name, d.Uid)
		} else {
			uids[*d.Uid] = true
		}
		if strings.TrimSuffix(f.Name, ".json") != *d.Uid {
			t.Errorf("%s holds dashboard %s: name the file after the uid", f.Name, *d.Uid)
		}
		ids := map[uint32]bool{}
		for _, pr := range d.Panels {
			p := pr.Panel
			if p == nil {
				continue
			}
			if p.Id == nil || ids[*p.Id] {
				t.Errorf("%s: panel id %v missing or twice", f.Name, p.Id)
			}
			ids[*p.Id] = true
			if p.Title == nil || *p.Title == "" || p.Description == nil || *p.Description == "" {
				t.Errorf("%s: panel %v lacks a title or description", f.Name, *p.Id)
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no target", f.Name, *p.Title)
			}
			opts, _ := json.Marshal(p.Options)
			if p.Type == "timeseries" {
				if p.FieldConfig == nil || p.FieldConfig.Defaults.Unit == nil || *p.FieldConfig.Defaults.Unit == "" {
					t.Errorf("%s: time series %q has no unit", f.Name, *p.Title)
				}
				if !strings.Contains(string(opts), `"showLegend":true`) || !strings.Contains(string(opts), `"tooltip":{"mode":"multi"`) {
					t.Errorf("%s: time series %q: legend or tooltip not set: %s", f.Name, *p.Title, opts)
				}
			}
			for _, q := range p.Targets {
				b, _ := json.Marshal(q)
				if !strings.Contains(string(b), `"uid":"${datasource}"`) && !strings.Contains(string(b), `"uid":"${prometheus}"`) {
					t.Errorf("%s: panel %q: a target does not use the datasource variable: %s", f.Name, *p.Title, b)
				}
			}
		}
	}
}

func TestCHQueryValidate(t *testing.T) {
	good := func() CHQuery {
		q, _ := NewCHQuery("x", "SELECT 1", FormatTable).Build()
		return q.(CHQuery)
	}
	for name, mutate := range map[string]func(*CHQuery){
		"old plugin":  func(q *CHQuery) { q.PluginVersion = "3.3.0" },
		"no version":  func(q *CHQuery) { q.PluginVersion = "" },
		"builder":     func(q *CHQuery) { q.EditorType = "builder" },
		"mixed":       func(q *CHQuery) { q.Format = FormatTimeSeries },
		"no sql":      func(q *CHQuery) { q.RawSql = " " },
		"no ref":      func(q *CHQuery) { q.RefId = "" },
		"other ds":    func(q *CHQuery) { q.Datasource.Type = ptr("prometheus") },
		"unknown fmt": func(q *CHQuery) { q.Format = 7 },
	} {
		q := good()
		mutate(&q)
		if q.Validate() == nil {
			t.Errorf("%s: Validate accepted %+v", name, q)
		}
	}
	a, b := good(), good()
	if err := a.Validate(); err != nil || !a.Equals(b) {
		t.Fatalf("a good query: %v, equal to itself: %v", err, a.Equals(b))
	}
	b.RawSql = "SELECT 2"
	if a.Equals(b) {
		t.Error("queries with other SQL are equal")
	}
}

// firstDiff shows where two texts first differ.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return "…" + string(a[lo:min(len(a), i+100)]) + "\n  vs …" + string(b[lo:min(len(b), i+100)])
}
