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
refused: upgrade ratescope.

With --cluster (or the configuration's cluster:) the schema is created ON
CLUSTER on every server of that ClickHouse cluster: requests sharded by
request id and rejected lines by file position, behind Distributed tables;
every table replicated (docs/cluster.md). Later commands find the cluster by
themselves.`,
		Example: `  ingest migrate --clickhouse clickhouse://127.0.0.1:9000/ratescope
  ingest migrate --clickhouse clickhouse://ch1:9000,ch2:9000/ratescope --cluster ratescope`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			if f.Cluster == "" {
				f.Cluster = cfg.Cluster
			}
			db, err := f.DB(cmd.Context())
			if err != nil {
				return err
			}
			if err := db.Migrate(cmd.Context()); err != nil {
				return err
			}
			if db.Cluster != "" {
				fmt.Fprintf(f.IOStreams.Out, "schema of database %s on cluster %s is at version %d\n", db.Name, db.Cluster, chstore.SchemaVersion())
			} else {
				fmt.Fprintf(f.IOStreams.Out, "schema of database %s is at version %d\n", db.Name, chstore.SchemaVersion())
			}
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
	cmd.Flags().StringVar(&f.Cluster, "cluster", "", "create the schema ON CLUSTER `NAME` (a <remote_servers> cluster of the server): replicated, sharded tables")
	return cmd
}
