// Command ingest loads API gateway access logs and error-body logs into
// ClickHouse. See `ingest --help`.
package main

import (
	"os"

	"github.com/ratescope/ratescope/internal/cli"
)

func main() {
	ios := cli.System()
	f := cli.NewFactory(ios)
	os.Exit(cli.Main("ingest", newRootCmd(f), ios))
}
