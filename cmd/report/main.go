// Command report answers questions about the API traffic that ingest loaded
// into ClickHouse: summaries and error-code distributions (later: retry
// storms, rate-limit headroom, single requests). See `report --help`.
package main

import (
	"os"

	"github.com/ratescope/ratescope/internal/cli"
)

func main() {
	ios := cli.System()
	f := cli.NewFactory(ios)
	os.Exit(cli.Main("report", newCmdRoot(f), ios))
}
