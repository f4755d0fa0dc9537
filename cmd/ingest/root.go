package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/analysis"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/cli"
	"github.com/ratescope/ratescope/internal/config"
	"github.com/ratescope/ratescope/internal/ingest"
	"github.com/ratescope/ratescope/internal/ratelimit"
	"github.com/ratescope/ratescope/internal/secret"
)

// loadOptions are the flags of a one-shot load.
type loadOptions struct {
	Format      string
	BatchRows   int
	Workers     int
	Inserters   int
	HashKeyFile string
	Quiet       bool
	PlansFile   string
	Output      string
	Paths       []string
}

// loadPlans reads --plans, else takes the configuration's plans (nil
// when it has none).
func (o *loadOptions) loadPlans(cfg *config.Config) (*ratelimit.Plans, error) {
	if o.PlansFile == "" {
		return cfg.Plans, nil
	}
	return ratelimit.LoadPlans(o.PlansFile)
}

func newRootCmd(f *cli.Factory) *cobra.Command {
	opts := &loadOptions{}
	fopts := &followOptions{}
	cmd := &cobra.Command{
		Use:   "ingest [flags] FILE... | ingest --follow [flags] PATTERN...",
		Short: "Load API gateway access logs and error bodies into ClickHouse",
		Long: `Load API gateway access logs and API error bodies into ClickHouse, keyed by
request id. Files may be plain or gzip-compressed (a gzip stream is checked
to its end first: a corrupt one loads nothing); '-' reads standard input, and
a named pipe is read as its writers send.
The format is detected per file unless --format is given: apigw (AWS API
Gateway JSON), nginx (combined), nginx-json, envoy (default format) or jsonl
(JSON lines with ratescope's field vocabulary, see docs/loading.md; a
log with keys of its own loads through the field mapping of ratescope.yaml,
see --config and docs/configuration.md).

The summary names the time range of the requests loaded, and a note says
when it lies outside the reports' default window (the last 24h) and which
--from/--to to pass. A file whose lines are mostly (more than half)
rejected fails the load (exit 1) with one line naming the reasons and the
JSON keys nothing reads; its lines are kept as dead letters all the same.
Empty files are skipped with a note. A progress bar shows on a terminal for
loads longer than 2 s; -o json prints the summary as JSON.

Loading is idempotent: loading a file twice, or access lines and their error
bodies in any order from different files, leaves one request per id. Lines
that cannot be parsed are counted and kept in the dead-letter table
(rejected) with the reason. API keys and bearer tokens are never stored:
they become keyed hashes (kh-…) that still tell callers apart, and any
value named like a credential or shaped like one (bearer token, JWT,
user:password@) is replaced by REDACTED in every text kept.

The schema is created or upgraded before loading (see 'ingest migrate').

With --follow, ingest runs as a daemon: it tails the files and globs given
(quote globs so the shell leaves them alone: files that match later are
picked up), follows rename and copytruncate rotation, skips gzip-compressed
rotated copies, and keeps its place per file in --state-dir, moved forward
only once ClickHouse stored the lines. A restart, even after a crash,
resumes there; what is read twice is absorbed by request-id dedup. When
ClickHouse is down it retries with backoff and stops reading once
--max-buffer-rows rows wait; it never drops lines. Errors waiting cannot fix
(wrong credentials, missing rights, a database it may not create) stop it
at once with one line. It logs a progress line every --progress-interval. SIGINT or SIGTERM
stores what was read and exits 0 (1, with one line, when ClickHouse does
not take it within --shutdown-timeout: the next start reads it again).
Metrics, /healthz and /readyz are served on --metrics-addr; logs go to
stderr.`,
		Example: `  # load a day of gateway logs, detecting each file's format
  ingest /var/log/gateway/access.log /var/log/gateway/access.log.1.gz

  # error bodies logged by the application, in their own file
  ingest --format jsonl app-errors.jsonl

  # from a pipe, into another ClickHouse
  zcat archive/*.gz | ingest --clickhouse clickhouse://ch.internal:9000/ratescope -

  # a live stream: what it sent is stored about 3 s after it pauses
  kubectl logs -f deploy/gateway | ingest --format nginx-json -

  # daemon: follow the live logs and their first rotated copies
  ingest --follow '/var/log/gateway/*.log' '/var/log/gateway/*.log.1' \
      --state-dir /var/lib/ratescope-ingest --metrics-addr 127.0.0.1:9464

  # a busy gateway: bigger batches, more room while ClickHouse is away
  ingest --follow '/var/log/nginx/access.log*' --flush-rows 200000 --max-buffer-rows 600000`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := checkFollowFlags(cmd, fopts); err != nil {
				return err
			}
			if len(args) == 0 && fopts.Follow {
				return cli.UsageErrorf("no patterns given: ingest --follow PATTERN...")
			}
			if len(args) == 0 {
				return cli.UsageErrorf("no files given: ingest FILE... ('-' reads standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if fopts.Follow {
				fopts.Patterns = args
				return runFollow(cmd.Context(), f, opts, fopts)
			}
			opts.Paths = args
			return runLoad(cmd.Context(), f, opts)
		},
	}
	cli.AddClickHouseFlag(cmd, f)
	cli.AddVersion(cmd, "ingest")
	cli.AddConfigFlag(cmd, f)
	cmd.Flags().StringVar(&opts.Format, "format", "auto", "log format: auto (detected per file; a file no format fits is read line by line), apigw, nginx, nginx-json, envoy, alb, jsonl or mixed")
	cmd.Flags().IntVar(&opts.BatchRows, "batch-rows", ingest.DefaultBatchRows, "rows per INSERT: they are sent as they are parsed, so a bigger INSERT costs the server memory, not this process (fewer, bigger parts are cheaper for ClickHouse to write and merge)")
	cmd.Flags().IntVar(&opts.Inserters, "inserters", ingest.DefaultInserters, "batches inserted at once by a one-shot load, each on its own connection (the daemon inserts one at a time, in order)")
	cmd.Flags().IntVar(&opts.Workers, "workers", 0, "goroutines parsing lines, in chunks put back in file order (0 = GOMAXPROCS, the cores Go may use)")
	cmd.Flags().StringVar(&opts.PlansFile, "plans", "", "rate-limit plans `FILE` for the rate-limit findings (default: the configuration's; retry storms are kept without any)")
	cmd.Flags().StringVar(&opts.HashKeyFile, "hash-key-file", secret.DefaultKeyPath(), "key for hashing credentials into caller ids (created if missing; $"+secret.EnvKey+" overrides)")
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "print nothing on success")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "the load summary's `FORMAT`: text or json")
	addFollowFlags(cmd, fopts)
	cmd.AddCommand(newMigrateCmd(f), newHealthcheckCmd(f))
	return cmd
}

func runLoad(ctx context.Context, f *cli.Factory, opts *loadOptions) error {
	format, err := accesslog.ParseFormat(opts.Format)
	if err != nil {
		return cli.UsageErrorf("--format: %v", err)
	}
	if opts.BatchRows <= 0 {
		return cli.UsageErrorf("--batch-rows must be positive")
	}
	if opts.Workers < 0 {
		return cli.UsageErrorf("--workers must not be negative")
	}
	if opts.Inserters <= 0 {
		return cli.UsageErrorf("--inserters must be positive")
	}
	if opts.Output != "text" && opts.Output != "json" {
		return cli.UsageErrorf("--output %q: want text or json", opts.Output)
	}
	for _, p := range opts.Paths {
		if err := ingest.CheckReadable(p); err != nil {
			if p == "version" && len(opts.Paths) == 1 {
				return fmt.Errorf("%w ('ingest --version' prints the version)", err)
			}
			return err
		}
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	key, err := secret.LoadKey(opts.HashKeyFile)
	if err != nil {
		return err
	}
	plans, err := opts.loadPlans(cfg)
	if err != nil {
		return err
	}
	if f.Cluster == "" {
		f.Cluster = cfg.Cluster
	}
	db, err := f.DB(ctx)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	if err := syncPartners(ctx, db, cfg); err != nil {
		return err
	}
	setMemoryLimit(memoryLimit((opts.Inserters + 1) * min(opts.BatchRows, ingest.StreamBatchRows))) // one batch filling, the others being sent
	start := time.Now()
	bar := newProgress(f.IOStreams, opts.Paths, opts.Quiet || opts.Output == "json")
	stats, err := ingest.Load(ctx, db, opts.Paths, ingest.Config{
		Format:    format,
		BatchRows: opts.BatchRows,
		Workers:   opts.Workers,
		Inserters: opts.Inserters,
		HashKey:   key,
		Stdin:     f.IOStreams.In,
		Routes:    cfg.Routes,
		Mapping:   cfg.Mapping,
		Progress:  bar.update,
	})
	bar.finish()
	took := time.Since(start)
	switch {
	case opts.Output == "json":
		if jerr := writeLoadJSON(f.IOStreams.Out, stats, took); jerr != nil {
			return errors.Join(err, jerr)
		}
	case !opts.Quiet:
		printStats(f.IOStreams.Out, stats, took)
		printWindowWarning(f.IOStreams.ErrOut, stats, f.Now())
	}
	if err != nil {
		return err
	}
	// Bring the rollups and findings up to date with what was loaded.
	res, err := analysis.Pass(ctx, db, analysis.Options{Plans: plans, QuotaStart: cfg.QuotaStart})
	if err != nil {
		return err
	}
	if !opts.Quiet && opts.Output != "json" {
		fmt.Fprintln(f.IOStreams.Out, res)
	}
	return nil
}

// syncPartners makes the configuration's partner map the one in
// ClickHouse, when a configuration file was found (without one, the stored
// map stays as it is).
func syncPartners(ctx context.Context, db *chstore.DB, cfg *config.Config) error {
	if cfg.File == "" {
		return nil
	}
	_, err := db.SyncPartners(ctx, cfg.Names(), cfg.File)
	return err
}
