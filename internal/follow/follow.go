// Package follow is the ingest daemon (`ingest --follow`): it tails log
// files and globs into ClickHouse and loses nothing.
//
// A line's way: a periodic reconcile globs the patterns, opens new files
// and marks vanished ones as rotated; one reader goroutine polls every open
// file (tail.Tailer), runs each complete line through the shared per-line
// core (ingest.Core: parse → normalise → batch) on Workers goroutines
// (ingest.Parallel, rows kept in file order) and hands full or old
// batches to one insert goroutine, which retries with capped exponential
// backoff until ClickHouse takes them. Only then are the files' positions
// in that batch written to the checkpoint store. Rows read and not yet
// stored are bounded (MaxBufferRows): at the bound the reader stops reading
// until an insert succeeds, so a ClickHouse outage costs neither memory
// nor lines.
package follow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/checkpoint"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/ingest"
	"github.com/ratescope/ratescope/internal/route"
	"github.com/ratescope/ratescope/internal/tail"
)

// Store is what the daemon needs of ClickHouse; *chstore.DB is one.
type Store interface {
	InsertRequests(ctx context.Context, b *chstore.RequestBatch, ingestedAt time.Time) error
	InsertRejects(ctx context.Context, b *chstore.RejectBatch, ingestedAt time.Time) error
	Migrate(ctx context.Context) error
	CheckSchema(ctx context.Context) error
	Close() error
}

// Config configures a Daemon. Zero values take the defaults.
type Config struct {
	// Patterns are the files and globs to follow (filepath.Match syntax).
	Patterns []string
	// StateDir holds the checkpoints; default checkpoint.DefaultDir().
	StateDir string
	// Connect opens ClickHouse (chstore.Open). The daemon calls it, and
	// Store.Migrate, until they succeed.
	Connect func(ctx context.Context) (Store, error)

	Format       accesslog.Format   // FormatAuto: detect per file
	HashKey      []byte             // key for hashing credentials into caller ids
	MaxLineBytes int                // longer lines are rejected; default 1 MiB
	Routes       *route.Templates   // configured route templates; nil: derive only
	Mapping      *accesslog.Mapping // keys of a custom JSON log; nil: the vocabulary only
	Workers      int                // goroutines parsing lines (ingest.Parallel); 0: GOMAXPROCS

	FlushRows     int           // hand a batch to the inserter at this many rows; default DefaultFlushRows
	FlushInterval time.Duration // … or when its first line is this old; default 1s
	MaxBufferRows int           // rows read and not yet stored, at most; default 2×FlushRows

	PollInterval       time.Duration // how often an idle file is looked at; default 250ms
	ReconcileInterval  time.Duration // how often the patterns are globbed; default 1s
	RotateWait         time.Duration // a rotated or deleted file is closed after this long without growth; default 2s
	CheckpointInterval time.Duration // how often checkpoints are written; default 1s
	ShutdownTimeout    time.Duration // how long stopping waits for ClickHouse; default 5s
	InsertTimeout      time.Duration // one insert attempt, at most; default 1m
	SlowInsert         time.Duration // an insert still waiting after this is logged and counted as slow; default 10s
	RetryBase          time.Duration // first backoff; default 200ms
	RetryMax           time.Duration // backoff cap; default 30s
	ProgressInterval   time.Duration // how often progress is logged at INFO; default 1m

	// MetricsAddr, when set, is where /metrics, /healthz and /readyz are
	// served ("127.0.0.1:0" picks a port; the log says which).
	MetricsAddr string
	// Metrics and the Gatherer serving them; nil: a private registry.
	Metrics  *Metrics
	Gatherer prometheus.Gatherer

	Logger *slog.Logger     // default: discard
	Now    func() time.Time // default time.Now
}

// Defaults.
const (
	// DefaultFlushRows keeps the daemon small (it runs beside the
	// gateway): with the buffer at twice it, ~21 MB of rows at most on
	// ~300-byte nginx-json lines (heap profile at full speed, issue 12:
	// ~15 MB of columns and ~6 MB of text in the two batches, of ~32 MB
	// live); still well above ClickHouse's 10,000 rows per insert.
	DefaultFlushRows     = 25_000
	DefaultFlushInterval = time.Second
)

func (c *Config) fill() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.FlushRows <= 0 {
		c.FlushRows = DefaultFlushRows
	}
	if c.MaxBufferRows <= 0 {
		c.MaxBufferRows = 2 * c.FlushRows
	}
	if c.MaxLineBytes <= 0 {
		c.MaxLineBytes = ingest.DefaultMaxLineBytes
	}
	def(&c.FlushInterval, DefaultFlushInterval)
	def(&c.PollInterval, 250*time.Millisecond)
	def(&c.ReconcileInterval, time.Second)
	def(&c.RotateWait, 2*time.Second)
	def(&c.CheckpointInterval, time.Second)
	def(&c.ShutdownTimeout, 5*time.Second)
	def(&c.InsertTimeout, time.Minute)
	def(&c.SlowInsert, 10*time.Second)
	def(&c.RetryBase, 200*time.Millisecond)
	def(&c.RetryMax, 30*time.Second)
	def(&c.ProgressInterval, DefaultProgressInterval)
	if c.StateDir == "" {
		c.StateDir = checkpoint.DefaultDir()
	}
	if c.Metrics == nil {
		reg := prometheus.NewRegistry()
		c.Metrics, c.Gatherer = NewMetrics(reg), reg
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Daemon follows files into ClickHouse. Make one with New and call Run once.
type Daemon struct {
	cfg  Config
	log  *slog.Logger
	m    *Metrics
	ckpt *checkpoint.Store
	par  *ingest.Parallel
	back backoff

	// Owned by the reader goroutine.
	patterns      []string
	files         map[tail.FileID]*file
	order         []*file                    // files, in FileID order
	skipped       map[tail.FileID]string     // compressed or undetectable files: why
	openErrs      map[string]string          // path → the open error last logged for it
	fd            fdState                    // running out of file descriptors
	ex            *ingest.Exchange[position] // the batch being filled (ex.Cur) and the one being stored
	curSince      time.Time                  // when the first line went into cur (zero: none)
	handed        []*file                    // scratch of handoff
	nextReconcile time.Time

	progMu   sync.Mutex
	prog     progress     // for the periodic progress line (progress.go)
	buffered atomic.Int64 // rows read and not yet stored or given up
	lost     atomic.Int64 // rows given up at shutdown

	mu        sync.Mutex
	store     Store  // nil until connected
	lastError string // the last ClickHouse error, for /readyz and the shutdown message
	connected chan struct{}
}

// New checks cfg and opens the state directory. Errors are one line a
// user can act on: a bad pattern, or a checkpoint file that cannot be read.
func New(cfg Config) (*Daemon, error) {
	cfg.fill()
	if len(cfg.Patterns) == 0 {
		return nil, errors.New("no files to follow")
	}
	if cfg.Connect == nil {
		return nil, errors.New("follow: Config.Connect is nil")
	}
	patterns := make([]string, 0, len(cfg.Patterns))
	for _, p := range cfg.Patterns {
		if _, err := filepath.Match(p, ""); err != nil {
			return nil, fmt.Errorf("bad pattern %q: %w", p, err)
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		patterns = append(patterns, p)
	}
	st, err := checkpoint.Open(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	d := &Daemon{
		cfg:       cfg,
		log:       cfg.Logger,
		m:         cfg.Metrics,
		ckpt:      st,
		back:      backoff{base: cfg.RetryBase, max: cfg.RetryMax},
		patterns:  patterns,
		files:     map[tail.FileID]*file{},
		skipped:   map[tail.FileID]string{},
		openErrs:  map[string]string{},
		ex:        ingest.NewExchange[position](cfg.FlushRows, ingest.SmallBatchRows),
		connected: make(chan struct{}),
	}
	d.par = ingest.NewParallel(cfg.Workers, func() *ingest.Core {
		c := ingest.NewCore(cfg.HashKey)
		c.SetRoutes(cfg.Routes)
		c.SetMapping(cfg.Mapping)
		return c
	}, func() (*chstore.RequestBatch, *chstore.RejectBatch) { return d.ex.Cur.Reqs, d.ex.Cur.Rejs })
	d.m.BufferMaxRows.Set(float64(cfg.MaxBufferRows))
	return d, nil
}

// Run follows the files until ctx is done, then stops: it hands what it
// read to ClickHouse, waiting at most ShutdownTimeout, writes the
// checkpoints and returns. It returns nil when everything read was stored;
// otherwise an error saying how many rows were not (they stay after the
// checkpoint, so the next start reads them again). It returns early with
// an error when the metrics address cannot be listened on or the database's
// schema is newer than this binary. ClickHouse being down is never an
// error: Run waits for it.
func (d *Daemon) Run(ctx context.Context) (err error) {
	defer d.par.Close() // the parsing workers, whichever way Run ends
	defer func() {
		if cerr := d.ckpt.Stop(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		d.closeFiles()
	}()
	var srv *http.Server
	if d.cfg.MetricsAddr != "" {
		ln, err := net.Listen("tcp", d.cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("metrics address: %w", err)
		}
		srv = &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		d.log.Info("serving metrics", "addr", ln.Addr().String())
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
	}
	d.ckpt.OnWrite = func(at time.Time) { d.m.LastCheckpoint.Set(float64(at.UnixMilli()) / 1000) }
	d.ckpt.Start(d.cfg.CheckpointInterval, func(err error) {
		d.m.CheckpointErrors.Inc()
		d.log.Error("checkpoint not written", "err", err)
	})

	// The inserter outlives ctx: it gets ShutdownTimeout more to store
	// what was read.
	insertCtx, cancelInsert := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelInsert()
	readCtx, stopReading := context.WithCancelCause(ctx)
	defer stopReading(nil)
	var wg sync.WaitGroup
	wg.Go(func() { d.connect(insertCtx, stopReading) })
	insertDone := make(chan struct{})
	go func() {
		defer close(insertDone)
		d.insertLoop(insertCtx)
	}()

	d.log.Info("following", "patterns", d.patterns, "state_dir", d.cfg.StateDir)
	wg.Go(func() { d.progressLoop(readCtx, d.cfg.ProgressInterval) })
	d.readLoop(readCtx)

	fatal := context.Cause(readCtx)
	if ctx.Err() != nil {
		fatal = nil // stopped by the caller
	}
	if fatal != nil {
		cancelInsert() // nothing more can be stored
	}
	timer := time.AfterFunc(d.cfg.ShutdownTimeout, cancelInsert)
	defer timer.Stop()
	if fatal == nil {
		d.log.Info("stopping: storing what was read", "rows", d.buffered.Load())
		if !d.handoff(insertCtx, d.cfg.ShutdownTimeout+time.Second) {
			d.lost.Add(int64(d.ex.Cur.Rows()))
		}
	}
	d.ex.Close()
	<-insertDone
	cancelInsert()
	wg.Wait()
	if s := d.getStore(); s != nil {
		_ = s.Close()
	}
	if fatal != nil {
		return fatal
	}
	if n := d.lost.Load(); n > 0 {
		return fmt.Errorf("stopped with %d rows not stored: ClickHouse did not take them within %s (%s); the checkpoint keeps their place, so the next start reads them again",
			n, d.cfg.ShutdownTimeout, d.lastErr())
	}
	d.log.Info("stopped; everything read is stored")
	return nil
}

func (d *Daemon) getStore() Store {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.store
}

func (d *Daemon) setLastErr(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lastError = err.Error()
}

func (d *Daemon) lastErr() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lastError == "" {
		return "no error seen"
	}
	return d.lastError
}

func (d *Daemon) closeFiles() {
	for _, f := range d.files {
		_ = f.t.Close()
	}
}

// sleep waits for d or ctx; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
