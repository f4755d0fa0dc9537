package follow

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
)

// env is one test's ClickHouse database and state directory.
type env struct {
	t     *testing.T
	url   string
	db    *chstore.DB
	state string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	url, db := chtest.Migrated(t)
	return &env{t: t, url: url, db: db, state: t.TempDir()}
}

// config returns a fast-ticking configuration for patterns.
func (e *env) config(patterns ...string) Config {
	url := e.url
	reg := prometheus.NewRegistry()
	return Config{
		Patterns:           patterns,
		StateDir:           e.state,
		Connect:            func(ctx context.Context) (Store, error) { return chstore.Open(ctx, url) },
		HashKey:            []byte("test-key"),
		FlushRows:          1000,
		FlushInterval:      200 * time.Millisecond,
		PollInterval:       20 * time.Millisecond,
		ReconcileInterval:  50 * time.Millisecond,
		RotateWait:         300 * time.Millisecond,
		CheckpointInterval: 50 * time.Millisecond,
		Metrics:            NewMetrics(reg),
		Gatherer:           reg,
		Logger:             slog.New(slog.NewTextHandler(testWriter{e.t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// running is a daemon run in the background.
type running struct {
	d      *Daemon
	cancel context.CancelFunc
	done   chan error
}

func (e *env) start(cfg Config) *running {
	e.t.Helper()
	d, err := New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{d: d, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- d.Run(ctx) }()
	e.t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// stop stops the daemon as SIGTERM would and returns Run's result.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("the daemon did not stop within 30s")
		return nil
	}
}

func (e *env) uint(q string) uint64 {
	e.t.Helper()
	var n uint64
	q = strings.ReplaceAll(q, "{requests}", e.db.Table("requests"))
	q = strings.ReplaceAll(q, "{rejected}", e.db.Table("rejected"))
	if err := e.db.Conn.QueryRow(context.Background(), q).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// requests is the number of distinct request ids stored.
func (e *env) requests() uint64 { return e.uint("SELECT uniqExact(request_id) FROM {requests}") }

// waitRequests waits until want distinct request ids are stored.
func (e *env) waitRequests(want uint64, within time.Duration) {
	e.t.Helper()
	chtest.Eventually(e.t, within, fmt.Sprintf("%d requests stored", want), func() (bool, string) {
		n := e.requests()
		return n == want, fmt.Sprintf("have %d", n)
	})
}

// appendLines appends lines to path, each with a '\n'.
func appendLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if _, err := f.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
}

// jsonLine is an access line with request id "<prefix>-<i>".
func jsonLine(prefix string, i int) string {
	return fmt.Sprintf(`{"time":"2026-11-20T10:%02d:%02d.%03dZ","request_id":"%s-%d","method":"GET","path":"/v1/items/%d","status":%d,"partner":"acme"}`,
		i/60%60, i%60, i%1000, prefix, i, i, []int{200, 200, 404, 429, 503}[i%5])
}

// combinedLine is an nginx combined line without a request id; i%3 == 0
// lines repeat their predecessor's text, as health checks do.
func combinedLine(i int) string {
	if i%3 == 0 {
		i--
	}
	return fmt.Sprintf(`10.0.0.%d - - [20/Nov/2026:10:%02d:%02d +0000] "GET /v1/things/%d HTTP/1.1" 200 %d "-" "probe/1.0"`,
		i%250, i/60%60, i%60, i, 100+i)
}

// scrape fetches url and parses it as the Prometheus text format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return mfs
}

// value returns the value of the series of family name whose labels
// include want (name=value pairs), and whether there is one.
func value(mfs map[string]*dto.MetricFamily, name string, want ...string) (float64, bool) {
	mf := mfs[name]
	if mf == nil {
		return 0, false
	}
next:
	for _, m := range mf.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if labels[want[i]] != want[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// writer appends lines to a file in the background at a steady pace.
type writer struct {
	mu   sync.Mutex // held while writing; tests take it to rotate
	f    *os.File
	path string
}

func newWriter(t *testing.T, path string) *writer {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return &writer{f: f, path: path}
}

func (w *writer) write(t *testing.T, line string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.WriteString(line + "\n"); err != nil {
		t.Error(err)
	}
}

// reopen closes the current file and opens path anew (after a rename
// rotation: a new file).
func (w *writer) reopen(t *testing.T) {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	_ = w.f.Close()
	w.f = f
}
