package loggen_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/loggen"
)

var testEnd = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)

// readDir returns every file in dir by name.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func generate(t *testing.T, cfg loggen.Config) (string, *loggen.Manifest) {
	t.Helper()
	dir := t.TempDir()
	m, err := loggen.Generate(context.Background(), dir, cfg)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return dir, m
}

func TestGenerateIsDeterministic(t *testing.T) {
	cfg := loggen.Config{Seed: 7, End: testEnd, Span: time.Hour, Requests: 3000}
	dirA, _ := generate(t, cfg)
	dirB, _ := generate(t, cfg)
	a, b := readDir(t, dirA), readDir(t, dirB)
	want := []string{loggen.FileAPIGWArchive, loggen.FileAPIGW, loggen.FileAPIGWOverlap, loggen.FileNginx,
		loggen.FileNginxJSON, loggen.FileEnvoy, loggen.FileGateway, loggen.FileAppErrors, loggen.ManifestName, loggen.PlansName}
	if len(a) != len(want) {
		t.Errorf("wrote %d files, want %d", len(a), len(want))
	}
	for _, name := range want {
		if len(a[name]) == 0 {
			t.Errorf("%s is missing or empty", name)
		}
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two runs of the same config", name)
		}
	}

	// Another seed is another sample; the same seed with more requests
	// keeps its secrets (they come from the seed alone).
	dirC, mc := generate(t, loggen.Config{Seed: 8, End: testEnd, Span: time.Hour, Requests: 3000})
	if bytes.Equal(a[loggen.FileAPIGW], readDir(t, dirC)[loggen.FileAPIGW]) {
		t.Error("seeds 7 and 8 wrote the same apigw.log")
	}
	_, ma := generate(t, cfg)
	_, md := generate(t, loggen.Config{Seed: 7, End: testEnd, Span: time.Hour, Requests: 4000})
	if secretValues(ma)[0] != secretValues(md)[0] || secretValues(ma)[0] == secretValues(mc)[0] {
		t.Error("secrets should depend on the seed only")
	}
}

func secretValues(m *loggen.Manifest) []string {
	var out []string
	for _, s := range m.Secrets {
		out = append(out, s.Value)
	}
	return out
}

func TestGenerateRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  loggen.Config
		want string
	}{
		{"no end", loggen.Config{Requests: 10}, "End is required"},
		{"short span", loggen.Config{End: testEnd, Span: time.Minute}, "shorter than"},
		{"negative requests", loggen.Config{End: testEnd, Requests: -1}, "must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := loggen.Generate(context.Background(), dir, tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a rejected config wrote %d files", len(entries))
			}
		})
	}
}

func TestGenerateHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := loggen.Generate(ctx, t.TempDir(), loggen.Config{End: testEnd, Requests: 50_000})
	if err == nil {
		t.Fatal("Generate with a cancelled context succeeded")
	}
}

func TestGenerateUnwritableDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := loggen.Generate(context.Background(), file, loggen.Config{End: testEnd})
	if err == nil || !strings.Contains(err.Error(), "output directory") {
		t.Fatalf("err = %v, want an output directory error", err)
	}
}

func TestSampleIsTimedWithinSpan(t *testing.T) {
	_, m := generate(t, loggen.Config{Seed: 3, End: testEnd, Span: time.Hour, Requests: 2000})
	if !m.End.Equal(testEnd) || !m.Start.Equal(testEnd.Add(-time.Hour)) {
		t.Fatalf("manifest window %v..%v, want %v..%v", m.Start, m.End, testEnd.Add(-time.Hour), testEnd)
	}
	for _, s := range append(m.RetryStorms, m.WellBehaved...) {
		if s.Start.Before(m.Start) || s.End.After(m.End) {
			t.Errorf("sequence %s (%v..%v) outside the sample's window", s.Name, s.Start, s.End)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	dir := b.TempDir()
	cfg := loggen.Config{Seed: 1, End: testEnd, Requests: 20_000}
	if _, err := loggen.Generate(context.Background(), dir, cfg); err != nil {
		b.Fatal(err)
	}
	var size int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			size += info.Size()
		}
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := loggen.Generate(context.Background(), dir, cfg); err != nil {
			b.Fatal(err)
		}
	}
}
