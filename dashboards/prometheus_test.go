package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chtest"
)

// EnvRequirePrometheus makes the Prometheus test mandatory (as CI=true
// does): .ci/run installs Debian's prometheus and sets it, so a run
// without Prometheus fails instead of skipping.
const EnvRequirePrometheus = "RATESCOPE_REQUIRE_PROMETHEUS"

// promTools returns the paths of prometheus and promtool, skipping the
// test when they are missing (failing it when they are required).
func promTools(t *testing.T) (string, string) {
	t.Helper()
	prom, err1 := exec.LookPath("prometheus")
	tool, err2 := exec.LookPath("promtool")
	if err1 != nil || err2 != nil {
		if os.Getenv(EnvRequirePrometheus) != "" || os.Getenv("CI") == "true" {
			t.Fatalf("prometheus and promtool are required here (%s or CI set): apt-get install prometheus", EnvRequirePrometheus)
		}
		t.Skip("prometheus is not installed (apt-get install prometheus); the Ingester dashboard's queries are not checked")
	}
	return prom, tool
}

// freeAddr returns a loopback address no one listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// goBuild builds a command of the module into dir.
func goBuild(t *testing.T, dir, pkg string) string {
	t.Helper()
	out := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = chtest.RepoRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// start runs a process for the rest of the test, its output in a file.
func start(t *testing.T, logs, name string, args ...string) *exec.Cmd {
	t.Helper()
	f, err := os.Create(filepath.Join(logs, filepath.Base(name)+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		f.Close()
		if t.Failed() {
			b, _ := os.ReadFile(f.Name())
			t.Logf("%s's output:\n%s", filepath.Base(name), tail(string(b), 3000))
		}
	})
	return cmd
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// promResult is an answer of Prometheus's HTTP API.
type promResult struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Data   struct {
		ResultType string            `json:"resultType"`
		Result     []json.RawMessage `json:"result"`
		Groups     []struct {
			Rules []struct {
				Name   string `json:"name"`
				Health string `json:"health"`
			} `json:"rules"`
		} `json:"groups"`
	} `json:"data"`
}

func promGet(ctx context.Context, base, path string, q url.Values) (promResult, error) {
	var r promResult
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path+"?"+q.Encode(), nil)
	if err != nil {
		return r, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return r, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w: %s", path, err, b)
	}
	if r.Status != "success" {
		return r, fmt.Errorf("%s %v: %s", path, q, r.Error)
	}
	return r, nil
}

// grafanaIntervals stands in for what Grafana substitutes into a
// Prometheus expression: $__rate_interval is at least four scrape
// intervals.
var grafanaIntervals = strings.NewReplacer("$__rate_interval", "20s", "$__interval", "5s", "$__range", "5m")

// TestIngesterPanelsOnPrometheus starts Debian's Prometheus scraping a
// live `ingest --follow` that loads `loggen --live` traffic into the test
// ClickHouse, then evaluates every expression of the Ingester dashboard
// through the HTTP API and requires a result; promtool checks the alert
// rules and a scrape of the ingester's metrics, and Prometheus loads the
// rules as healthy.
func TestIngesterPanelsOnPrometheus(t *testing.T) {
	prom, promtool := promTools(t)
	chURL := chtest.NewURL(t)
	root := chtest.RepoRoot(t)
	rules := filepath.Join(root, "deploy", "prometheus-alerts.yml")
	if out, err := exec.Command(promtool, "check", "rules", rules).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}

	work := t.TempDir()
	bin := filepath.Join(work, "bin")
	ingest := goBuild(t, bin, "./cmd/ingest")
	loggenBin := goBuild(t, bin, "./cmd/loggen")
	logs := filepath.Join(work, "logs")
	live := filepath.Join(work, "live")
	for _, d := range []string{logs, live} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	// Live traffic: half an hour of the sample a minute.
	start(t, logs, loggenBin, "--live", "--speed", "30", "--span", "30m", "--requests", "4000", "--out", live)
	chtest.Eventually(t, 10*time.Second, "loggen writes its plans", func() (bool, string) {
		_, err := os.Stat(filepath.Join(live, "ratescope.yaml"))
		return err == nil, fmt.Sprint(err)
	})
	metrics := freeAddr(t)
	start(t, logs, ingest, "--follow", filepath.Join(live, "*.log"), filepath.Join(live, "*.jsonl"),
		"--clickhouse", chURL, "--config", filepath.Join(live, "ratescope.yaml"),
		"--state-dir", filepath.Join(work, "state"), "--hash-key-file", filepath.Join(work, "hash.key"),
		"--metrics-addr", metrics, "--flush-interval", "500ms")

	promAddr := freeAddr(t)
	cfg := filepath.Join(work, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - %s
scrape_configs:
  - job_name: ratescope-ingest
    static_configs:
      - targets: [%q]
`, rules, metrics)), 0o644); err != nil {
		t.Fatal(err)
	}
	start(t, logs, prom, "--config.file", cfg, "--storage.tsdb.path", filepath.Join(work, "tsdb"),
		"--web.listen-address", promAddr, "--storage.tsdb.retention.time", "1h")
	base := "http://" + promAddr

	ctx := context.Background()
	// Loading: the ingester has stored rows, and Prometheus has scraped
	// it for longer than the widest rate window.
	chtest.Eventually(t, 90*time.Second, "Prometheus sees the ingester storing rows for 25 s", func() (bool, string) {
		r, err := promGet(ctx, base, "/api/v1/query", url.Values{"query": {`count_over_time(ratescope_ingest_rows_inserted_total{table="requests"}[1m]) > 25 and increase(ratescope_ingest_rows_inserted_total{table="requests"}[20s]) > 0`}})
		if err != nil {
			return false, err.Error()
		}
		return len(r.Data.Result) > 0, fmt.Sprintf("%d series", len(r.Data.Result))
	})

	// promtool lints a scrape of the ingester's metrics.
	resp, err := http.Get("http://" + metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	scrape, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = strings.NewReader(string(scrape))
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}

	// Every expression of the Ingester dashboard answers.
	raw, err := os.ReadFile(filepath.Join(dir, "ratescope-ingester.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			if tg.Expr == "" {
				t.Errorf("panel %q: a target without an expression", p.Title)
				continue
			}
			expr := grafanaIntervals.Replace(tg.Expr)
			r, err := promGet(ctx, base, "/api/v1/query", url.Values{"query": {expr}})
			if err != nil {
				t.Errorf("panel %q: %v", p.Title, err)
				continue
			}
			if len(r.Data.Result) == 0 {
				t.Errorf("panel %q: %s gives no series", p.Title, expr)
				continue
			}
			n++
			t.Logf("%-40s %d series: %.120s", p.Title, len(r.Data.Result), r.Data.Result[0])
		}
	}
	if n == 0 {
		t.Fatal("no expression was evaluated")
	}

	// Prometheus loaded the alert rules and evaluates them.
	chtest.Eventually(t, 10*time.Second, "the alert rules evaluate healthy", func() (bool, string) {
		r, err := promGet(ctx, base, "/api/v1/rules", url.Values{})
		if err != nil {
			return false, err.Error()
		}
		var states []string
		ok := len(r.Data.Groups) > 0
		for _, g := range r.Data.Groups {
			for _, rule := range g.Rules {
				states = append(states, rule.Name+"="+rule.Health)
				ok = ok && rule.Health == "ok"
			}
		}
		return ok, strings.Join(states, " ")
	})
}
