package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/analysis"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/cli"
)

func newMigrateCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the ClickHouse schema",
		Long: `Create the database and tables, or apply the migrations this binary has and
the database lacks, then backfill the hourly rollups of the rows already
stored (days whose rollup is missing or stale) and the retry-storm findings of
those days; with the configuration's plans (ratescope.yaml, --config), also
the rate-limit findings and per-minute limit rows of all stored days while
no limit minute is kept yet (a database upgraded to schema 5). Safe to
run at any time;
loading runs it too. A database whose schema is newer than this binary is
refused: upgrade ratescope.`,
		Example: `  ingest migrate --clickhouse clickhouse://127.0.0.1:9000/ratescope`,
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			db, err := f.DB(cmd.Context())
			if err != nil {
				return err
			}
			if err := db.Migrate(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintf(f.IOStreams.Out, "schema of database %s is at version %d\n", db.Name, chstore.SchemaVersion())
			// Backfill what the new schema keeps (rollups of the rows
			// already stored; with plans, the limit minutes).
			res, err := analysis.Pass(cmd.Context(), db, analysis.Options{Plans: cfg.Plans, QuotaStart: cfg.QuotaStart, Backfill: true})
			if err != nil {
				return err
			}
			fmt.Fprintln(f.IOStreams.Out, res)
			return nil
		},
	}
	return cmd
}
