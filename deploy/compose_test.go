// Package deploy holds the configuration docker-compose.yml mounts; this
// test checks the compose file, the Dockerfile and that configuration by
// reading them (no Docker engine is needed).
package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   any               `yaml:"depends_on"`
	Healthcheck map[string]any    `yaml:"healthcheck"`
	Ulimits     map[string]any    `yaml:"ulimits"`
	Restart     string            `yaml:"restart"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestComposeFile(t *testing.T) {
	var c composeFile
	readYAML(t, filepath.Join("..", "docker-compose.yml"), &c)

	for _, name := range []string{"clickhouse", "loggen", "ingester", "prometheus", "grafana"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("no %s service", name)
		}
	}
	if img := c.Services["clickhouse"].Image; img != "clickhouse/clickhouse-server:26.8" {
		t.Errorf("clickhouse image %q", img)
	}
	for name, s := range c.Services {
		if s.Image == "" && s.Build == nil {
			t.Errorf("%s has neither image nor build", name)
		}
		if strings.HasSuffix(s.Image, ":latest") || (s.Image != "" && !strings.Contains(s.Image, ":")) {
			t.Errorf("%s image %q is not pinned", name, s.Image)
		}
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s publishes %q beyond loopback", name, p)
			}
		}
		for _, v := range s.Volumes {
			src := strings.SplitN(v, ":", 2)[0]
			if strings.HasPrefix(src, "./") {
				if _, err := os.Stat(filepath.Join("..", src)); err != nil {
					t.Errorf("%s mounts %s, which does not exist", name, src)
				}
			} else if !strings.HasPrefix(src, "${") {
				if _, ok := c.Volumes[src]; !ok {
					t.Errorf("%s uses volume %s, which is not declared", name, src)
				}
			}
		}
	}

	ing := c.Services["ingester"]
	// The daemon follows the mounted logs, keeps checkpoints and its hashing
	// key in the state volume (or callers get new ids when the container is
	// recreated), and serves metrics where Prometheus scrapes them.
	flag := func(name string) string {
		i := slices.Index(ing.Command, name)
		if i < 0 || i+1 >= len(ing.Command) {
			return ""
		}
		return ing.Command[i+1]
	}
	if !strings.HasPrefix(flag("--follow"), "/logs/") {
		t.Errorf("ingester command %q does not --follow files under /logs", ing.Command)
	}
	if flag("--state-dir") != "/state" || !strings.HasPrefix(flag("--hash-key-file"), "/state/") {
		t.Errorf("ingester command %q: want --state-dir /state and --hash-key-file under /state", ing.Command)
	}
	if !strings.HasSuffix(flag("--metrics-addr"), ":9464") {
		t.Errorf("ingester command %q: want --metrics-addr on port 9464, where Prometheus scrapes", ing.Command)
	}
	if !strings.HasPrefix(ing.Environment["RATESCOPE_CLICKHOUSE"], "clickhouse://clickhouse:9000/") {
		t.Errorf("ingester RATESCOPE_CLICKHOUSE %q does not point at the clickhouse service", ing.Environment["RATESCOPE_CLICKHOUSE"])
	}
	if !slices.ContainsFunc(ing.Volumes, func(v string) bool { return strings.HasSuffix(v, ":/logs:ro") }) ||
		!slices.ContainsFunc(ing.Volumes, func(v string) bool { return strings.HasSuffix(v, ":/state") }) {
		t.Errorf("ingester volumes %q: want a read-only /logs and a /state", ing.Volumes)
	}

	g := c.Services["grafana"]
	if !slices.Contains(g.Volumes, "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro") {
		t.Errorf("grafana does not mount deploy/grafana/provisioning as its provisioning directory: %q", g.Volumes)
	}
	if c.Services["clickhouse"].Healthcheck == nil {
		t.Error("clickhouse has no healthcheck for depends_on to wait on")
	}
}

func TestPrometheusScrapesTheIngester(t *testing.T) {
	var p promConfig
	readYAML(t, "prometheus.yml", &p)
	var targets []string
	for _, sc := range p.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	if !slices.Contains(targets, "ingester:9464") {
		t.Errorf("scrape targets %q do not include ingester:9464", targets)
	}
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	if n := strings.Count(df, "\nFROM "); n < 2 {
		t.Errorf("want a multi-stage build, found %d FROM lines", n)
	}
	// The Go image must be able to build the module's go version.
	mod, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVer := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(mod))
	img := regexp.MustCompile(`FROM golang:(\d+\.\d+)`).FindStringSubmatch(df)
	if goVer == nil || img == nil || goVer[1] != img[1] {
		t.Errorf("go.mod wants go %v, the build stage uses golang:%v", goVer, img)
	}
	// Every source directory it copies exists, and so does every package it builds.
	for _, m := range regexp.MustCompile(`(?m)^COPY (\./)?(\w[\w.]*) `).FindAllStringSubmatch(df, -1) {
		if _, err := os.Stat(filepath.Join("..", m[2])); err != nil {
			t.Errorf("Dockerfile copies %s: %v", m[2], err)
		}
	}
	for _, m := range regexp.MustCompile(`go build .* (\./cmd/\w+)`).FindAllStringSubmatch(df, -1) {
		if _, err := os.Stat(filepath.Join("..", m[1])); err != nil {
			t.Errorf("Dockerfile builds %s: %v", m[1], err)
		}
	}
	if !strings.Contains(df, `ENTRYPOINT ["/usr/local/bin/ingest"]`) {
		t.Error("the image's entrypoint is not ingest")
	}
}

// TestImageHealthAndState: the image checks its own health (no curl in a
// distroless image), and its default command keeps the hash key in the
// state volume and serves metrics beyond the container.
func TestImageHealthAndState(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	for _, want := range []string{
		`HEALTHCHECK`, `"/usr/local/bin/ingest", "healthcheck"`,
		`"--hash-key-file", "/state/hash.key"`, `"--metrics-addr", "0.0.0.0:9464"`,
		"RATESCOPE_CLICKHOUSE=", "-v ratescope-state:/state",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
	var c composeFile
	readYAML(t, filepath.Join("..", "docker-compose.yml"), &c)
	if hc := c.Services["ingester"].Healthcheck; hc == nil || !strings.Contains(strings.Join(toStrings(hc["test"]), " "), "ingest healthcheck") {
		t.Errorf("the ingester service has no health check: %v", hc)
	}
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, _ := e.(string)
		out = append(out, strings.TrimPrefix(s, "/usr/local/bin/"))
	}
	return out
}

// promConfig is the part of deploy/prometheus.yml the tests read.
type promConfig struct {
	Global        map[string]string `yaml:"global"`
	RuleFiles     []string          `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}
