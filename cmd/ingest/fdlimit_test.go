package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/clitest"
)

// TestFollowOutOfDescriptors runs the daemon with a hard `ulimit -n` of
// 48 over 150 matched files. It used to take every open file for
// rotated once the glob could not list the directory, close and reopen
// them in a loop, and store only part of the ids. Now it keeps the files
// it has open and reads them, says once that it is out of descriptors,
// exports files_waiting and descriptors_exhausted_total — and as read
// files are deleted (rotated away), opens the waiting ones in turn until
// every line is stored.
func TestFollowOutOfDescriptors(t *testing.T) {
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Skip("needs prlimit (util-linux)")
	}
	ingest := clitest.Build(t, "ingest")
	url := chtest.NewURL(t)
	dir := t.TempDir()
	const files, perFile = 150, 3
	for f := range files {
		var b strings.Builder
		for i := range perFile {
			b.WriteString(jsonLine(fmt.Sprintf("fd%03d", f), i) + "\n")
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.log", f)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := startDaemonVia(t, []string{"prlimit", "--nofile=48:48", "--"}, ingest,
		"--clickhouse", url, "--state-dir", t.TempDir(), "--poll-interval", "50ms", filepath.Join(dir, "*.log"))
	base := d.metricsURL()
	db := openDB(t, url)

	var waiting float64
	chtest.Eventually(t, 30*time.Second, "files waiting for descriptors, the open ones stored", func() (bool, string) {
		mfs := scrapeMetrics(t, base)
		waiting = metric(mfs, "ratescope_ingest_files_waiting")
		followed := metric(mfs, "ratescope_ingest_files_followed")
		n := distinctIDs(t, db)
		return waiting > 0 && followed > 0 && n >= uint64(followed)*perFile && metric(mfs, "ratescope_ingest_descriptors_exhausted_total") >= 1,
			fmt.Sprintf("waiting %v, followed %v, %d ids stored", waiting, followed, n)
	})
	time.Sleep(3 * time.Second) // the old loop made thousands of events in this time
	mfs := scrapeMetrics(t, base)
	if r := metric(mfs, "ratescope_ingest_file_events_total", "event", "rotated"); r != 0 {
		t.Errorf("%v files taken for rotated while out of descriptors", r)
	}
	if o := metric(mfs, "ratescope_ingest_file_events_total", "event", "opened"); o > files {
		t.Errorf("%v opens for %d files: files were reopened", o, files)
	}
	if n := strings.Count(d.log(), "out of file descriptors"); n != 1 {
		t.Errorf("said %d times that it is out of descriptors, want once", n)
	}

	// Rotation deletes the files read, freeing their descriptors: the
	// waiting files are opened in turn, until every line is stored.
	deleted := map[string]bool{}
	chtest.Eventually(t, 120*time.Second, "every line stored as read files are deleted", func() (bool, string) {
		rows, err := db.Conn.Query(context.Background(), "SELECT substring(request_id, 1, 5) AS f FROM "+db.Table("requests")+
			" GROUP BY f HAVING uniqExact(request_id) = ?", perFile)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var f string
			if err := rows.Scan(&f); err != nil {
				t.Fatal(err)
			}
			if name := filepath.Join(dir, strings.Replace(f, "fd", "f", 1)+".log"); !deleted[name] {
				deleted[name] = true
				_ = os.Remove(name)
			}
		}
		n := distinctIDs(t, db)
		return n == files*perFile, fmt.Sprintf("%d of %d", n, files*perFile)
	})
	chtest.Eventually(t, 10*time.Second, "no file waiting", func() (bool, string) {
		w := metric(scrapeMetrics(t, base), "ratescope_ingest_files_waiting")
		return w == 0, fmt.Sprint(w)
	})
	if !strings.Contains(d.log(), "file descriptors available again") {
		t.Error("the end of the shortage was not logged")
	}
	if code, _ := d.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Errorf("SIGTERM: exit %d", code)
	}
}
