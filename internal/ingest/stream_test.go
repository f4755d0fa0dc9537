package ingest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
)

// jsonLines writes JSON access lines from..to-1 to w.
func jsonLines(w io.Writer, from, to int) error {
	for i := from; i < to; i++ {
		if _, err := fmt.Fprintf(w, `{"time":"2026-11-20T10:%02d:%02dZ","request_id":"st-%d","method":"GET","path":"/v1/items/%d","status":200}`+"\n", i/60%60, i%60, i, i); err != nil {
			return err
		}
	}
	return nil
}

// loadResult is what a Load run by startLoad returned.
type loadResult struct {
	st  Stats
	err error
}

// startLoad runs Load of path into db in a goroutine; the channel gets
// what it returned.
func startLoad(db *chstore.DB, path string, cfg Config) <-chan loadResult {
	done := make(chan loadResult, 1)
	go func() {
		st, err := Load(context.Background(), db, []string{path}, cfg)
		done <- loadResult{st, err}
	}()
	return done
}

// finishLoad closes the load's input w, waits for the load and checks
// that it counted and stored want access records, each once.
func finishLoad(t *testing.T, db *chstore.DB, w io.Closer, done <-chan loadResult, want uint64) {
	t.Helper()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.st.Total.Access != want {
		t.Errorf("load counted %d access records, want %d", r.st.Total.Access, want)
	}
	if got := queryUint(t, db, "SELECT uniqExact(request_id) FROM "+db.Table("requests")); got != want {
		t.Errorf("%d distinct request ids stored, want %d", got, want)
	}
}

// requestParts counts the active parts of db's requests table.
func requestParts(t *testing.T, db *chstore.DB) uint64 {
	t.Helper()
	return queryUint(t, db, "SELECT count() FROM system.parts WHERE database = ? AND table = 'requests' AND active", db.Name)
}

// TestLoadStreamsBatchRowsPerInsert: through ClickHouse a load hands its
// inserters batches of StreamBatchRows and sends them to INSERTs of
// BatchRows rows — one part per INSERT, however many batches went into it
// — so the rows it holds do not grow with BatchRows. A sink that cannot
// stream gets whole batches of BatchRows, as before.
func TestLoadStreamsBatchRowsPerInsert(t *testing.T) {
	const n = 3*StreamBatchRows + 100
	path := t.TempDir() + "/a.log"
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := jsonLines(f, 0, n); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	db := chtest.MigratedDB(t)
	if l := newLoader(db, Config{BatchRows: DefaultBatchRows, Inserters: 1}); l.handed != StreamBatchRows {
		t.Errorf("rows handed at a time through ClickHouse: %d, want %d", l.handed, StreamBatchRows)
	}
	if l := newLoader(&countingSink{}, Config{BatchRows: 1000, Inserters: 1}); l.handed != 1000 {
		t.Errorf("rows handed at a time to a sink that cannot stream: %d, want 1000", l.handed)
	}
	st, err := Load(context.Background(), db, []string{path}, Config{HashKey: []byte("k"), Format: accesslog.FormatJSONL, Inserters: 1})
	if err != nil {
		t.Fatal(err)
	}
	if st.Total.Access != n {
		t.Fatalf("stored %d access records, want %d", st.Total.Access, n)
	}
	if got := queryUint(t, db, "SELECT uniqExact(request_id) FROM "+db.Table("requests")); got != n {
		t.Errorf("%d distinct request ids stored, want %d", got, n)
	}
	if p := requestParts(t, db); p != 1 {
		t.Errorf("%d parts after a load of %d rows in %d batches into one INSERT, want 1", p, n, n/StreamBatchRows+1)
	}
	// INSERTs of 2 batches: the same rows in 2 parts (4 batches).
	db2 := chtest.MigratedDB(t)
	if _, err := Load(context.Background(), db2, []string{path}, Config{HashKey: []byte("k"), Format: accesslog.FormatJSONL, Inserters: 1, BatchRows: 2 * StreamBatchRows}); err != nil {
		t.Fatal(err)
	}
	if p := requestParts(t, db2); p != 2 {
		t.Errorf("%d parts with INSERTs of %d rows, want 2", p, 2*StreamBatchRows)
	}
}

// TestLoadStreamEndsInsertWhenSourcePauses: lines arriving on stdin in two
// bursts, with a pause longer than streamIdle between them: the first
// burst's INSERT is ended during the pause, so its rows are stored while
// the load still runs (and the server is not left waiting on an open
// INSERT), and the second burst's at the end.
func TestLoadStreamEndsInsertWhenSourcePauses(t *testing.T) {
	db := chtest.MigratedDB(t)
	pr, pw := io.Pipe()
	// Enough lines for a full batch to be merged back from the workers
	// while the first burst is read: with one worker, at most 2 chunks
	// wait to be merged.
	const first, total = StreamBatchRows + 4*ChunkLines, StreamBatchRows + 4*ChunkLines + 500
	done := startLoad(db, "-", Config{HashKey: []byte("k"), Format: accesslog.FormatJSONL, Stdin: pr, Inserters: 1, Workers: 1})
	if err := jsonLines(pw, 0, first); err != nil {
		t.Fatal(err)
	}
	// The first full batch went to the inserter; after streamIdle without
	// another, its INSERT ends and its rows are stored.
	chtest.Eventually(t, streamIdle+10*time.Second, "the first batch stored while stdin is still open", func() (bool, string) {
		got := queryUint(t, db, "SELECT count() FROM "+db.Table("requests"))
		return got >= StreamBatchRows, fmt.Sprintf("%d rows stored", got)
	})
	select {
	case r := <-done:
		t.Fatalf("the load ended before stdin closed: %+v", r)
	default:
	}
	if err := jsonLines(pw, first, total); err != nil {
		t.Fatal(err)
	}
	finishLoad(t, db, pw, done, total)
}

// TestLoadStoresWhatAPausedWriterSent: a writer that trickles lines into
// stdin, or into a named pipe, far fewer than a batch, and then pauses:
// the lines it sent are stored while it is silent and the input still
// open — after sourceIdle the reader hands them over, after streamIdle
// their INSERT ends — and so are the few it sends after, at the next
// pause. Before, they waited for a batch more (8,192 rows) or the end,
// and for DetectSampleLines lines even with the format given.
func TestLoadStoresWhatAPausedWriterSent(t *testing.T) {
	for _, input := range []string{"stdin", "fifo"} {
		t.Run(input, func(t *testing.T) {
			db := chtest.MigratedDB(t)
			path, stdin := "-", io.Reader(nil)
			var w io.WriteCloser
			switch input {
			case "stdin":
				pr, pw := io.Pipe()
				stdin, w = pr, pw
			case "fifo":
				path = filepath.Join(t.TempDir(), "access.fifo")
				if err := syscall.Mkfifo(path, 0o600); err != nil {
					t.Skipf("no named pipes here: %v", err)
				}
			}
			// Two workers: the lines wait in the workers' queue, not only in the batch.
			done := startLoad(db, path, Config{HashKey: []byte("k"), Format: accesslog.FormatJSONL, Stdin: stdin, Workers: 2})
			if input == "fifo" {
				f, err := os.OpenFile(path, os.O_WRONLY, 0) // waits for the load to open it
				if err != nil {
					t.Fatal(err)
				}
				w = f
			}
			stored := func(want uint64, what string) {
				t.Helper()
				chtest.Eventually(t, sourceIdle+streamIdle+10*time.Second, what, func() (bool, string) {
					got := queryUint(t, db, "SELECT count() FROM "+db.Table("requests"))
					return got == want, fmt.Sprintf("%d rows stored, want %d", got, want)
				})
				select {
				case r := <-done:
					t.Fatalf("the load ended before its input closed: %+v", r)
				default:
				}
			}
			// Fewer than DetectSampleLines: with the format given, the
			// first line is all the reader waits for before it stores.
			const first, second = 3, 3 + 7
			if err := jsonLines(w, 0, first); err != nil {
				t.Fatal(err)
			}
			stored(first, "the first lines stored while the writer pauses")
			if err := jsonLines(w, first, second); err != nil {
				t.Fatal(err)
			}
			stored(second, "the next lines stored at the next pause")
			finishLoad(t, db, w, done, second)
		})
	}
}
