package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadFull(t *testing.T) {
	c, err := Load("testdata/ratescope.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Partners) != 3 || c.Partners[1].Name != "globex" || strings.Join(c.Partners[1].IDs, ",") != "k-globex01,globex-prod" {
		t.Errorf("partners = %+v", c.Partners)
	}
	names := c.Names()
	for id, want := range map[string]string{"k-acme02": "acme", "kh-3f2a9c81d0e4": "acme", "globex-prod": "globex", "globex": "globex", "initech-app": "initech"} {
		if names[id] != want {
			t.Errorf("Names()[%q] = %q, want %q", id, names[id], want)
		}
	}
	if c.Plans == nil || len(c.Plans.Partners) != 1 || c.Plans.Partners[0].Name != "acme" || len(c.Plans.IPLimits) != 1 {
		t.Fatalf("plans = %+v", c.Plans)
	}
	if got := strings.Join(c.Plans.Partners[0].Keys, ","); got != "k-acme01,k-acme02,kh-3f2a9c81d0e4" {
		t.Errorf("acme's plan keys = %s", got)
	}
	if c.Routes.Match([]byte("/api/v1/bookings/BK-GXXHVT")) != "/api/v1/bookings/{ref}" {
		t.Error("route template not compiled")
	}
	if c.Mapping == nil || c.Fields["latency"].Unit != "s" || c.Fields["status"].Key != "code" {
		t.Errorf("fields = %+v", c.Fields)
	}
	if !c.QuotaStart.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("quota_start = %v", c.QuotaStart)
	}
}

// Every plans file the project ships is a valid configuration.
func TestPlansFilesAreConfigurations(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	more, _ := filepath.Glob("../../cmd/report/testdata/ratelimits/*.yaml")
	files = append(files, more...)
	for _, f := range files {
		if strings.HasSuffix(f, "bad.yaml") {
			continue
		}
		c, err := Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if c.Plans == nil {
			t.Errorf("%s: no plans read", f)
		}
	}
}

func TestCluster(t *testing.T) {
	c, err := Parse("c.yaml", []byte("cluster: ratescope\n"))
	if err != nil || c.Cluster != "ratescope" {
		t.Fatalf("cluster = %+v, %v", c, err)
	}
	c, err = Parse("c.yaml", []byte("partners: []\n"))
	if err != nil || c.Cluster != "" {
		t.Fatalf("no cluster: cluster = %q, %v", c.Cluster, err)
	}
}

func TestErrorsNameFileAndLine(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown top key", "partners: []\nbogus: 1\n", "c.yaml:2: unknown key \"bogus\""},
		{"unknown partner key", "partners:\n  - name: a\n    key: [x]\n", "c.yaml:3: partners: unknown key \"key\""},
		{"no name", "partners:\n  - keys: [x]\n", "c.yaml:2: partners: an entry needs a name"},
		{"id twice", "partners:\n  - {name: a, keys: [x]}\n  - {name: b, consumers: [x]}\n", "c.yaml:3: partner \"b\": id \"x\" already belongs to partner \"a\""},
		{"unknown plan", "plans:\n  p: [{name: q, quota: 5}]\npartners:\n  - name: a\n    plan: nope\n", "c.yaml:5: partner \"a\": unknown plan \"nope\""},
		{"bad route", "routes:\n  - /v1\n  - v2/x\n", "c.yaml:3: routes: route template \"v2/x\": must start with /"},
		{"bad field", "fields:\n  time: ts\n  stauts: code\n", "c.yaml:3: fields: unknown field \"stauts\""},
		{"bad unit", "fields:\n  latency: {key: d, unit: h}\n", "c.yaml:2: fields: field latency: unit \"h\""},
		{"syntax", "partners:\n  - {name: a\n", "c.yaml:"},
		{"bad quota start", "quota_start: soon\n", "c.yaml:1: quota_start"},
		{"bad cluster", "partners: []\ncluster: my-cluster\n", "c.yaml:2: cluster: want the name of a ClickHouse cluster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tc.yaml))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error = %v, want prefix %q", err, tc.want)
			}
		})
	}
}

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	env := func(v string) func(string) string { return func(string) string { return v } }
	if got := Locate("flag.yaml", env("env.yaml")); got != "flag.yaml" {
		t.Errorf("flag: %q", got)
	}
	if got := Locate("", env("env.yaml")); got != "env.yaml" {
		t.Errorf("env: %q", got)
	}
	t.Chdir(dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg"))
	t.Setenv("HOME", dir)
	if got := Locate("", env("")); got != "" {
		t.Errorf("nothing to find: %q", got)
	}
	xdg := filepath.Join(dir, "xdg", "ratescope", FileName)
	if err := os.MkdirAll(filepath.Dir(xdg), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(xdg, []byte("routes: [/a/{b}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Locate("", env("")); got != xdg {
		t.Errorf("xdg: %q", got)
	}
	if err := os.WriteFile(FileName, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Locate("", env("")); got != FileName {
		t.Errorf("working directory first: %q", got)
	}
	if _, err := Find("missing.yaml", env("")); err == nil || !strings.Contains(err.Error(), "missing.yaml does not exist") {
		t.Errorf("missing explicit file: %v", err)
	}
	if c, err := Find("", env("")); err != nil || c == nil {
		t.Errorf("empty file: %v", err)
	}
}

func TestLoadCapped(t *testing.T) {
	if _, err := Load("/dev/zero"); err == nil || !strings.Contains(err.Error(), "configuration file /dev/zero is larger than 8 MiB") {
		t.Errorf("endless file: %v", err)
	}
}
