// Command dashboards writes ratescope's Grafana dashboards as classic
// dashboard JSON, one file per dashboard, into a directory Grafana's file
// provisioning reads (deploy/grafana/dashboards: `make dashboards`).
// The same source always writes the same bytes.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("out", filepath.Join("deploy", "grafana", "dashboards"), "directory to write the dashboards' JSON into")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "dashboards:", err)
		os.Exit(1)
	}
	for _, f := range files {
		b, err := render(f)
		if err == nil {
			err = os.WriteFile(filepath.Join(*out, f.Name), b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "dashboards:", err)
			os.Exit(1)
		}
	}
}
