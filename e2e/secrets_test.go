package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/clitest"
)

// The credential corpus of internal/ingest (every form a hostile test
// found stored, and more; each value holds a marker LEAKnn).
var corpus = []string{"access.jsonl", "errors.jsonl", "bad.jsonl", "combined.log"}

func corpusPaths(t *testing.T) ([]string, []string) {
	t.Helper()
	dir := filepath.Join(chtest.RepoRoot(t), "internal", "ingest", "testdata", "secrets")
	var paths, markers []string
	re := regexp.MustCompile(`LEAK[0-9]+`)
	for _, f := range corpus {
		p := filepath.Join(dir, f)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
		markers = append(markers, re.FindAllString(string(b), -1)...)
	}
	slices.Sort(markers)
	return paths, slices.Compact(markers)
}

// TestSecretCorpusThroughTheBinaries loads the credential corpus with the
// real ingest binary, once as a load and once through the daemon (ingest
// --follow, stopped with SIGTERM), each into a database of its own, and
// scans every text column of every table of both for every marker.
func TestSecretCorpusThroughTheBinaries(t *testing.T) {
	paths, markers := corpusPaths(t)
	if len(markers) < 80 {
		t.Fatalf("the corpus holds %d markers", len(markers))
	}
	ingest := clitest.Build(t, "ingest")
	env := []string{"RATESCOPE_HASH_KEY=e2e"}

	t.Run("load", func(t *testing.T) {
		url := chtest.NewURL(t)
		r := clitest.Cmd{Env: env}.Run(t, ingest, append([]string{"--clickhouse", url}, paths...)...)
		// bad.jsonl is all bad lines: the load says so and exits 1, the
		// lines kept as dead letters; nothing else may fail.
		for _, line := range strings.Split(strings.TrimSpace(r.Stderr), "\n") {
			if line != "" && !strings.Contains(line, " lines rejected (") && !strings.HasPrefix(line, "ingest: note: ") {
				t.Fatalf("exit %d: %s", r.Code, r.Stderr)
			}
		}
		scan(t, url, markers)
	})

	t.Run("daemon", func(t *testing.T) {
		url := chtest.NewURL(t)
		dir := t.TempDir()
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command(ingest, "--follow", "--clickhouse", url, "--state-dir", t.TempDir(), "--metrics-addr", "", filepath.Join(dir, "*"))
		cmd.Env = append(os.Environ(), env...)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var log strings.Builder
		logDone := make(chan struct{})
		go func() {
			defer close(logDone)
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				log.WriteString(sc.Text() + "\n")
			}
		}()
		db := open(t, url)
		chtest.Eventually(t, 60*time.Second, "the corpus stored", func() (bool, string) {
			var n uint64
			_ = db.Conn.QueryRow(context.Background(), "SELECT uniqExact(request_id) FROM "+db.Table("requests")).Scan(&n)
			return n >= 40, fmt.Sprintf("%d requests", n)
		})
		time.Sleep(2 * time.Second) // the rest of the batch
		_ = cmd.Process.Signal(syscall.SIGTERM)
		err = cmd.Wait()
		<-logDone
		if err != nil {
			t.Fatalf("daemon: %v\n%s", err, log.String())
		}
		scan(t, url, markers)
	})
}

func open(t *testing.T, url string) *chstore.DB {
	t.Helper()
	db, err := chstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func scan(t *testing.T, url string, markers []string) {
	t.Helper()
	chtest.AssertNoSecrets(t, open(t, url), markers)
}
