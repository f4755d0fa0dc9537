package follow

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/ratescope/ratescope/internal/checkpoint"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/ingest"
)

// TestRenameRotationWhileWriting rotates the followed file twice the way
// logrotate's create mode does — rename, the writer goes on a little in
// the old file, then reopens the path — while lines are being written.
// Only the live name matches the pattern: the rotated file is read to its
// end through the open descriptor. Every request is stored exactly once.
func TestRenameRotationWhileWriting(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	live := filepath.Join(dir, "access.log")
	w := newWriter(t, live)
	r := e.start(e.config(live))

	const total = 3000
	rotations := 0
	for i := 0; i < total; i++ {
		if i == 1000 || i == 2000 {
			w.mu.Lock()
			if err := os.Rename(live, live+".1"); err != nil {
				t.Fatal(err)
			}
			w.mu.Unlock()
			// Once the daemon has seen the file go, the server, which has
			// not reopened yet, writes on in the old file.
			rotations++
			chtest.Eventually(t, 10*time.Second, "rotation noticed", func() (bool, string) {
				n, _ := value(scrapeRegistry(t, r.d), "ratescope_ingest_file_events_total", "event", "rotated")
				return n == float64(rotations), fmt.Sprintf("%v rotations", n)
			})
			for range 50 {
				w.write(t, jsonLine("r", i))
				i++
			}
			w.mu.Lock()
			w.reopen(t)
			w.mu.Unlock()
			// A log file lives for hours: the daemon sees it before the next rotation.
			chtest.Eventually(t, 10*time.Second, "new file followed", func() (bool, string) {
				n, _ := value(scrapeRegistry(t, r.d), "ratescope_ingest_file_events_total", "event", "opened")
				return n == float64(rotations+1), fmt.Sprintf("%v files opened", n)
			})
		}
		w.write(t, jsonLine("r", i))
		if i%100 == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	e.waitRequests(total, 30*time.Second)
	if n := e.uint("SELECT count() FROM {requests}"); n != total {
		t.Errorf("%d rows for %d requests: some lines were read twice or lost", n, total)
	}
	// The rotated files are forgotten once read to their end; the live one is checkpointed at its end.
	fi, err := os.Stat(live)
	if err != nil {
		t.Fatal(err)
	}
	chtest.Eventually(t, 10*time.Second, "checkpoint of only the live file, at its end", func() (bool, string) {
		entries := r.d.ckpt.Entries()
		ok := len(entries) == 1 && entries[0].Offset == fi.Size() && entries[0].Path == live
		return ok, fmt.Sprintf("%+v", entries)
	})
	if err := r.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// TestCopyTruncateWhileWriting rotates with copytruncate (copy, then
// truncate the live file in place) and then compresses an older copy, as
// logrotate's compress does, with a pattern matching the rotated names.
// The copy is read again (its lines are already stored: request-id dedup
// absorbs them), the gzip file is skipped, and the truncated file is read
// from its start: every request present once in what reports count.
func TestCopyTruncateWhileWriting(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	live := filepath.Join(dir, "app.log")
	w := newWriter(t, live)
	r := e.start(e.config(live + "*"))

	const total = 3000
	for i := range total {
		switch i {
		case 1000, 2000:
			w.mu.Lock()
			copyFile(t, live, live+".1", false)
			if err := os.Truncate(live, 0); err != nil {
				t.Fatal(err)
			}
			w.mu.Unlock()
		case 1500:
			// logrotate compresses a copy a rotation later, long after it was read.
			chtest.Eventually(t, time.Minute, "the copy read", func() (bool, string) {
				b, ok := value(scrapeRegistry(t, r.d), "ratescope_ingest_file_bytes_behind", "path", live+".1")
				return ok && b == 0, fmt.Sprintf("%v bytes behind (series present %v)", b, ok)
			})
			copyFile(t, live+".1", live+".2.gz", true)
			if err := os.Remove(live + ".1"); err != nil {
				t.Fatal(err)
			}
		}
		w.write(t, jsonLine("c", i))
		if i%100 == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	// Generous budgets: Eventually returns as soon as the condition holds,
	// and under load an insert alone has taken seconds.
	e.waitRequests(total, time.Minute)
	chtest.Eventually(t, time.Minute, "truncation and compressed copy noticed", func() (bool, string) {
		mfs := scrapeRegistry(t, r.d)
		tr, _ := value(mfs, "ratescope_ingest_file_events_total", "event", "truncated")
		gz, _ := value(mfs, "ratescope_ingest_file_events_total", "event", "compressed")
		return tr >= 2 && gz >= 1, fmt.Sprintf("truncated %v, compressed %v", tr, gz)
	})
	if n := e.uint("SELECT count() FROM {requests} WHERE source LIKE '%.gz'"); n != 0 {
		t.Errorf("%d rows read from the gzip file", n)
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// copyFile copies src to dst, gzip-compressing when zip is set.
func copyFile(t *testing.T, src, dst string, zip bool) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	var w io.Writer = out
	var zw *gzip.Writer
	if zip {
		zw = gzip.NewWriter(out)
		w = zw
	}
	if _, err := io.Copy(w, in); err != nil {
		t.Fatal(err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// scrapeRegistry serves the daemon's handler over HTTP and scrapes it.
func scrapeRegistry(t *testing.T, d *Daemon) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	return scrape(t, srv.URL+"/metrics")
}

// TestNewFilesQuietLatencyAndDeletedFile: files that appear are picked up;
// a quiet daemon lands a line within about 2 s; a file deleted while open
// is read to its end, its unterminated last line included, and let go.
func TestNewFilesQuietLatencyAndDeletedFile(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	cfg := e.config(filepath.Join(dir, "*.log"))
	cfg.FlushInterval = time.Second // the defaults a user gets
	cfg.PollInterval = 250 * time.Millisecond
	cfg.ReconcileInterval = time.Second
	r := e.start(cfg)

	a := filepath.Join(dir, "a.log")
	appendLines(t, a, jsonLine("q", 1))
	start := time.Now()
	e.waitRequests(1, 10*time.Second)
	took := time.Since(start)
	t.Logf("a line written to a new file was stored after %s", took)
	if took > 3*time.Second {
		t.Errorf("a quiet daemon took %s to store a line of a new file, want about 2s", took)
	}
	appendLines(t, a, jsonLine("q", 2))
	start = time.Now()
	e.waitRequests(2, 10*time.Second)
	if took := time.Since(start); took > 2500*time.Millisecond {
		t.Errorf("a quiet daemon took %s to store a line, want about 1-2s", took)
	}

	b := filepath.Join(dir, "b.log")
	appendLines(t, b, jsonLine("q", 3), jsonLine("q", 4))
	e.waitRequests(4, 10*time.Second)

	// Delete a.log while it is open, after lines the daemon has not read yet.
	f, err := os.OpenFile(a, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(a); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(jsonLine("q", 5) + "\n" + jsonLine("q", 6)); err != nil { // the last line has no '\n'
		t.Fatal(err)
	}
	_ = f.Close()
	e.waitRequests(6, 15*time.Second)
	chtest.Eventually(t, 10*time.Second, "the deleted file let go", func() (bool, string) {
		mfs := scrapeRegistry(t, r.d)
		n, _ := value(mfs, "ratescope_ingest_files_followed")
		fin, _ := value(mfs, "ratescope_ingest_file_events_total", "event", "finished")
		_, hasSeries := value(mfs, "ratescope_ingest_file_bytes_behind", "path", a)
		return n == 1 && fin == 1 && !hasSeries, fmt.Sprintf("followed %v, finished %v, a.log series %v", n, fin, hasSeries)
	})
	if err := r.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// TestRestartResumesAtCheckpoint: a stopped daemon leaves a checkpoint at
// the end of what it stored; the next one reads only what came after —
// id-less lines included, whose synthetic ids continue the saved chain —
// and a file that shrank below its checkpoint is read from its start.
func TestRestartResumesAtCheckpoint(t *testing.T) {
	e := newEnv(t)
	path := filepath.Join(t.TempDir(), "combined.log")
	var lines []string
	for i := 1; i <= 150; i++ {
		lines = append(lines, combinedLine(i))
	}
	appendLines(t, path, lines[:100]...)
	cfg := e.config(path)
	r := e.start(cfg)
	e.waitRequests(100, 20*time.Second)
	if err := r.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
	st, _ := os.Stat(path)
	entries := readCheckpoints(t, e.state)
	if len(entries) != 1 || entries[0].Offset != st.Size() || entries[0].Line != 100 || entries[0].Format != "nginx" {
		t.Fatalf("checkpoint after a clean stop: %+v, want offset %d, line 100, nginx", entries, st.Size())
	}

	appendLines(t, path, lines[100:]...)
	r = e.start(e.config(path))
	e.waitRequests(150, 20*time.Second)
	if n := e.uint("SELECT count() FROM {requests}"); n != 150 {
		t.Errorf("%d rows after the restart, want 150: the restart re-read lines", n)
	}
	// The synthetic ids are those a one-shot load of the whole file gives.
	oneShot := chtest.Open(t)
	if err := oneShot.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Load(context.Background(), oneShot, []string{path}, ingest.Config{HashKey: cfg.HashKey}); err != nil {
		t.Fatal(err)
	}
	ids := func(db *chstore.DB) string {
		var s string
		q := "SELECT arrayStringConcat(arraySort(groupUniqArray(request_id)), ',') FROM " + db.Table("requests")
		if err := db.Conn.QueryRow(context.Background(), q).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if a, b := ids(e.db), ids(oneShot); a != b || !strings.HasPrefix(a, "s-") {
		t.Errorf("ids after a restart differ from a one-shot load's:\n%.200s\n%.200s", a, b)
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}

	// Truncated while the daemon was down: the saved offset is beyond the file.
	if err := os.WriteFile(path, []byte(combinedLine(1000)+"\n"+combinedLine(1001)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = e.start(e.config(path))
	e.waitRequests(152, 20*time.Second)
	if err := r.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
	st, _ = os.Stat(path)
	if entries := readCheckpoints(t, e.state); len(entries) != 1 || entries[0].Offset != st.Size() || entries[0].Line != 2 {
		t.Fatalf("checkpoint after reading the truncated file: %+v, want offset %d, line 2", entries, st.Size())
	}
}

func readCheckpoints(t *testing.T, dir string) []checkpoint.Entry {
	t.Helper()
	s, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	return s.Entries()
}

// TestMetricsMatchWhatWasWritten scrapes /metrics over HTTP and checks the
// counters against the lines written: good, blank and garbage ones.
func TestMetricsMatchWhatWasWritten(t *testing.T) {
	e := newEnv(t)
	path := filepath.Join(t.TempDir(), "m.jsonl")
	var lines []string
	good, blank, garbage := 0, 0, 0
	for i := range 500 {
		switch {
		case i%50 == 7:
			lines = append(lines, "not json at all")
			garbage++
		case i%100 == 3:
			lines = append(lines, "")
			blank++
		default:
			lines = append(lines, jsonLine("m", i))
			good++
		}
	}
	appendLines(t, path, lines...)
	r := e.start(e.config(path))
	srv := httptest.NewServer(r.d.Handler())
	defer srv.Close()
	e.waitRequests(uint64(good), 20*time.Second)
	st, _ := os.Stat(path)
	chtest.Eventually(t, 10*time.Second, "metrics settle", func() (bool, string) {
		mfs := scrape(t, srv.URL+"/metrics")
		check := []struct {
			name   string
			labels []string
			want   float64
		}{
			{"ratescope_ingest_lines_read_total", []string{"format", "jsonl"}, float64(len(lines))},
			{"ratescope_ingest_lines_parsed_total", []string{"format", "jsonl"}, float64(good)},
			{"ratescope_ingest_lines_rejected_total", []string{"format", "jsonl", "reason", "bad_json"}, float64(garbage)},
			{"ratescope_ingest_rows_inserted_total", []string{"table", "requests"}, float64(good)},
			{"ratescope_ingest_rows_inserted_total", []string{"table", "rejected"}, float64(garbage)},
			{"ratescope_ingest_buffer_rows", nil, 0},
			{"ratescope_ingest_buffer_max_rows", nil, 2000},
			{"ratescope_ingest_file_bytes_behind", []string{"path", path}, 0},
			{"ratescope_ingest_files_followed", nil, 1},
			{"ratescope_ingest_clickhouse_retries_total", nil, 0},
		}
		var bad []string
		for _, c := range check {
			if v, ok := value(mfs, c.name, c.labels...); !ok || v != c.want {
				bad = append(bad, fmt.Sprintf("%s%v = %v (present %v), want %v", c.name, c.labels, v, ok, c.want))
			}
		}
		if v, _ := value(mfs, "ratescope_ingest_batches_inserted_total", "table", "requests"); v < 1 {
			bad = append(bad, "no batch inserted")
		}
		if v, _ := value(mfs, "ratescope_ingest_insert_duration_seconds", "table", "requests"); v < 1 {
			bad = append(bad, "no insert timed")
		}
		if v, _ := value(mfs, "ratescope_ingest_last_insert_timestamp_seconds"); time.Since(time.Unix(int64(v), 0)) > time.Minute {
			bad = append(bad, fmt.Sprintf("last insert at %v", v))
		}
		return len(bad) == 0, strings.Join(bad, "; ")
	})
	_ = st
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
	// After the stop the connection is closed: not ready, still alive.
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz after stop: %d, want 503", resp.StatusCode)
	}
}
