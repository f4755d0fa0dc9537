package checkpoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stateDir returns a fresh state directory holding fixture (from testdata)
// as its checkpoint file; "" leaves it without one.
func stateDir(t *testing.T, fixture string) string {
	t.Helper()
	dir := t.TempDir()
	if fixture != "" {
		b, err := os.ReadFile(filepath.Join("testdata", fixture))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, FileName), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

func TestOpenBadFiles(t *testing.T) {
	f := func(fixture, want string) {
		t.Helper()
		t.Run(fixture, func(t *testing.T) {
			dir := stateDir(t, fixture)
			_, err := Open(dir)
			path := filepath.Join(dir, FileName)
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want one naming %s and saying %q", err, path, want)
			}
			// The lock is released on failure: a fixed file can be opened.
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			open(t, dir)
		})
	}
	f("empty.json", "empty file")
	f("truncated.json", "corrupt")
	f("noversion.json", "no version")
	f("future.json", "unknown version 7")
	f("fp_beyond_offset.json", "fingerprint of 10 bytes")
	f("bad_chain.json", "chain")
	f("duplicate.json", "listed twice")
}

func TestOpenDirectoryInsteadOfFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("err = %v, want one naming %s as a directory", err, path)
	}
}

func TestOpenMissingFileIsEmpty(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "state")
	s := open(t, dir)
	if n := len(s.Entries()); n != 0 {
		t.Fatalf("%d entries in a new state directory", n)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("state directory not created private: %v %v", fi, err)
	}
}

func TestReadGoodFile(t *testing.T) {
	s := open(t, stateDir(t, "good.json"))
	e, ok := s.Get(Key{Dev: 2049, Ino: 131})
	if !ok {
		t.Fatal("entry of 2049:131 not loaded")
	}
	want := Entry{
		Key:         Key{Dev: 2049, Ino: 131},
		Fingerprint: Fingerprint{Len: 1024, Sum: 12345678901234567890},
		Offset:      4096, Line: 17,
		Source: "/var/log/gw/access.log", Path: "/var/log/gw/access.log.1", Format: "nginx-json",
		Chain:      Chain{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
		LastTimeMs: 1795168800000,
	}
	if e != want {
		t.Fatalf("entry %+v, want %+v", e, want)
	}
}

func TestRoundTripAndAtomicWrite(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	a := Entry{Key: Key{1, 10}, Offset: 300, Line: 3, Source: "/l/a.log", Format: "nginx", Fingerprint: Fingerprint{Len: 300, Sum: 42}, Chain: Chain{9}}
	b := Entry{Key: Key{1, 11}, Offset: 0, Source: "/l/b.log", Format: "jsonl"}
	s.Set(b)
	s.Set(a)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	a.Offset, a.Line = 600, 6
	s.Set(a)
	s.Delete(b.Key)
	if err := s.Stop(); err != nil { // Stop flushes
		t.Fatal(err)
	}
	// Only the checkpoint file and the lock are left: no temp files.
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range names {
		got = append(got, n.Name())
	}
	if strings.Join(got, ",") != FileName+","+lockName {
		t.Errorf("state directory holds %v", got)
	}
	s2 := open(t, dir)
	entries := s2.Entries()
	if len(entries) != 1 || entries[0] != a {
		t.Fatalf("reopened entries %+v, want only %+v", entries, a)
	}
	if !strings.Contains(string(first), "/l/b.log") || !strings.Contains(string(first), `"chain": "09000000000000000000000000000000"`) {
		t.Errorf("first write lacks an entry or its chain:\n%s", first)
	}
}

func TestFailedWriteKeepsPreviousFile(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	s.Set(Entry{Key: Key{1, 1}, Offset: 10, Source: "/a"})
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(s.Path())
	// Make the rename fail: the checkpoint path becomes a non-empty directory.
	moved := s.Path() + ".saved"
	if err := os.Rename(s.Path(), moved); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(s.Path(), "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	s.Set(Entry{Key: Key{1, 1}, Offset: 20, Source: "/a"})
	err := s.Flush()
	if err == nil || !strings.Contains(err.Error(), s.Path()) {
		t.Fatalf("flush over a directory: err = %v, want one naming %s", err, s.Path())
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(tmps) != 0 {
		t.Errorf("failed write left %v", tmps)
	}
	// Once the path is free again, the next flush writes the newer entry.
	if err := os.RemoveAll(s.Path()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(moved, s.Path()); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(s.Path()); string(after) != string(before) {
		t.Fatal("previous checkpoint file changed")
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if e, _ := decodeFile(t, s.Path()); e[0].Offset != 20 {
		t.Errorf("retried flush wrote offset %d, want 20", e[0].Offset)
	}
}

func decodeFile(t *testing.T, path string) ([]Entry, error) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return decode(b)
}

func TestTickerFlushes(t *testing.T) {
	s := open(t, t.TempDir())
	s.Start(10*time.Millisecond, func(err error) { t.Error(err) })
	s.Set(Entry{Key: Key{3, 4}, Offset: 7, Source: "/t"})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if b, err := os.ReadFile(s.Path()); err == nil && strings.Contains(string(b), `"offset": 7`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the ticker never wrote the checkpoint file")
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.Set(Entry{Key: Key{3, 4}, Offset: 8, Source: "/t"})
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if e, _ := decodeFile(t, s.Path()); len(e) != 1 || e[0].Offset != 8 {
		t.Errorf("after Stop the file holds %+v, want offset 8", e)
	}
}

func TestSecondStoreOnSameDirIsRefused(t *testing.T) {
	dir := t.TempDir()
	open(t, dir)
	_, err := Open(dir)
	if err == nil || !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second Open: err = %v, want 'in use' naming %s", err, dir)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("STATE_DIRECTORY", "/var/lib/ratescope-ingest:/other")
	if d := DefaultDir(); d != "/var/lib/ratescope-ingest" {
		t.Errorf("with STATE_DIRECTORY: %s", d)
	}
	t.Setenv("STATE_DIRECTORY", "")
	t.Setenv("XDG_STATE_HOME", "/x/state")
	if d := DefaultDir(); d != "/x/state/ratescope" {
		t.Errorf("with XDG_STATE_HOME: %s", d)
	}
}

// TestOnWrite: OnWrite hears of each flush that wrote the file, and of
// no other.
func TestOnWrite(t *testing.T) {
	s := open(t, t.TempDir())
	var writes []time.Time
	s.OnWrite = func(at time.Time) { writes = append(writes, at) }
	if err := s.Flush(); err != nil { // nothing to write
		t.Fatal(err)
	}
	s.Set(Entry{Key: Key{1, 10}, Offset: 300, Source: "/l/a.log", Format: "nginx"})
	before := time.Now()
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil { // clean again
		t.Fatal(err)
	}
	if len(writes) != 1 || writes[0].Before(before) {
		t.Errorf("OnWrite heard %v, want one write after %v", writes, before)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}
