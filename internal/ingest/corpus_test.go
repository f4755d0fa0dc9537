package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/loggen"
)

// corpusFiles lists every fixture of log lines the project has: the shared
// real-world corpus (read in place), the repository's own real-world
// fixtures (testdata/), and the packages' synthetic fixtures.
func corpusFiles(t *testing.T) []string {
	t.Helper()
	root := chtest.RepoRoot(t)
	var files []string
	for _, pattern := range []string{
		filepath.Join(chtest.RealTestdata(t), "*", "*.log"),
		filepath.Join(root, "testdata", "access", "*", "*.log"),
		filepath.Join(root, "testdata", "bodies", "*.jsonl"),
		filepath.Join(root, "internal", "ingest", "testdata", "*.*"),
		filepath.Join(root, "internal", "ingest", "testdata", "secrets", "*"),
		filepath.Join(root, "internal", "accesslog", "testdata", "*.log"),
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	// The generated sample of every format (make demo's), with its gzip
	// archive, bad lines and secrets.
	sample := t.TempDir()
	if _, err := loggen.Generate(context.Background(), sample, loggen.Config{Seed: 9, End: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC), Requests: 2000}); err != nil {
		t.Fatalf("generate a sample: %v", err)
	}
	for _, pattern := range []string{"*.log", "*.jsonl", "*.gz"} {
		m, err := filepath.Glob(filepath.Join(sample, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	files = append(files, filepath.Join(root, "cmd", "report", "testdata", "retries.jsonl"))
	if len(files) < 30 {
		t.Fatalf("only %d corpus files found", len(files))
	}
	return files
}

var criPart = regexp.MustCompile(`^\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d) std(out|err) P`)

// logicalLines counts a file's lines the way a reader of the file would,
// independently of the loader: non-blank lines, the parts of a line a
// container runtime split counting once with their last part.
func logicalLines(t *testing.T, path string) uint64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	pending := false
	for line := range bytes.Lines(data) {
		line = bytes.TrimRight(line, "\r\n")
		partial := criPart.Match(line)
		if bytes.HasPrefix(line, []byte(`{"log":`)) {
			var d struct{ Log *string }
			if json.Unmarshal(line, &d) == nil && d.Log != nil {
				partial = !strings.HasSuffix(*d.Log, "\n")
			}
		}
		switch {
		case partial:
			pending = true
		case pending:
			n++
			pending = false
		case len(bytes.TrimSpace(line)) > 0:
			n++
		}
	}
	if pending {
		n++
	}
	return n
}

// wrapCorpus writes, for each real file, a copy as Kubernetes' CRI would
// write it, one as Docker's json-file driver would, and one with every
// line split in two CRI parts; it returns the copies by original.
func wrapCorpus(t *testing.T, files []string) map[string][]string {
	t.Helper()
	dir := t.TempDir()
	out := map[string][]string{}
	for _, src := range files {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(filepath.Dir(src)) + "-" + filepath.Base(src)
		var cri, docker, split bytes.Buffer
		for line := range bytes.Lines(data) {
			line = bytes.TrimRight(line, "\n")
			fmt.Fprintf(&cri, "2026-11-20T10:00:00.123456789Z stdout F %s\n", line)
			logText, _ := json.Marshal(string(line) + "\n")
			fmt.Fprintf(&docker, `{"log":%s,"stream":"stdout","time":"2026-11-20T10:00:00.123456789Z"}`+"\n", logText)
			half := len(line) / 2
			fmt.Fprintf(&split, "2026-11-20T10:00:00.1Z stdout P %s\n2026-11-20T10:00:00.2Z stdout F %s\n", line[:half], line[half:])
		}
		for kind, b := range map[string]*bytes.Buffer{"cri": &cri, "docker": &docker, "split": &split} {
			p := filepath.Join(dir, kind+"-"+base)
			if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			out[src] = append(out[src], p)
		}
	}
	return out
}

// TestCorpusEveryLineStoredOrRejected loads every fixture — real and
// synthetic, bare and inside container wrappers — into the real ClickHouse
// and checks the invariant: each line read is either stored (an access
// record or an error body) or rejected, in the load's counts and in the
// tables; and a line inside a wrapper is stored exactly as the bare line.
func TestCorpusEveryLineStoredOrRejected(t *testing.T) {
	files := corpusFiles(t)
	real, err := filepath.Glob(filepath.Join(chtest.RealTestdata(t), "*", "*.log"))
	if err != nil {
		t.Fatal(err)
	}
	wrapped := wrapCorpus(t, real)
	all := append([]string(nil), files...)
	for _, src := range real {
		all = append(all, wrapped[src]...)
	}

	db := chtest.MigratedDB(t)
	ctx := context.Background()
	// Background merges would fold re-logged request ids and blur the
	// row counts this test compares.
	if err := db.Conn.Exec(ctx, "SYSTEM STOP MERGES "+db.Table("requests")); err != nil {
		t.Fatal(err)
	}
	// Some fixtures are rejected whole on purpose (bare bodies without a
	// request id, syslog lines, bad values): the load names them as mostly
	// rejected, which is no reason to stop checking where their lines went.
	st, err := Load(ctx, db, all, Config{HashKey: []byte("k")})
	if err != nil && !onlyMostlyRejected(err) {
		t.Fatalf("load: %v", err)
	}
	if len(st.Files) != len(all) {
		t.Fatalf("%d files loaded, want %d", len(st.Files), len(all))
	}
	var lines uint64
	for _, fs := range st.Files {
		lines += fs.Lines
		if fs.Lines != fs.Access+fs.ErrorBodies+fs.Rejected {
			t.Errorf("%s: %d lines read, %d access + %d bodies + %d rejected", fs.Name, fs.Lines, fs.Access, fs.ErrorBodies, fs.Rejected)
		}
		if want := logicalLines(t, fs.Name); fs.Lines != want {
			t.Errorf("%s: %d lines read, the file has %d", fs.Name, fs.Lines, want)
		}
		stored := queryUint(t, db, "SELECT count() FROM "+db.Table("requests")+" WHERE source = ?", fs.Name)
		rejected := queryUint(t, db, "SELECT count() FROM "+db.Table("rejected")+" WHERE source = ?", fs.Name)
		if stored != fs.Access+fs.ErrorBodies || rejected != fs.Rejected {
			t.Errorf("%s: %d rows and %d dead letters in ClickHouse; the load counted %d stored, %d rejected",
				fs.Name, stored, rejected, fs.Access+fs.ErrorBodies, fs.Rejected)
		}
	}
	t.Logf("%d files, %d lines: %d access, %d bodies, %d rejected %v", len(st.Files), lines,
		st.Total.Access, st.Total.ErrorBodies, st.Total.Rejected, st.Total.Reasons)

	// A wrapped line is the bare line: the same fields, the same rejects.
	for _, src := range real {
		want := corpusRows(t, db, src)
		for _, w := range wrapped[src] {
			if got := corpusRows(t, db, w); got != want {
				t.Errorf("%s differs from %s:\n got %s\nwant %s", filepath.Base(w), filepath.Base(src), got, want)
			}
		}
	}
}

// corpusRows renders what one source stored and rejected, order-free.
func corpusRows(t *testing.T, db *chstore.DB, source string) string {
	t.Helper()
	ctx := context.Background()
	var out []string
	rows, err := db.Conn.Query(ctx, "SELECT time_ms, status, method, path, client_ip, latency_ms, request_id, err_code FROM "+
		db.Table("requests")+" WHERE source = ? AND synthetic = 0", source)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var (
			ms                          int64
			status                      uint16
			method, path, ip, rid, code string
			latency                     float32
		)
		if err := rows.Scan(&ms, &status, &method, &path, &ip, &latency, &rid, &code); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(ms, status, method, path, ip, latency, rid, code))
	}
	_ = rows.Close()
	// Synthetic ids hash the line, so they equal across wrappers; compare
	// them as a count with the other fields.
	var n uint64
	if err := db.Conn.QueryRow(ctx, "SELECT count() FROM "+db.Table("requests")+" WHERE source = ? AND synthetic = 1", source).Scan(&n); err != nil {
		t.Fatal(err)
	}
	out = append(out, fmt.Sprint("synthetic:", n))
	rrows, err := db.Conn.Query(ctx, "SELECT reason FROM "+db.Table("rejected")+" WHERE source = ?", source)
	if err != nil {
		t.Fatal(err)
	}
	for rrows.Next() {
		var reason string
		if err := rrows.Scan(&reason); err != nil {
			t.Fatal(err)
		}
		out = append(out, "rejected:"+reason)
	}
	_ = rrows.Close()
	sort.Strings(out)
	return strings.Join(out, " | ")
}
