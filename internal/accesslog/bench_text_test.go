package accesslog

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkNginx and BenchmarkEnvoy parse the lines of a fixture file in
// turn; one op is one line, so ns/op is ns/line.
func BenchmarkNginx(b *testing.B) {
	benchmarkText(b, FormatNginx, filepath.Join("testdata", "nginx_bench.log"))
}

func BenchmarkEnvoy(b *testing.B) {
	benchmarkText(b, FormatEnvoy, filepath.Join("testdata", "envoy_bench.log"))
}

func BenchmarkDetect(b *testing.B) {
	for _, name := range []string{"nginx_bench.log", "envoy_bench.log"} {
		b.Run(name, func(b *testing.B) {
			lines := textBenchLines(b, filepath.Join("testdata", name))
			size := 0
			for _, l := range lines {
				size += len(l)
			}
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				Detect(lines)
			}
		})
	}
}

func benchmarkText(b *testing.B, format Format, path string) {
	lines := textBenchLines(b, path)
	size := 0
	for _, l := range lines {
		size += len(l)
	}
	p := NewParser(format)
	var r Record
	b.ReportAllocs()
	b.SetBytes(int64(size / len(lines)))
	i := 0
	for b.Loop() {
		if err := p.Parse(lines[i], &r); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(lines) {
			i = 0
		}
	}
}

// TestTextParsersDoNotAllocate pins the hot-path promise: accepted lines
// cost no heap allocation.
func TestTextParsersDoNotAllocate(t *testing.T) {
	for format, file := range map[Format]string{FormatNginx: "nginx_bench.log", FormatEnvoy: "envoy_bench.log"} {
		lines := textBenchLines(t, filepath.Join("testdata", file))
		p := NewParser(format)
		var r Record
		for _, line := range lines {
			if n := testing.AllocsPerRun(20, func() {
				if err := p.Parse(line, &r); err != nil {
					t.Fatalf("%s: %v", line, err)
				}
			}); n != 0 {
				t.Errorf("%s parser: %.0f allocations for %q", format, n, line)
			}
		}
	}
}

func textBenchLines(tb testing.TB, path string) [][]byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var lines [][]byte
	for line := range bytes.Lines(data) {
		if line = bytes.TrimSuffix(line, []byte("\n")); len(line) > 0 {
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		tb.Fatalf("%s holds no lines", path)
	}
	return lines
}
