package follow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/tail"
)

func TestDifference(t *testing.T) {
	id := func(dev, ino uint64) tail.FileID { return tail.FileID{Dev: dev, Ino: ino} }
	set := func(ids ...tail.FileID) map[tail.FileID]string {
		m := map[tail.FileID]string{}
		for _, x := range ids {
			m[x] = x.String()
		}
		return m
	}
	cases := []struct {
		name string
		a, b map[tail.FileID]string
		want []tail.FileID
	}{
		{"both empty", set(), set(), nil},
		{"all new", set(id(1, 3), id(1, 2)), set(), []tail.FileID{id(1, 2), id(1, 3)}},
		{"nothing new", set(id(1, 2)), set(id(1, 2), id(1, 9)), nil},
		{"rotation: same path, new inode", set(id(1, 5)), set(id(1, 4)), []tail.FileID{id(1, 5)}},
		{"same inode on another device is another file", set(id(2, 4), id(1, 4)), set(id(1, 4)), []tail.FileID{id(2, 4)}},
		{"ordered by device, then inode", set(id(2, 1), id(1, 9), id(1, 10)), set(), []tail.FileID{id(1, 9), id(1, 10), id(2, 1)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := difference(c.a, c.b); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("difference = %v, want %v", got, c.want)
			}
		})
	}
}

func TestGlobFindsRegularFilesByIdentity(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.log", "b.log", "c.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "d.log"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "a.log"), filepath.Join(dir, "z.log")); err != nil {
		t.Fatal(err)
	}
	found, err := glob([]string{filepath.Join(dir, "*.log"), filepath.Join(dir, "a.log"), filepath.Join(dir, "[")})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, p := range found {
		paths = append(paths, filepath.Base(p))
	}
	if len(found) != 2 || !contains(paths, "a.log") || !contains(paths, "b.log") {
		t.Errorf("glob found %v; want a.log and b.log once each (no directory, the symlink folded into its target)", paths)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestBackoffFullJitterCapped(t *testing.T) {
	b := backoff{base: 100 * time.Millisecond, max: 30 * time.Second}
	ceilings := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}
	for attempt, want := range ceilings {
		b.rnd = func(n int64) int64 { return n - 1 } // the top of the range
		if got := b.delay(attempt); got != want-1 {
			t.Errorf("attempt %d: top delay %v, want just under %v", attempt, got, want)
		}
		b.rnd = func(int64) int64 { return 0 }
		if got := b.delay(attempt); got != 0 {
			t.Errorf("attempt %d: bottom delay %v, want 0 (full jitter)", attempt, got)
		}
	}
	b.rnd = func(n int64) int64 { return n - 1 }
	for _, attempt := range []int{9, 10, 30, 62, 63, 1000} {
		if got := b.delay(attempt); got != b.max-1 {
			t.Errorf("attempt %d: top delay %v, want the cap %v", attempt, got, b.max)
		}
	}
	b.rnd = nil // the real source stays within the range
	for attempt := range 40 {
		if got := b.delay(attempt); got < 0 || got >= b.max {
			t.Fatalf("attempt %d: delay %v outside [0, %v)", attempt, got, b.max)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	connect := func(context.Context) (Store, error) { return nil, errors.New("not called") }
	f := func(cfg Config, want string) {
		t.Helper()
		cfg.StateDir = t.TempDir()
		cfg.Connect = connect
		if _, err := New(cfg); err == nil || err.Error() != want {
			t.Errorf("New(%v): err = %v, want %q", cfg.Patterns, err, want)
		}
	}
	f(Config{}, "no files to follow")
	f(Config{Patterns: []string{"/var/log/[x.log"}}, `bad pattern "/var/log/[x.log": syntax error in pattern`)
}

// TestGlobErrorsMatchesFilepathGlob: where every directory can be listed,
// globErrors finds what filepath.Glob finds.
func TestGlobErrorsMatchesFilepathGlob(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"a/x.log", "a/y.log", "b/x.log", "b/z.txt", "x.log", "c/d/x.log"} {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, pat := range []string{"*.log", "*/*.log", "?/x.log", "[ab]/*", "c/*/x.log", "nope/*.log", "x.log", "nope.log", "x.log/*", "*/*/*"} {
		pat = filepath.Join(dir, pat)
		want, _ := filepath.Glob(pat)
		got, err := globErrors(pat)
		if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("globErrors(%q) = %v, %v; filepath.Glob finds %v", pat, got, err, want)
		}
	}
}
