package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/cli"
)

func newCmdRoot(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report <command> [flags]",
		Short: "Report on API traffic loaded into ClickHouse by ingest",
		Long: `Report on the API gateway access logs and error bodies that ingest loaded
into ClickHouse.

Every report covers a window: the last --since (default 24h; 90m, 7d, 1w),
or --from to --to (RFC 3339 or a date: --from 2026-03-01 --to 2026-03-01 is
that day; --to defaults to now). A request is counted once per request
id however often its lines were loaded, and its error body counts even when
it was logged apart from the access line, in another file or minutes later.

Output is a table — fitted to the terminal's width, at most --limit rows (20
by default on a terminal), plain and complete when piped — or every column
with -o wide, or stable JSON or CSV with -o json / -o csv (--format is the
same flag). Partners show once, under the names the configuration
(ratescope.yaml: --config, $RATESCOPE_CONFIG) gives them; --partner takes
a name or any identifier. See docs/reports.md.`,
		Example: `  report summary
  report errors --since 7d --by code,partner
  report retry-storms --since 6h
  report rate-limits --config ratescope.yaml
  report rejected --since 7d
  report request req_01HZ9VBKX4EFGH2J
  report errors --from 2026-03-01T00:00:00Z --to 2026-03-02T00:00:00Z -o json`,
	}
	cli.AddClickHouseFlag(cmd, f)
	cli.AddVersion(cmd, "report")
	cli.AddConfigFlag(cmd, f)
	cmd.AddCommand(
		NewCmdSummary(f, nil),
		NewCmdErrors(f, nil),
		NewCmdRetryStorms(f, nil),
		NewCmdRateLimits(f, nil),
		NewCmdRequest(f, nil),
		NewCmdRejected(f, nil),
		// Each report is a NewCmdX(f, nil) in its own file, with its logic
		// in an internal package (report, retry, ratelimit).
	)
	return cmd
}

// checkedDB returns a function that opens the database with open and
// refuses one without the schema this binary knows (chstore.DB.CheckSchema).
func checkedDB(open func(context.Context) (*chstore.DB, error)) func(context.Context) (*chstore.DB, error) {
	return func(ctx context.Context) (*chstore.DB, error) {
		db, err := open(ctx)
		if err != nil {
			return nil, err
		}
		if err := db.CheckSchema(ctx); err != nil {
			return nil, err
		}
		return db, nil
	}
}

// syncedDB returns checkedDB(f.DB), and makes the configuration's partner
// map (if a configuration with partners is found) the one in ClickHouse
// before the first query, so reports show partners by the names the
// configuration gives them now. A user who may not write keeps the map
// ingest last synced, with a note on stderr.
func syncedDB(f *cli.Factory) func(context.Context) (*chstore.DB, error) {
	open := checkedDB(f.DB)
	return func(ctx context.Context) (*chstore.DB, error) {
		db, err := open(ctx)
		if err != nil {
			return nil, err
		}
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		if cfg.File != "" && len(cfg.Partners) > 0 {
			// A report user may be read-only: then the map stays as ingest
			// last wrote it, and the report says so.
			if _, err := db.SyncPartners(ctx, cfg.Names(), cfg.File); err != nil {
				fmt.Fprintf(f.IOStreams.ErrOut, "report: note: partners show as last synced by ingest: %s\n", cli.OneLine(err.Error()))
			}
		}
		return db, nil
	}
}

// partnerName resolves a --partner value (a name or any identifier) to the
// name reports show, by the partner map; "" stays "".
func partnerName(ctx context.Context, db *chstore.DB, p string) (string, error) {
	if p == "" {
		return "", nil
	}
	return db.PartnerName(ctx, p)
}
