package follow

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/checkpoint"
	"github.com/ratescope/ratescope/internal/chtest"
)

// TestFileNameNotUTF8: a followed file whose name is not valid UTF-8 is
// read and stored like any other, and its lag gauge carries the name with
// the bad byte escaped — no panic in the metrics (which used to crash the
// daemon, metrics served or not, and loop under Restart=on-failure).
func TestFileNameNotUTF8(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "app.log.caf\xe9")
	lines := make([]string, 20)
	for i := range lines {
		lines[i] = jsonLine("u", i)
	}
	appendLines(t, bad, lines...)
	r := e.start(e.config(filepath.Join(dir, "app.log*")))
	e.waitRequests(20, 15*time.Second)
	chtest.Eventually(t, 5*time.Second, "lag gauge for the file", func() (bool, string) {
		_, ok := value(scrapeRegistry(t, r.d), "ratescope_ingest_file_bytes_behind", "path", filepath.Join(dir, `app.log.caf\xe9`))
		return ok, "no series"
	})
	if err := r.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

func TestPathLabel(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/var/log/app.log", "/var/log/app.log"},
		{"/var/log/café.log", "/var/log/café.log"},
		{"/var/log/caf\xe9.log", `/var/log/caf\xe9.log`},
		{"\xff\xfe", `\xff\xfe`},
	} {
		if got := pathLabel(c.in); got != c.want {
			t.Errorf("pathLabel(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestCheckpointFollowsRename: a file renamed within the patterns while
// quiet gets its new name in the checkpoint (which used to keep the old
// one until the next line came).
func TestCheckpointFollowsRename(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	first := filepath.Join(dir, "a.log")
	appendLines(t, first, jsonLine("n", 1), jsonLine("n", 2))
	r := e.start(e.config(filepath.Join(dir, "*.log")))
	e.waitRequests(2, 15*time.Second)
	second := filepath.Join(dir, "b.log")
	if err := os.Rename(first, second); err != nil {
		t.Fatal(err)
	}
	chtest.Eventually(t, 10*time.Second, "checkpoint under the new name", func() (bool, string) {
		b, err := os.ReadFile(filepath.Join(e.state, checkpoint.FileName))
		if err != nil {
			return false, err.Error()
		}
		var st struct{ Files []checkpoint.Entry }
		if err := json.Unmarshal(b, &st); err != nil {
			return false, err.Error()
		}
		var paths []string
		for _, en := range st.Files {
			paths = append(paths, en.Path)
		}
		return len(paths) == 1 && paths[0] == second, fmt.Sprint(paths)
	})
	if err := r.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
}
