//go:build oracle

package accesslog_test

import (
	"testing"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/accesslog/internal/oracle"
	"github.com/ratescope/ratescope/internal/benchlines"
	"github.com/ratescope/ratescope/internal/cputime"
)

// benchFormat maps the benchmark line formats to the parsers' formats.
var benchFormat = map[string]accesslog.Format{
	"nginx-json": accesslog.FormatNginxJSON, "apigw": accesslog.FormatAPIGW,
	"envoy": accesslog.FormatEnvoy, "combined": accesslog.FormatNginx,
}

// BenchmarkParseVsOracle measures Parse per format on the lines `make
// bench` loads (internal/benchlines), side by side with the oracle — the
// parsers as they were before the streaming JSON scan — so that one run
// on a noisy machine compares like with like:
//
//	go test -run '^$' -bench ParseVsOracle -cpu 1 -count 5 ./internal/accesslog/ | benchstat -col /impl -
func BenchmarkParseVsOracle(b *testing.B) {
	for _, format := range benchlines.Formats {
		lines := make([][]byte, 1024)
		size := 0
		for i := range lines {
			l, err := benchlines.Line(nil, format, i)
			if err != nil {
				b.Fatal(err)
			}
			lines[i] = l
			size += len(l)
		}
		run := func(b *testing.B, parse func([]byte) error) {
			for _, l := range lines {
				if err := parse(l); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.SetBytes(int64(size / len(lines)))
			i := 0
			cpu0 := cputime.Process(b)
			for b.Loop() {
				_ = parse(lines[i%len(lines)])
				i++
			}
			cpu := cputime.Process(b) - cpu0
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
		b.Run("format="+format+"/impl=new", func(b *testing.B) {
			p := accesslog.NewParser(benchFormat[format])
			var r accesslog.Record
			run(b, func(l []byte) error { return p.Parse(l, &r) })
		})
		b.Run("format="+format+"/impl=oracle", func(b *testing.B) {
			p := oracle.NewParser(oracle.Format(benchFormat[format]))
			var r oracle.Record
			run(b, func(l []byte) error { return p.Parse(l, &r) })
		})
	}
}
