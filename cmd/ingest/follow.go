package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/analysis"
	"github.com/ratescope/ratescope/internal/checkpoint"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/cli"
	"github.com/ratescope/ratescope/internal/config"
	"github.com/ratescope/ratescope/internal/follow"
	"github.com/ratescope/ratescope/internal/secret"
)

// followOptions are the flags of the follow daemon.
type followOptions struct {
	Follow           bool
	StateDir         string
	MetricsAddr      string
	FlushRows        int
	FlushInterval    time.Duration
	MaxBufferRows    int
	PollInterval     time.Duration
	RotateWait       time.Duration
	ShutdownTimeout  time.Duration
	CheckpointEvery  time.Duration
	RetryMax         time.Duration
	ProgressEvery    time.Duration
	LogLevel         string
	AnalysisInterval time.Duration
	AnalysisHorizon  time.Duration
	Patterns         []string
}

// followOnly are the flags that mean nothing without --follow.
var followOnly = []string{"state-dir", "metrics-addr", "flush-rows", "flush-interval", "max-buffer-rows",
	"poll-interval", "rotate-wait", "shutdown-timeout", "checkpoint-interval", "retry-max", "log-level", "progress-interval",
	"analysis-interval", "analysis-horizon"}

func addFollowFlags(cmd *cobra.Command, o *followOptions) {
	fl := cmd.Flags()
	fl.BoolVar(&o.Follow, "follow", false, "run as a daemon: tail the files and globs given, survive rotation, checkpoint")
	fl.StringVar(&o.StateDir, "state-dir", checkpoint.DefaultDir(), "follow: `DIR` for checkpoints ($STATE_DIRECTORY when systemd sets it)")
	fl.StringVar(&o.MetricsAddr, "metrics-addr", "127.0.0.1:9464", "follow: serve /metrics, /healthz and /readyz on `HOST:PORT` (\"\" = off)")
	fl.IntVar(&o.FlushRows, "flush-rows", follow.DefaultFlushRows, "follow: insert when a batch has this many rows")
	fl.DurationVar(&o.FlushInterval, "flush-interval", follow.DefaultFlushInterval, "follow: … or when its first line is this old")
	fl.IntVar(&o.MaxBufferRows, "max-buffer-rows", 0, "follow: rows read and not yet stored, at most; reading pauses at it (default 2×flush-rows)")
	fl.DurationVar(&o.PollInterval, "poll-interval", 250*time.Millisecond, "follow: how often idle files are looked at")
	fl.DurationVar(&o.RotateWait, "rotate-wait", 2*time.Second, "follow: a rotated or deleted file is closed after this long without growth")
	fl.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", 5*time.Second, "follow: on SIGTERM, how long to wait for ClickHouse to take what was read")
	fl.DurationVar(&o.CheckpointEvery, "checkpoint-interval", time.Second, "follow: how often the checkpoint file is written (and on stop)")
	fl.DurationVar(&o.RetryMax, "retry-max", 30*time.Second, "follow: cap of the backoff between ClickHouse retries")
	fl.StringVar(&o.LogLevel, "log-level", "info", "follow: debug, info, warn or error (logs go to stderr)")
	fl.DurationVar(&o.ProgressEvery, "progress-interval", follow.DefaultProgressInterval, "follow: how often a progress line (rows stored, bytes behind, last checkpoint) is logged at info")
	fl.DurationVar(&o.AnalysisInterval, "analysis-interval", analysis.DefaultInterval, "follow: how often the rollups and findings are brought up to date")
	fl.DurationVar(&o.AnalysisHorizon, "analysis-horizon", analysis.DefaultHorizon, "follow: the trailing window each pass computes retry storms and rate limits (and their minutes) over")
}

// checkFollowFlags rejects follow-only flags without --follow and load-only
// ones with it.
func checkFollowFlags(cmd *cobra.Command, o *followOptions) error {
	fl := cmd.Flags()
	if !o.Follow {
		for _, name := range followOnly {
			if fl.Changed(name) {
				return cli.UsageErrorf("--%s needs --follow", name)
			}
		}
		return nil
	}
	for _, name := range []string{"batch-rows", "quiet"} {
		if fl.Changed(name) {
			return cli.UsageErrorf("--%s is for loading files, not --follow", name)
		}
	}
	switch {
	case o.FlushRows <= 0:
		return cli.UsageErrorf("--flush-rows must be positive")
	case o.FlushInterval <= 0:
		return cli.UsageErrorf("--flush-interval must be positive")
	case o.AnalysisInterval <= 0:
		return cli.UsageErrorf("--analysis-interval must be positive")
	case o.AnalysisHorizon <= 0:
		return cli.UsageErrorf("--analysis-horizon must be positive")
	case o.MaxBufferRows < 0:
		return cli.UsageErrorf("--max-buffer-rows must not be negative")
	case o.MaxBufferRows > 0 && o.MaxBufferRows < o.FlushRows:
		return cli.UsageErrorf("--max-buffer-rows (%d) must be at least --flush-rows (%d)", o.MaxBufferRows, o.FlushRows)
	case o.PollInterval <= 0 || o.RotateWait <= 0 || o.ShutdownTimeout <= 0 || o.CheckpointEvery <= 0 || o.RetryMax <= 0 || o.ProgressEvery <= 0:
		return cli.UsageErrorf("--poll-interval, --rotate-wait, --shutdown-timeout, --checkpoint-interval, --retry-max and --progress-interval must be positive")
	case o.StateDir == "":
		return cli.UsageErrorf("--state-dir must not be empty")
	}
	return nil
}

func runFollow(ctx context.Context, f *cli.Factory, load *loadOptions, o *followOptions) error {
	format, err := accesslog.ParseFormat(load.Format)
	if err != nil {
		return cli.UsageErrorf("--format: %v", err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.LogLevel)); err != nil {
		return cli.UsageErrorf("--log-level: %q is not debug, info, warn or error", o.LogLevel)
	}
	url := f.URL()
	// A bad URL never gets better: refuse it now rather than retry forever.
	if _, _, err := chstore.ParseURL(url); err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	key, err := secret.LoadKey(load.HashKeyFile)
	if err != nil {
		return err
	}
	plans, err := load.loadPlans(cfg)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(f.IOStreams.ErrOut, &slog.HandlerOptions{Level: level}))
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	buffer := o.MaxBufferRows
	if buffer == 0 {
		buffer = 2 * o.FlushRows
	}
	setMemoryLimit(daemonMemoryLimit(buffer))
	d, err := follow.New(follow.Config{
		Patterns: o.Patterns,
		StateDir: o.StateDir,
		Connect: func(ctx context.Context) (follow.Store, error) {
			db, err := chstore.Open(ctx, url)
			if err != nil {
				return nil, err
			}
			if err := db.UseCluster(cfg.Cluster); err != nil {
				_ = db.Close()
				return nil, err
			}
			return syncingStore{db, cfg}, nil
		},
		Format:             format,
		HashKey:            key,
		Routes:             cfg.Routes,
		Mapping:            cfg.Mapping,
		Workers:            load.Workers,
		FlushRows:          o.FlushRows,
		FlushInterval:      o.FlushInterval,
		MaxBufferRows:      o.MaxBufferRows,
		PollInterval:       o.PollInterval,
		RotateWait:         o.RotateWait,
		ShutdownTimeout:    o.ShutdownTimeout,
		CheckpointInterval: o.CheckpointEvery,
		RetryMax:           o.RetryMax,
		ProgressInterval:   o.ProgressEvery,
		MetricsAddr:        o.MetricsAddr,
		Metrics:            follow.NewMetrics(reg),
		Gatherer:           reg,
		Logger:             logger,
	})
	if err != nil {
		return err
	}
	// The analysis pass (rollups) runs beside the daemon, on its own
	// connection, every minute until the daemon stops.
	actx, stopAnalysis := context.WithCancel(ctx)
	analysisDone := make(chan struct{})
	go func() {
		defer close(analysisDone)
		analysis.Loop(actx, analysis.LoopConfig{
			Connect:  func(ctx context.Context) (*chstore.DB, error) { return chstore.Open(ctx, url) },
			Interval: o.AnalysisInterval,
			Options:  analysis.Options{Plans: plans, QuotaStart: cfg.QuotaStart, Horizon: o.AnalysisHorizon},
			Logger:   logger,
		})
	}()
	err = d.Run(ctx)
	stopAnalysis()
	<-analysisDone
	return err
}

// syncingStore syncs the configuration's partner map after each migrate,
// so the daemon keeps ClickHouse's map as its configuration has it.
type syncingStore struct {
	*chstore.DB
	cfg *config.Config
}

func (s syncingStore) Migrate(ctx context.Context) error {
	if err := s.DB.Migrate(ctx); err != nil {
		return err
	}
	return syncPartners(ctx, s.DB, s.cfg)
}
