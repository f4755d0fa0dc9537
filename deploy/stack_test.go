package deploy

import (
	"encoding/json"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ratescope/ratescope/internal/chmacro"
	"github.com/ratescope/ratescope/internal/loggen"
)

// The compose stack's parts agree with each other: the provisioned
// datasources are the ones the dashboards default to, the dashboards'
// folder is mounted where the provider looks, Prometheus scrapes the
// port the ingester serves and loads the rules file compose mounts, the
// ClickHouse plugin is pinned at the version the dashboards' targets
// name, and the sample generator writes where the ingester reads.

type provisionedDatasources struct {
	APIVersion  int `yaml:"apiVersion"`
	Datasources []struct {
		Name      string         `yaml:"name"`
		UID       string         `yaml:"uid"`
		Type      string         `yaml:"type"`
		IsDefault bool           `yaml:"isDefault"`
		Access    string         `yaml:"access"`
		URL       string         `yaml:"url"`
		JSONData  map[string]any `yaml:"jsonData"`
		Editable  bool           `yaml:"editable"`
	} `yaml:"datasources"`
}

type provisionedDashboards struct {
	APIVersion int `yaml:"apiVersion"`
	Providers  []struct {
		Name                  string            `yaml:"name"`
		Folder                string            `yaml:"folder"`
		Type                  string            `yaml:"type"`
		DisableDeletion       bool              `yaml:"disableDeletion"`
		AllowUIUpdates        bool              `yaml:"allowUiUpdates"`
		UpdateIntervalSeconds int               `yaml:"updateIntervalSeconds"`
		Options               map[string]string `yaml:"options"`
	} `yaml:"providers"`
}

// dashboardJSON is what the test reads of a generated dashboard.
type dashboardJSON struct {
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name    string `json:"name"`
			Type    string `json:"type"`
			Query   any    `json:"query"`
			Current struct {
				Value any `json:"value"`
			} `json:"current"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		Targets []struct {
			Datasource struct {
				Type string `json:"type"`
				UID  string `json:"uid"`
			} `json:"datasource"`
			PluginVersion string `json:"pluginVersion"`
		} `json:"targets"`
	} `json:"panels"`
}

// mountsOf maps a service's mount targets to their sources.
func mountsOf(s composeService) map[string]string {
	m := map[string]string{}
	for _, v := range s.Volumes {
		src := v
		if strings.HasPrefix(v, "${") {
			src = v[:strings.IndexByte(v, '}')+1]
		} else if i := strings.IndexByte(v, ':'); i >= 0 {
			src = v[:i]
		}
		target, _, _ := strings.Cut(strings.TrimPrefix(v[len(src):], ":"), ":")
		m[target] = src
	}
	return m
}

func TestStackAgrees(t *testing.T) {
	var c composeFile
	readYAML(t, filepath.Join("..", "docker-compose.yml"), &c)
	var ds provisionedDatasources
	readYAML(t, filepath.Join("grafana", "provisioning", "datasources", "ratescope.yaml"), &ds)
	var dp provisionedDashboards
	readYAML(t, filepath.Join("grafana", "provisioning", "dashboards", "ratescope.yaml"), &dp)

	g := c.Services["grafana"]
	if !regexp.MustCompile(`^grafana/grafana:12\.\d+\.\d+$`).MatchString(g.Image) {
		t.Errorf("grafana image %q: want a pinned 12.x", g.Image)
	}
	// The plugin, pinned, at the version the dashboards' targets name.
	pre := g.Environment["GF_PLUGINS_PREINSTALL_SYNC"]
	if pre != "grafana-clickhouse-datasource@"+chmacro.PluginVersion {
		t.Errorf("GF_PLUGINS_PREINSTALL_SYNC %q: want grafana-clickhouse-datasource@%s, the version the dashboards and chmacro follow", pre, chmacro.PluginVersion)
	}
	grafanaMounts := mountsOf(g)
	if grafanaMounts["/etc/grafana/provisioning"] != "./deploy/grafana/provisioning" {
		t.Errorf("grafana mounts %v at /etc/grafana/provisioning", grafanaMounts["/etc/grafana/provisioning"])
	}

	// The provider's path is where the generated dashboards are mounted.
	if len(dp.Providers) != 1 || dp.Providers[0].Type != "file" {
		t.Fatalf("want one file provider: %+v", dp.Providers)
	}
	dashPath := dp.Providers[0].Options["path"]
	if src := grafanaMounts[dashPath]; src != "./deploy/grafana/dashboards" {
		t.Errorf("the provider reads %s, where grafana mounts %q, not ./deploy/grafana/dashboards", dashPath, src)
	}
	if home := g.Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]; home != "" {
		if _, err := os.Stat(filepath.Join("grafana", "dashboards", path.Base(home))); err != nil || path.Dir(home) != dashPath {
			t.Errorf("home dashboard %s is not one of the mounted dashboards: %v", home, err)
		}
	}

	// The provisioned datasources are those the dashboards default to.
	uids := map[string]string{} // type → uid
	for _, d := range ds.Datasources {
		uids[d.Type] = d.UID
	}
	ch := uids["grafana-clickhouse-datasource"]
	if ch == "" || uids["prometheus"] == "" {
		t.Fatalf("provisioned datasources %v lack ClickHouse or Prometheus", uids)
	}
	ing := c.Services["ingester"]
	chURL, err := url.Parse(ing.Environment["RATESCOPE_CLICKHOUSE"])
	if err != nil {
		t.Fatal(err)
	}
	database := strings.Trim(chURL.Path, "/")
	for _, d := range ds.Datasources {
		switch d.Type {
		case "grafana-clickhouse-datasource":
			j := d.JSONData
			if j["host"] != chURL.Hostname() || j["port"] != 9000 || j["protocol"] != "native" || j["defaultDatabase"] != database || j["username"] == nil {
				t.Errorf("ClickHouse datasource jsonData %v: want host %s, port 9000, protocol native, a username, defaultDatabase %s (the ingester's)", j, chURL.Hostname(), database)
			}
			if _, ok := c.Services[chURL.Hostname()]; !ok {
				t.Errorf("the ingester writes to %s, which is no service", chURL.Hostname())
			}
		case "prometheus":
			u, err := url.Parse(d.URL)
			if err != nil || u.Port() != "9090" {
				t.Errorf("Prometheus datasource url %q", d.URL)
			} else if _, ok := c.Services[u.Hostname()]; !ok {
				t.Errorf("Prometheus datasource %s is no service", u.Hostname())
			}
		}
	}
	files, err := filepath.Glob(filepath.Join("grafana", "dashboards", "*.json"))
	if err != nil || len(files) < 4 {
		t.Fatalf("generated dashboards: %v %v (run make dashboards)", files, err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboardJSON
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		vars := map[string]any{}
		for _, v := range d.Templating.List {
			if v.Type == "datasource" {
				typ, _ := v.Query.(string)
				if want := uids[typ]; v.Current.Value != want {
					t.Errorf("%s: datasource variable %s defaults to %v, the provisioned %s datasource is %s", f, v.Name, v.Current.Value, typ, want)
				}
			}
			vars[v.Name] = v.Current.Value
		}
		if db, ok := vars["database"]; ok && db != database {
			t.Errorf("%s: database variable defaults to %v, the ingester writes %s", f, db, database)
		}
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				if tg.Datasource.Type == "grafana-clickhouse-datasource" && tg.PluginVersion != chmacro.PluginVersion {
					t.Errorf("%s: a target names plugin version %s, the stack installs %s", f, tg.PluginVersion, chmacro.PluginVersion)
				}
			}
		}
	}

	// Prometheus scrapes the port the ingester serves, and loads the rules
	// compose mounts.
	var p promConfig
	readYAML(t, "prometheus.yml", &p)
	i := slices.Index(ing.Command, "--metrics-addr")
	if i < 0 {
		t.Fatal("the ingester serves no metrics")
	}
	_, port, _ := strings.Cut(ing.Command[i+1], ":")
	if p.ScrapeConfigs[0].StaticConfigs[0].Targets[0] != "ingester:"+port {
		t.Errorf("Prometheus scrapes %v, the ingester serves port %s", p.ScrapeConfigs[0].StaticConfigs[0].Targets, port)
	}
	promMounts := mountsOf(c.Services["prometheus"])
	for _, rf := range p.RuleFiles {
		src, ok := promMounts[rf]
		if !ok {
			t.Errorf("rule file %s is not mounted", rf)
			continue
		}
		rules, err := os.ReadFile(filepath.Join("..", src))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(rules), `job="`+p.ScrapeConfigs[0].JobName+`"`) {
			t.Errorf("%s does not watch the scrape job %s", src, p.ScrapeConfigs[0].JobName)
		}
	}
	if len(p.RuleFiles) == 0 {
		t.Error("Prometheus loads no alert rules")
	}

	// The generator writes live traffic where the ingester reads, with the
	// configuration the ingester is given.
	lg := c.Services["loggen"]
	if !slices.Contains(lg.Entrypoint, "/usr/local/bin/loggen") || !slices.Contains(lg.Command, "--live") {
		t.Errorf("loggen service runs %v %v, not loggen --live", lg.Entrypoint, lg.Command)
	}
	j := slices.Index(lg.Command, "--out")
	if j < 0 {
		t.Fatal("loggen has no --out")
	}
	out := lg.Command[j+1]
	vol := mountsOf(lg)[out]
	if src := mountsOf(ing)["/logs"]; !strings.HasSuffix(src, ":-"+vol+"}") && src != vol {
		t.Errorf("loggen writes volume %s, the ingester reads %s at /logs", vol, src)
	}
	if cfg := ing.Environment["RATESCOPE_CONFIG"]; !strings.Contains(cfg, "/logs/"+loggen.PlansName) {
		t.Errorf("ingester RATESCOPE_CONFIG %q: want the generator's /logs/%s by default", cfg, loggen.PlansName)
	}
}
