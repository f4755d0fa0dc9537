package readlimit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		path    string
		max     int64
		want    string
		wantErr string
	}{
		{"under the limit", small, 11, "0123456789", ""},
		{"at the limit", small, 10, "0123456789", ""},
		{"over the limit", small, 9, "", "plans file " + small + " is larger than 9 B"},
		{"endless device", "/dev/zero", 1 << 20, "", "plans file /dev/zero is larger than 1 MiB"},
		{"missing", filepath.Join(dir, "nope"), 10, "", "no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			b, err := File(c.path, "plans file", c.max)
			if c.wantErr == "" {
				if err != nil || string(b) != c.want {
					t.Fatalf("File = %q, %v; want %q", b, err, c.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want one saying %q", err, c.wantErr)
			}
			if strings.Contains(c.wantErr, "larger") && !errors.Is(err, ErrTooLarge) {
				t.Errorf("err %v does not wrap ErrTooLarge", err)
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
		})
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{100: "100 B", 4096: "4 KiB", 8 << 20: "8 MiB", 1500: "1500 B"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
