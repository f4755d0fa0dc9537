package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ratescope/ratescope/internal/checkpoint"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/clitest"
)

// daemon is an `ingest --follow` process.
type daemon struct {
	t      *testing.T
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	addr   chan string // the metrics address, once logged
	exited chan struct{}
	code   int
}

func (d *daemon) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.Write(p)
}

func (d *daemon) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.String()
}

var metricsAddrRE = regexp.MustCompile(`msg="serving metrics" addr=(\S+)`)

// startDaemon runs bin --follow with args, metrics on a free port.
func startDaemon(t *testing.T, bin string, args ...string) *daemon {
	t.Helper()
	return startDaemonVia(t, nil, bin, args...)
}

// startDaemonVia is startDaemon through a launcher that execs it
// (prlimit --nofile=64:64 --, say), so the daemon keeps the launcher's pid.
func startDaemonVia(t *testing.T, launcher []string, bin string, args ...string) *daemon {
	t.Helper()
	d := &daemon{t: t, addr: make(chan string, 1), exited: make(chan struct{})}
	argv := append(append(slices.Clone(launcher), bin, "--follow", "--metrics-addr", "127.0.0.1:0", "--log-level", "debug"), args...)
	d.cmd = exec.Command(argv[0], argv[1:]...)
	d.cmd.Env = append(os.Environ(), "RATESCOPE_HASH_KEY=test-key")
	pr, pw := io.Pipe()
	d.cmd.Stderr = pw
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			_, _ = d.Write([]byte(line + "\n"))
			if m := metricsAddrRE.FindStringSubmatch(line); m != nil {
				d.addr <- m[1]
			}
		}
	}()
	go func() {
		err := d.cmd.Wait()
		_ = pw.Close()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			d.code = exit.ExitCode()
		}
		close(d.exited)
	}()
	t.Cleanup(func() {
		_ = d.cmd.Process.Kill()
		<-d.exited
		if t.Failed() {
			t.Logf("daemon stderr:\n%s", d.log())
		}
	})
	return d
}

// metricsURL waits for the daemon to log its metrics address.
func (d *daemon) metricsURL() string {
	d.t.Helper()
	select {
	case a := <-d.addr:
		d.addr <- a
		return "http://" + a
	case <-d.exited:
		d.t.Fatalf("daemon exited %d before serving metrics:\n%s", d.code, d.log())
	case <-time.After(20 * time.Second):
		d.t.Fatalf("daemon did not serve metrics within 20s:\n%s", d.log())
	}
	return ""
}

// stop sends sig and waits for the exit status.
func (d *daemon) stop(sig os.Signal, within time.Duration) (code int, took time.Duration) {
	d.t.Helper()
	start := time.Now()
	if err := d.cmd.Process.Signal(sig); err != nil {
		d.t.Fatal(err)
	}
	select {
	case <-d.exited:
		return d.code, time.Since(start)
	case <-time.After(within):
		d.t.Fatalf("daemon did not exit within %s of %v:\n%s", within, sig, d.log())
	}
	return 0, 0
}

func (d *daemon) alive() bool {
	select {
	case <-d.exited:
		return false
	default:
		return true
	}
}

func scrapeMetrics(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(base + "/metrics") // a daemon out of descriptors may never answer
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// metric sums the series of a counter or gauge family whose labels
// include the name=value pairs given.
func metric(mfs map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	var sum float64
next:
	for _, m := range mfs[name].GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	return sum
}

func httpStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func openDB(t *testing.T, url string) *chstore.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := chstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// distinctIDs is uniqExact(request_id) of the requests table, 0 while it
// does not exist yet.
func distinctIDs(t *testing.T, db *chstore.DB) uint64 {
	t.Helper()
	var n uint64
	err := db.Conn.QueryRow(context.Background(), "SELECT uniqExact(request_id) FROM "+db.Table("requests")).Scan(&n)
	if err != nil {
		return 0
	}
	return n
}

// logWriter appends generated lines to files at a steady pace in the
// background and counts what it wrote.
type logWriter struct {
	mu      sync.Mutex
	written map[string]int // per file
	stop    chan struct{}
	done    chan struct{}
}

// writeLines appends, every tick, one line per file from line(i) until stopped.
func writeLines(t *testing.T, tick time.Duration, perTick int, files map[string]func(i int) string) *logWriter {
	w := &logWriter{written: map[string]int{}, stop: make(chan struct{}), done: make(chan struct{})}
	handles := map[string]*os.File{}
	for p := range files {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		handles[p] = f
	}
	go func() {
		defer close(w.done)
		tk := time.NewTicker(tick)
		defer tk.Stop()
		for {
			select {
			case <-w.stop:
				for _, f := range handles {
					_ = f.Close()
				}
				return
			case <-tk.C:
			}
			w.mu.Lock()
			for p, line := range files {
				var b strings.Builder
				for range perTick {
					b.WriteString(line(w.written[p]))
					b.WriteByte('\n')
					w.written[p]++
				}
				if _, err := handles[p].WriteString(b.String()); err != nil {
					t.Error(err)
				}
			}
			w.mu.Unlock()
		}
	}()
	return w
}

// finish stops the writer and returns the lines written per file.
func (w *logWriter) finish() map[string]int {
	close(w.stop)
	<-w.done
	return w.written
}

func (w *logWriter) total() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, c := range w.written {
		n += c
	}
	return n
}

func jsonLine(prefix string, i int) string {
	return fmt.Sprintf(`{"time":"2026-11-20T10:%02d:%02d.%03dZ","request_id":"%s-%d","method":"POST","path":"/v1/orders/%d","status":%d,"partner":"acme"}`,
		i/60%60, i%60, i%1000, prefix, i, i, []int{200, 201, 429, 503}[i%4])
}

// combinedLine has no request id; every third line repeats the one before.
func combinedLine(i int) string {
	if i%3 == 2 {
		i--
	}
	return fmt.Sprintf(`10.1.0.%d - - [20/Nov/2026:11:%02d:%02d +0000] "GET /v1/things/%d HTTP/1.1" 200 %d "-" "probe/1.0"`, i%250, i/60%60, i%60, i, 100+i)
}

// TestFollowSurvivesSIGKILL kills the daemon with SIGKILL while lines are
// being written and restarts it: every request — named and synthetic ids
// alike — is stored once, as report summary counts them.
func TestFollowSurvivesSIGKILL(t *testing.T) {
	ingest := clitest.Build(t, "ingest")
	report := clitest.Build(t, "report")
	url := chtest.NewURL(t)
	dir, state := t.TempDir(), t.TempDir()
	named, anon := filepath.Join(dir, "gw.jsonl"), filepath.Join(dir, "plain.log")
	// Checkpoints lag inserts by up to 2 s: the restart re-reads lines ClickHouse already has.
	args := []string{"--clickhouse", url, "--state-dir", state, "--flush-rows", "2000", "--flush-interval", "100ms", "--poll-interval", "20ms",
		"--checkpoint-interval", "2s", filepath.Join(dir, "*")}

	w := writeLines(t, 2*time.Millisecond, 5, map[string]func(int) string{
		named: func(i int) string { return jsonLine("k", i) },
		anon:  combinedLine,
	})
	d := startDaemon(t, ingest, args...)
	db := openDB(t, url)
	chtest.Eventually(t, 20*time.Second, "some lines stored", func() (bool, string) {
		n := distinctIDs(t, db)
		return n > 2000, fmt.Sprintf("%d", n)
	})
	chtest.Eventually(t, 10*time.Second, "a checkpoint written", func() (bool, string) {
		_, err := os.Stat(filepath.Join(state, checkpoint.FileName))
		return err == nil, fmt.Sprint(err)
	})
	time.Sleep(700 * time.Millisecond) // inserts go on; the next checkpoint is 2 s away
	if code, _ := d.stop(syscall.SIGKILL, 10*time.Second); code != -1 {
		t.Fatalf("SIGKILL exit %d", code)
	}
	killedAt := w.total()
	storedAtKill := distinctIDs(t, db)
	var checkpointed uint64
	if b, err := os.ReadFile(filepath.Join(state, checkpoint.FileName)); err == nil {
		var f struct{ Files []checkpoint.Entry }
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		for _, e := range f.Files {
			checkpointed += e.Line
		}
	}
	time.Sleep(300 * time.Millisecond)
	d = startDaemon(t, ingest, args...)
	time.Sleep(500 * time.Millisecond)
	written := w.finish()
	want := uint64(written[named] + written[anon])
	t.Logf("killed after %d lines written; %d in all", killedAt, want)
	chtest.Eventually(t, 30*time.Second, "every request stored", func() (bool, string) {
		n := distinctIDs(t, db)
		return n >= want, fmt.Sprintf("%d of %d", n, want)
	})
	if n := distinctIDs(t, db); n != want {
		t.Fatalf("%d distinct request ids for %d requests written: a restart changed synthetic ids", n, want)
	}
	// Each line is one request: what ClickHouse had beyond the checkpoint was read twice.
	t.Logf("at the kill ClickHouse had %d lines, the checkpoint %d: the restart read %d lines a second time",
		storedAtKill, checkpointed, int64(storedAtKill)-int64(checkpointed))
	if storedAtKill <= checkpointed {
		t.Errorf("the checkpoint (%d lines) was not behind ClickHouse (%d) at the kill: the test meant to make the restart re-read some", checkpointed, storedAtKill)
	}
	if read := uint64(metric(scrapeMetrics(t, d.metricsURL()), "ratescope_ingest_lines_read_total")); checkpointed+read != want {
		t.Errorf("the restart read %d lines after a checkpoint of %d; %d were written", read, checkpointed, want)
	}
	r := clitest.Run(t, report, "summary", "--clickhouse", url, "--from", "2026-11-20T00:00:00Z", "--to", "2026-11-21T00:00:00Z", "--format", "json")
	var s map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &s); err != nil || r.Code != 0 {
		t.Fatalf("report summary: exit %d, %v: %s %s", r.Code, err, r.Stdout, r.Stderr)
	}
	if s["requests"] != float64(want) {
		t.Errorf("report summary counts %v requests, want %d", s["requests"], want)
	}
	if code, took := d.stop(syscall.SIGTERM, 10*time.Second); code != 0 {
		t.Errorf("SIGTERM: exit %d after %s", code, took)
	}
}

// TestFollowShutdownWhileClickHouseDown starts the daemon with ClickHouse
// unreachable: it reads, waits, and on SIGTERM gives up after
// --shutdown-timeout with one line and exit 1, its checkpoint unmoved. A
// start against a reachable ClickHouse then stores every line.
func TestFollowShutdownWhileClickHouseDown(t *testing.T) {
	ingest := clitest.Build(t, "ingest")
	dir, state := t.TempDir(), t.TempDir()
	path := filepath.Join(dir, "a.jsonl")
	var lines []string
	for i := range 300 {
		lines = append(lines, jsonLine("d", i))
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, ingest, "--clickhouse", "clickhouse://127.0.0.1:1/down", "--state-dir", state,
		"--shutdown-timeout", "1s", "--retry-max", "500ms", "--flush-interval", "100ms", path)
	base := d.metricsURL()
	chtest.Eventually(t, 20*time.Second, "lines read while ClickHouse is down", func() (bool, string) {
		mfs := scrapeMetrics(t, base)
		read, errs := metric(mfs, "ratescope_ingest_lines_read_total"), metric(mfs, "ratescope_ingest_clickhouse_errors_total", "op", "connect")
		return read == 300 && errs >= 2, fmt.Sprintf("read %v, connect errors %v", read, errs)
	})
	if c := httpStatus(t, base+"/healthz"); c != 200 {
		t.Errorf("/healthz %d while ClickHouse is down, want 200", c)
	}
	if c := httpStatus(t, base+"/readyz"); c != 503 {
		t.Errorf("/readyz %d while ClickHouse is down, want 503", c)
	}
	code, took := d.stop(syscall.SIGTERM, 10*time.Second)
	if code != 1 || took > 4*time.Second {
		t.Errorf("SIGTERM with ClickHouse down: exit %d after %s, want 1 within the 1s timeout and a little", code, took)
	}
	stderr := strings.Split(strings.TrimSpace(d.log()), "\n")
	last := stderr[len(stderr)-1]
	if !strings.HasPrefix(last, "ingest: stopped with 300 rows not stored") || !strings.Contains(last, "127.0.0.1:1") {
		t.Errorf("last stderr line %q, want one saying 300 rows were not stored and why", last)
	}
	if b, err := os.ReadFile(filepath.Join(state, checkpoint.FileName)); err == nil && strings.Contains(string(b), `"offset"`) {
		t.Errorf("checkpoint moved although nothing was stored:\n%s", b)
	}

	url := chtest.NewURL(t)
	d = startDaemon(t, ingest, "--clickhouse", url, "--state-dir", state, "--flush-interval", "100ms", path)
	db := openDB(t, url)
	chtest.Eventually(t, 20*time.Second, "every line stored after the restart", func() (bool, string) {
		n := distinctIDs(t, db)
		return n == 300, fmt.Sprintf("%d", n)
	})
	if code, took := d.stop(syscall.SIGINT, 10*time.Second); code != 0 || took > 3*time.Second {
		t.Errorf("SIGINT: exit %d after %s, want 0 within a few seconds", code, took)
	}
}

// TestFollowClickHouseOutage stops a private ClickHouse for about 20 s
// while lines keep coming: the daemon stays up, retries, holds at most
// --max-buffer-rows rows (it stops reading rather than grow), and once the
// server is back everything is stored.
func TestFollowClickHouseOutage(t *testing.T) {
	ingest := clitest.Build(t, "ingest")
	server := startPrivateClickHouse(t)
	url := fmt.Sprintf("clickhouse://127.0.0.1:%d/rs_outage", server.tcpPort)
	dir, state := t.TempDir(), t.TempDir()
	path := filepath.Join(dir, "busy.jsonl")
	const maxBuffer = 2000
	w := writeLines(t, 10*time.Millisecond, 5, map[string]func(int) string{path: func(i int) string { return jsonLine("o", i) }}) // 500 lines/s
	d := startDaemon(t, ingest, "--clickhouse", url, "--state-dir", state, "--flush-rows", "500", "--max-buffer-rows", fmt.Sprint(maxBuffer),
		"--flush-interval", "200ms", "--poll-interval", "50ms", "--retry-max", "1s", path)
	base := d.metricsURL()
	db := openDB(t, url)
	chtest.Eventually(t, 20*time.Second, "lines stored before the outage", func() (bool, string) {
		n := distinctIDs(t, db)
		return n > 500, fmt.Sprintf("%d", n)
	})

	server.stop(t)
	outageStart := time.Now()
	var peak, retriesBefore float64
	retriesBefore = metric(scrapeMetrics(t, base), "ratescope_ingest_clickhouse_retries_total")
	var readAtFull float64
	for time.Since(outageStart) < 20*time.Second {
		mfs := scrapeMetrics(t, base)
		buf := metric(mfs, "ratescope_ingest_buffer_rows")
		if buf > maxBuffer {
			t.Fatalf("buffer holds %v rows, more than --max-buffer-rows %d", buf, maxBuffer)
		}
		if buf == maxBuffer && readAtFull == 0 {
			readAtFull = metric(mfs, "ratescope_ingest_lines_read_total")
		}
		peak = max(peak, buf)
		time.Sleep(250 * time.Millisecond)
	}
	mfs := scrapeMetrics(t, base)
	if peak != maxBuffer {
		t.Errorf("buffer peaked at %v rows during the outage, want it full at %d (reading must stop there)", peak, maxBuffer)
	}
	if read := metric(mfs, "ratescope_ingest_lines_read_total"); readAtFull == 0 || read != readAtFull {
		t.Errorf("lines read went from %v (buffer full) to %v: reading did not stop", readAtFull, read)
	}
	if behind := metric(mfs, "ratescope_ingest_file_bytes_behind", "path", path); behind < 100_000 {
		t.Errorf("file_bytes_behind = %v after 20s of outage at 500 lines/s", behind)
	}
	if c := httpStatus(t, base+"/readyz"); c != 503 {
		t.Errorf("/readyz %d during the outage, want 503", c)
	}
	if !d.alive() {
		t.Fatal("the daemon exited during the outage")
	}

	server.start(t)
	time.Sleep(500 * time.Millisecond)
	written := w.finish()[path]
	chtest.Eventually(t, 30*time.Second, "every line stored after the outage", func() (bool, string) {
		n := distinctIDs(t, db)
		return n == uint64(written), fmt.Sprintf("%d of %d", n, written)
	})
	mfs = scrapeMetrics(t, base)
	if r := metric(mfs, "ratescope_ingest_clickhouse_retries_total"); r <= retriesBefore {
		t.Errorf("retries went from %v to %v over the outage", retriesBefore, r)
	}
	if e := metric(mfs, "ratescope_ingest_clickhouse_errors_total", "op", "insert"); e < 1 {
		t.Errorf("no insert error counted over the outage")
	}
	if c := httpStatus(t, base+"/readyz"); c != 200 {
		t.Errorf("/readyz %d after the outage, want 200", c)
	}
	if code, took := d.stop(syscall.SIGTERM, 10*time.Second); code != 0 || took > 3*time.Second {
		t.Errorf("SIGTERM: exit %d after %s", code, took)
	}
}

// privateClickHouse is a ClickHouse server of the test's own on free
// ports of 127.0.0.1, which the test may stop: never the shared one.
// Free ports, not fixed ones, so parallel runs of the test don't collide.
type privateClickHouse struct {
	script, dir       string
	tcpPort, httpPort int
}

func startPrivateClickHouse(t *testing.T) *privateClickHouse {
	t.Helper()
	s := &privateClickHouse{script: filepath.Join(chtest.RepoRoot(t), "scripts", "clickhouse-local.sh"), dir: t.TempDir()}
	// clickhouse-local.sh also listens on tcp+9 (interserver): keep it free too.
	s.tcpPort = freePort(t, func(p int) bool { return portFree(p+9) && portFree(p+1) })
	s.httpPort = s.tcpPort + 1
	s.start(t)
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *privateClickHouse) run(t *testing.T, verb string) {
	t.Helper()
	cmd := exec.Command(s.script, verb, s.dir)
	cmd.Env = append(os.Environ(), fmt.Sprintf("CH_TCP_PORT=%d", s.tcpPort), fmt.Sprintf("CH_HTTP_PORT=%d", s.httpPort))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("clickhouse-local.sh %s: %v\n%s", verb, err, out)
	}
}

func (s *privateClickHouse) start(t *testing.T) { s.run(t, "start") }

// freePort returns a port of 127.0.0.1 that nothing listens on and for
// which also(port) holds, asking the kernel for one rather than fixing it.
func freePort(t *testing.T, also func(int) bool) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if p+9 < 65536 && also(p) {
			return p
		}
	}
	t.Fatal("no free port for a private ClickHouse after 50 tries")
	return 0
}

func portFree(p int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}
func (s *privateClickHouse) stop(t *testing.T) { s.run(t, "stop") }

// TestFollowRefusesNewerSchema: a database migrated by a newer ratescope
// stops the daemon at once with one line saying so — no retry fixes it.
func TestFollowRefusesNewerSchema(t *testing.T) {
	ingest := clitest.Build(t, "ingest")
	url := chtest.NewURL(t)
	db := openDB(t, url)
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	next := chstore.SchemaVersion() + 1
	if err := db.Conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s (version, name, applied_at) SELECT %d, 'future', now()", db.Table("schema_migrations"), next)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "a.jsonl")
	if err := os.WriteFile(path, []byte(jsonLine("n", 1)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, ingest, "--clickhouse", url, "--state-dir", t.TempDir(), path)
	select {
	case <-d.exited:
	case <-time.After(15 * time.Second):
		t.Fatalf("the daemon kept running against a newer schema:\n%s", d.log())
	}
	lines := strings.Split(strings.TrimSpace(d.log()), "\n")
	if last := lines[len(lines)-1]; d.code != 1 || !strings.HasPrefix(last, "ingest: ") || !strings.Contains(last, fmt.Sprintf("has schema version %d", next)) {
		t.Errorf("exit %d, last stderr line %q; want 1 and the schema version", d.code, last)
	}
}

func TestFollowFlags(t *testing.T) {
	ingest := clitest.Build(t, "ingest")
	state := t.TempDir()
	if err := os.WriteFile(filepath.Join(state, checkpoint.FileName), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	fails := func(name string, code int, want string, args ...string) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			r := clitest.Cmd{Env: []string{"RATESCOPE_HASH_KEY=k"}}.Run(t, ingest, args...)
			clitest.WantOneLineError(t, r, "ingest", code, want)
		})
	}
	fails("no patterns", 2, "no patterns given: ingest --follow PATTERN...", "--follow")
	fails("follow-only flag without --follow", 2, "--flush-rows needs --follow", "--flush-rows", "10", "x.log")
	fails("load-only flag with --follow", 2, "--batch-rows is for loading files, not --follow", "--follow", "--batch-rows", "10", "x.log")
	fails("buffer below a batch", 2, "--max-buffer-rows (10) must be at least --flush-rows (100)", "--follow", "--flush-rows", "100", "--max-buffer-rows", "10", "x.log")
	fails("bad log level", 2, `--log-level: "loud"`, "--follow", "--log-level", "loud", "x.log")
	fails("bad pattern", 1, `bad pattern "`, "--follow", "--state-dir", t.TempDir(), "/var/log/[x")
	fails("bad database name in the URL", 1, `database name "no-such-db" must be letters, digits and underscores`,
		"--follow", "--state-dir", t.TempDir(), "--clickhouse", "clickhouse://u:topsecret@127.0.0.1:9000/no-such-db", "x.log")
	fails("corrupt checkpoint", 1, "checkpoint file "+filepath.Join(state, checkpoint.FileName)+": corrupt", "--follow", "--state-dir", state, "x.log")
	huge := t.TempDir()
	if err := os.WriteFile(filepath.Join(huge, checkpoint.FileName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(huge, checkpoint.FileName), 1<<30); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	fails("huge checkpoint", 1, "checkpoint file "+filepath.Join(huge, checkpoint.FileName)+" is larger than 64 MiB", "--follow", "--state-dir", huge, "x.log")
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	fails("metrics address taken", 1, "metrics address: listen tcp "+taken.Addr().String(), "--follow", "--state-dir", t.TempDir(), "--metrics-addr", taken.Addr().String(), "x.log")

	t.Run("help shows follow examples", func(t *testing.T) {
		r := clitest.Run(t, ingest, "--help")
		if r.Code != 0 || !strings.Contains(r.Stdout, "ingest --follow '/var/log/") || !strings.Contains(r.Stdout, "--max-buffer-rows") {
			t.Errorf("exit %d, stdout:\n%s", r.Code, r.Stdout)
		}
	})
}
