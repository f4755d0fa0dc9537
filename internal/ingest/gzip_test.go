package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chtest"
)

// gzipLines returns n JSON access lines, plain and gzip-compressed.
func gzipLines(t *testing.T, n int) (plain, gz []byte) {
	t.Helper()
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `{"time":"2026-11-20T10:%02d:%02dZ","request_id":"gz-%d","method":"GET","path":"/v1/items/%d","status":200}`+"\n", i/60%60, i%60, i, i)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	if _, err := zw.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), z.Bytes()
}

// TestLoadCorruptGzip: a gzip file with two flipped bytes loads nothing —
// no rows with mangled ids, no dead letters — and says why; the good file
// loaded afterwards gives exactly its requests. Before, the stream was
// stored up to the failed checksum: 5,017 requests and 2,432 rejects
// where the truth was 5,000 and 0.
func TestLoadCorruptGzip(t *testing.T) {
	_, good := gzipLines(t, 5000)
	bad := bytes.Clone(good)
	bad[len(bad)/2] ^= 0x55
	bad[len(bad)/2+1000] ^= 0x0f
	dir := t.TempDir()
	goodPath, badPath := filepath.Join(dir, "good.log.gz"), filepath.Join(dir, "bad.log.gz")
	for p, b := range map[string][]byte{goodPath: good, badPath: bad} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := map[string]func(db Sink) error{
		"file": func(db Sink) error {
			_, err := Load(context.Background(), db, []string{badPath}, Config{HashKey: []byte("k"), Format: accesslog.FormatJSONL})
			return err
		},
		"stdin": func(db Sink) error {
			_, err := Load(context.Background(), db, []string{"-"}, Config{HashKey: []byte("k"), Format: accesslog.FormatJSONL, Stdin: bytes.NewReader(bad)})
			return err
		},
	}
	for name, loadBad := range cases {
		t.Run(name, func(t *testing.T) {
			db := chtest.MigratedDB(t)
			err := loadBad(db)
			if !errors.Is(err, ErrCorruptGzip) || !strings.Contains(err.Error(), "nothing was loaded from it") {
				t.Fatalf("err = %v, want a corrupt gzip error saying nothing was loaded", err)
			}
			req, rej := db.Table("requests"), db.Table("rejected")
			if n := queryUint(t, db, "SELECT count() FROM "+req); n != 0 {
				t.Errorf("%d rows stored from the corrupt stream", n)
			}
			if n := queryUint(t, db, "SELECT count() FROM "+rej); n != 0 {
				t.Errorf("%d dead letters stored from the corrupt stream", n)
			}
			load(t, db, Config{Format: accesslog.FormatJSONL}, goodPath)
			if n := queryUint(t, db, "SELECT uniqExact(request_id) FROM "+req); n != 5000 {
				t.Errorf("%d requests after loading the good file, want 5000", n)
			}
			if n := queryUint(t, db, "SELECT count() FROM "+rej); n != 0 {
				t.Errorf("%d dead letters after loading the good file, want 0", n)
			}
		})
	}
}

// TestLoadTruncatedGzip: a gzip file cut short (still being written, or
// a partial copy) is refused the same way.
func TestLoadTruncatedGzip(t *testing.T) {
	_, good := gzipLines(t, 2000)
	path := filepath.Join(t.TempDir(), "cut.log.gz")
	if err := os.WriteFile(path, good[:len(good)*2/3], 0o644); err != nil {
		t.Fatal(err)
	}
	db := chtest.MigratedDB(t)
	_, err := Load(context.Background(), db, []string{path}, Config{HashKey: []byte("k"), Format: accesslog.FormatJSONL})
	if !errors.Is(err, ErrCorruptGzip) {
		t.Fatalf("err = %v, want ErrCorruptGzip", err)
	}
	if n := queryUint(t, db, "SELECT count() FROM "+db.Table("requests")); n != 0 {
		t.Errorf("%d rows stored from a truncated gzip file", n)
	}
}
