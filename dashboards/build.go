//lint:file-ignore SA1019 classic dashboard JSON is what Grafana's file provisioning and import read (dashboardv2 is for the v2 API)

package main

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// file is one generated dashboard: the file it goes into and its builder.
type file struct {
	Name  string
	Build func() *dashboard.DashboardBuilder
}

// files are the dashboards, one file each.
var files = []file{
	{"ratescope-errors.json", errorsDashboard},
	{"ratescope-retry-storms.json", retryStormsDashboard},
	{"ratescope-rate-limits.json", rateLimitsDashboard},
	{"ratescope-ingester.json", ingesterDashboard},
}

// render builds a dashboard and encodes it as the JSON Grafana's file
// provisioning reads (and the import dialog takes).
func render(f file) ([]byte, error) {
	d, err := f.Build().Build()
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", f.Name, err)
	}
	return encode(d)
}

// encode writes v as indented JSON, its SQL's < and > as they are.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return unescapeHTML(buf.Bytes()), nil
}

// unescapeHTML turns the \u003c, \u003e and \u0026 escapes that
// encoding/json writes (the SDK's own MarshalJSON methods among them) back
// into <, > and &: the same JSON, and SQL a reader can read.
func unescapeHTML(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			out = append(out, b[i])
			continue
		}
		if i+5 < len(b) && b[i+1] == 'u' {
			switch string(b[i+2 : i+6]) {
			case "003c":
				out = append(out, '<')
				i += 5
				continue
			case "003e":
				out = append(out, '>')
				i += 5
				continue
			case "0026":
				out = append(out, '&')
				i += 5
				continue
			}
		}
		// Any other escape: copy it whole, so an escaped backslash is
		// never read as the start of another.
		out = append(out, b[i])
		if i+1 < len(b) {
			out = append(out, b[i+1])
			i++
		}
	}
	return out
}
