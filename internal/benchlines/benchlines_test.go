package benchlines

import (
	"testing"

	"github.com/ratescope/ratescope/internal/accesslog"
)

// TestLinesParseAsTheirFormat: every format's lines are detected as that
// format and parse without error, so a benchmark never measures rejects.
func TestLinesParseAsTheirFormat(t *testing.T) {
	want := map[string]accesslog.Format{"nginx-json": accesslog.FormatNginxJSON, "apigw": accesslog.FormatAPIGW,
		"envoy": accesslog.FormatEnvoy, "combined": accesslog.FormatNginx}
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			var sample [][]byte
			for i := range 50 {
				l, err := Line(nil, format, i)
				if err != nil {
					t.Fatal(err)
				}
				sample = append(sample, l)
			}
			if got := accesslog.Detect(sample); got != want[format] {
				t.Fatalf("detected as %v, want %v", got, want[format])
			}
			p := accesslog.NewParser(want[format])
			var r accesslog.Record
			for i, l := range sample {
				if err := p.Parse(l, &r); err != nil {
					t.Fatalf("line %d %q: %v", i, l, err)
				}
				if r.Status == 0 || r.TimeMs == 0 || len(r.Path) == 0 {
					t.Fatalf("line %d %q: status %d time %d path %q", i, l, r.Status, r.TimeMs, r.Path)
				}
			}
		})
	}
	if _, err := Line(nil, "nope", 0); err == nil {
		t.Fatal("an unknown format gave no error")
	}
}
