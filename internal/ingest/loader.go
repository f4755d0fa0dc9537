// Package ingest loads access logs and error-body logs into ClickHouse:
// source → detect → parse → normalise → batch → store. Lines are parsed
// on Config.Workers goroutines (Parallel), in chunks put back in file
// order, while the previous batch is being inserted.
//
// The pipeline is one for the one-shot load and the follow daemon
// (internal/follow): both read lines through tail.Tailer (over a stream
// here, over a growing file there), detect a file's format with
// DetectFormat, run each line through Core (parse → normalise → append to
// the columnar batch) on the workers of a Parallel and hand batches to their inserter through an
// Exchange of two batches, whose Batch.Store inserts what is not stored yet.
// The state Core carries from one line of a file to the next is a Source,
// which the daemon checkpoints.
package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/route"
	"github.com/ratescope/ratescope/internal/tail"
)

// Sink stores batches; *chstore.DB is one.
type Sink interface {
	InsertRequests(ctx context.Context, b *chstore.RequestBatch, ingestedAt time.Time) error
	InsertRejects(ctx context.Context, b *chstore.RejectBatch, ingestedAt time.Time) error
}

// StreamSink is a Sink that can also keep an INSERT open across batches
// (chstore.Stream); *chstore.DB is one. A load through one sends its rows
// in small batches to INSERTs of Config.BatchRows rows.
type StreamSink interface {
	Sink
	NewStream() *chstore.Stream
}

// Config tunes a load. Zero values take the defaults.
type Config struct {
	Format       accesslog.Format   // FormatAuto: detect per file
	BatchRows    int                // rows per INSERT; default DefaultBatchRows
	MaxLineBytes int                // longer lines are rejected; default 1 MiB
	HashKey      []byte             // key for hashing credentials into caller ids
	Now          func() time.Time   // default time.Now
	Stdin        io.Reader          // read for "-"
	Routes       *route.Templates   // configured route templates; nil: derive only
	Mapping      *accesslog.Mapping // keys of a custom JSON log; nil: the vocabulary only
	// Progress, when set, is called now and then with the bytes read so
	// far (uncompressed) across all files.
	Progress func(bytes int64)
	// Workers is how many goroutines parse and normalise (Parallel);
	// 0: GOMAXPROCS.
	Workers int
	// Inserters is how many batches are inserted at once, each on a
	// connection of its own; default DefaultInserters. Rows read and not
	// yet stored are at most Inserters+1 batches.
	Inserters int
	// chunkLines, when set, replaces ChunkLines (tests: many chunks
	// from a few lines).
	chunkLines int
}

// Defaults.
const (
	// DefaultBatchRows is the rows of one INSERT, chosen by measurement
	// (make bench, issue 12). Through a StreamSink the rows go to the
	// INSERT in batches of StreamBatchRows as they are parsed, so the
	// INSERT's size costs no memory here; the server writes a part per
	// INSERT and day at its end and starts merging a partition's parts
	// past about five: 400k rows took it ~0.7 CPU-s as 2 INSERTs, 1.0–1.3
	// as 8, 1.5–2.1 as 16. An INSERT also holds its rows in the server's
	// memory until its end (a few hundred bytes a row).
	DefaultBatchRows = 200_000
	// StreamBatchRows is the batch the reader hands an inserter at a
	// time when it streams: the rows held in memory are about
	// (Inserters+1) × StreamBatchRows.
	StreamBatchRows     = 8192
	DefaultMaxLineBytes = 1 << 20
	// DefaultInserters is chosen by measurement (make bench, issue 12):
	// with one insert at a time the server's share of an insert (sorting
	// and writing the part) and the ingester's (encoding and sending the
	// next) took turns, so a load's wall time was about their sum; with
	// two, one is encoded while the server writes the other.
	DefaultInserters = 2
)

func (c *Config) fill() {
	if c.BatchRows <= 0 {
		c.BatchRows = DefaultBatchRows
	}
	if c.MaxLineBytes <= 0 {
		c.MaxLineBytes = DefaultMaxLineBytes
	}
	if c.Inserters <= 0 {
		c.Inserters = DefaultInserters
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// FileStats describes the load of one file.
type FileStats struct {
	Name   string // absolute path, as stored (source)
	Given  string // the path as given
	Format accesslog.Format
	// Lines counts the non-blank lines read (the parts of a line a
	// container runtime split count as one): always Access + ErrorBodies
	// + Rejected.
	Lines       uint64
	Bytes       int64
	Access      uint64 // access records stored
	ErrorBodies uint64 // separately logged error bodies stored
	Rejected    uint64 // lines sent to the dead-letter table
	Reasons     map[string]uint64
	// FirstMs and LastMs bound the times of its access records (epoch
	// ms; 0 when none).
	FirstMs, LastMs int64
	// Skipped says why the file was not read ("empty"), when it was not.
	Skipped string
	// UnknownKeys are the top-level JSON keys of rejected lines that no
	// field of the vocabulary or the configured mapping reads.
	UnknownKeys []string
}

// MostlyRejected is the share of a file's lines above which its load
// fails: the file is probably not in the format it was read as.
const MostlyRejected = 0.5

// mostlyRejected reports whether more than MostlyRejected of f's lines were
// rejected.
func (f *FileStats) mostlyRejected() bool {
	return f.Lines > 0 && float64(f.Rejected) > MostlyRejected*float64(f.Lines)
}

// MostlyRejectedError is the error of a file whose lines were mostly
// rejected. The lines are stored as dead letters all the same.
type MostlyRejectedError struct {
	File FileStats
}

func (e *MostlyRejectedError) Error() string {
	f := e.File
	msg := fmt.Sprintf("%s: %d of %d lines rejected (%s) reading it as %s", f.Given, f.Rejected, f.Lines, reasonList(f.Reasons), f.Format)
	if len(f.UnknownKeys) > 0 {
		msg += fmt.Sprintf("; keys not understood: %s: map them under fields: in ratescope.yaml (see docs/configuration.md)", strings.Join(f.UnknownKeys, ", "))
	} else {
		msg += "; is it the right --format?"
	}
	return msg + "; 'report rejected --source " + f.Name + "' lists them"
}

func reasonList(m map[string]uint64) string {
	parts := make([]string, 0, len(m))
	for r, n := range m {
		parts = append(parts, fmt.Sprintf("%s %d", r, n))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// Stats sums a load.
type Stats struct {
	Files []FileStats
	Total FileStats
}

func (s *Stats) add(f FileStats) {
	s.Files = append(s.Files, f)
	t := &s.Total
	t.Lines += f.Lines
	t.Bytes += f.Bytes
	t.Access += f.Access
	t.ErrorBodies += f.ErrorBodies
	t.Rejected += f.Rejected
	if f.FirstMs != 0 && (t.FirstMs == 0 || f.FirstMs < t.FirstMs) {
		t.FirstMs = f.FirstMs
	}
	t.LastMs = max(t.LastMs, f.LastMs)
	for r, n := range f.Reasons {
		if t.Reasons == nil {
			t.Reasons = map[string]uint64{}
		}
		t.Reasons[r] += n
	}
}

// Load reads every path ("-" = Config.Stdin) and stores its lines through
// sink. Files that cannot be read are reported in the returned error after
// the others are loaded; a file whose format cannot be detected is read as
// accesslog.FormatMixed (each line in its own format, the others
// rejected), never refused; an insert failure stops the load.
func Load(ctx context.Context, sink Sink, paths []string, cfg Config) (Stats, error) {
	cfg.fill()
	var stats Stats
	for _, p := range paths {
		if err := CheckReadable(p); err != nil {
			return stats, err
		}
	}
	l := newLoader(sink, cfg)
	defer l.par.Close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan error, cfg.Inserters)
	for range cfg.Inserters {
		go func() { done <- l.insertLoop(ctx, cancel) }()
	}

	var fileErrs []error
	for _, p := range paths {
		fs, err := l.loadFile(ctx, p)
		if fs.Name != "" {
			stats.add(fs)
		}
		if err == nil && fs.mostlyRejected() {
			err = &MostlyRejectedError{File: fs}
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			fileErrs = append(fileErrs, err)
		}
	}
	if ctx.Err() == nil {
		l.flush(ctx)
	}
	l.ex.Close()
	var insertErr error
	for range cfg.Inserters {
		if err := <-done; err != nil && insertErr == nil {
			insertErr = err
		}
	}
	if insertErr != nil {
		return stats, insertErr
	}
	if err := context.Cause(ctx); err != nil {
		return stats, err
	}
	return stats, errors.Join(fileErrs...)
}

type loader struct {
	done   int64 // bytes of the files finished, for Progress
	cfg    Config
	sink   Sink
	par    *Parallel
	ex     *Exchange[struct{}]
	handed int // rows of a batch handed to an inserter
}

func newLoader(sink Sink, cfg Config) *loader {
	l := &loader{cfg: cfg, sink: sink, handed: cfg.BatchRows}
	if _, ok := sink.(StreamSink); ok {
		l.handed = min(cfg.BatchRows, StreamBatchRows)
	}
	l.ex = NewExchangeN[struct{}](l.handed, l.handed, cfg.Inserters)
	l.par = NewParallel(cfg.Workers, func() *Core { return newCoreWith(cfg) }, func() (*chstore.RequestBatch, *chstore.RejectBatch) {
		return l.ex.Cur.Reqs, l.ex.Cur.Rejs
	})
	if cfg.chunkLines > 0 {
		l.par.lines = cfg.chunkLines
	}
	return l
}

func newCoreWith(cfg Config) *Core {
	c := NewCore(cfg.HashKey)
	c.SetRoutes(cfg.Routes)
	c.SetMapping(cfg.Mapping)
	return c
}

// insertLoop stores the batches handed off until the exchange is closed;
// Config.Inserters of them run at once. On failure it cancels the load and
// drains the rest.
func (l *loader) insertLoop(ctx context.Context, cancel context.CancelCauseFunc) error {
	if s, ok := l.sink.(StreamSink); ok {
		return l.streamLoop(ctx, cancel, s.NewStream())
	}
	var firstErr error
	for b := range l.ex.Batches() {
		if firstErr == nil {
			if err := b.Store(ctx, l.sink, l.cfg.Now(), runInsert); err != nil {
				firstErr = err
				cancel(err)
			}
		}
		l.ex.Release(b)
	}
	return firstErr
}

// Bounds on how long a streamed INSERT stays open, for a source that
// trickles (a pipe into "ingest -"): it is ended when no batch came for
// streamIdle, or it has been open for streamMaxAge, so its rows get
// stored and the server does not give up on it (receive_timeout, 300 s).
const (
	streamIdle   = 2 * time.Second
	streamMaxAge = 30 * time.Second
)

// sourceIdle is how long a read from stdin or a pipe waits before the
// lines read so far are handed to an inserter: a writer that trickles
// (kubectl logs -f … | ingest -) sees its rows stored about
// sourceIdle+streamIdle after it pauses, not when a batch fills (8,192
// rows) or the pipe closes.
const sourceIdle = time.Second

// streamLoop is insertLoop through a stream: each batch is sent to the
// open INSERTs at once and given back, and the INSERTs are ended every
// Config.BatchRows rows, when the source pauses, and at the end.
func (l *loader) streamLoop(ctx context.Context, cancel context.CancelCauseFunc, s *chstore.Stream) error {
	var firstErr error
	fail := func(err error) {
		if firstErr == nil {
			firstErr = err
			cancel(err)
			s.Abort()
		}
	}
	idle := time.NewTimer(streamIdle)
	defer idle.Stop()
	var opened time.Time
	batches := l.ex.Batches()
	for {
		select {
		case b, ok := <-batches:
			if !ok {
				if firstErr == nil {
					if err := s.Close(); err != nil {
						fail(err)
					}
				}
				return firstErr
			}
			if firstErr == nil {
				if s.Rows() == 0 {
					opened = time.Now()
				}
				now := l.cfg.Now()
				err := s.AppendRequests(ctx, b.Reqs, now)
				if err == nil {
					err = s.AppendRejects(ctx, b.Rejs, now)
				}
				if err == nil && (s.Rows() >= l.cfg.BatchRows || time.Since(opened) >= streamMaxAge) {
					err = s.Close()
				}
				if err != nil {
					fail(err)
				}
			}
			l.ex.Release(b)
			idle.Reset(streamIdle)
		case <-idle.C:
			if firstErr == nil && s.Rows() > 0 {
				if err := s.Close(); err != nil {
					fail(err)
				}
			}
			idle.Reset(streamIdle)
		}
	}
}

// runInsert runs an insert as it is.
func runInsert(ctx context.Context, _ string, _ int, insert func(context.Context) error) error {
	return insert(ctx)
}

// flush hands the current batches to the insert loop, waiting while it
// stores the previous ones.
func (l *loader) flush(ctx context.Context) {
	if l.ex.Cur.Rows() > 0 {
		l.ex.Handoff(ctx, -1)
	}
}

// flushFull hands the current batch off when it is full.
func (l *loader) flushFull(ctx context.Context) {
	if l.ex.Cur.Rows() >= l.handed {
		l.flush(ctx)
	}
}

// maxRejectSamples bounds the rejected lines of a file kept to name the
// keys nobody understood.
const maxRejectSamples = 20

// loadFile reads one source into the current batches.
func (l *loader) loadFile(ctx context.Context, path string) (FileStats, error) {
	src, err := openSource(ctx, path, l.cfg.Stdin, sourceIdle, func() {
		// The writer is silent: store what it sent. The lines read are
		// merged from the workers and handed to an inserter, whose
		// INSERT ends streamIdle later.
		l.par.Drain()
		l.flush(ctx)
	})
	if err != nil {
		return FileStats{}, err
	}
	defer src.closer()
	fs := FileStats{Name: src.name, Given: path, Format: l.cfg.Format}
	if path == "-" {
		fs.Given = src.name
	}
	tl := tail.NewStream(src.r, src.name, tail.Options{MaxLineBytes: l.cfg.MaxLineBytes, BufferBytes: readBufSize})
	var (
		format  accesslog.Format
		sampled int
	)
	if fs.Format == accesslog.FormatAuto {
		format, sampled, _, err = DetectFormat(tl)
	} else {
		// The format is given: one line tells an empty input from one
		// that is not (a pipe need not send DetectSampleLines first).
		var sample [][]byte
		sample, _, err = tl.Sample(1)
		sampled = len(sample)
	}
	if err != nil {
		if ctx.Err() != nil {
			return fs, context.Cause(ctx)
		}
		return fs, fmt.Errorf("read %s: %w", src.name, err)
	}
	if sampled == 0 && tl.Ended() {
		// Nothing but white space (a file just rotated, a touched
		// placeholder).
		fs.Skipped = "empty"
		return fs, nil
	}
	if fs.Format == accesslog.FormatAuto {
		// No format fits the first lines (a banner, comments, a mix):
		// read the file line by line rather than refuse it whole.
		if fs.Format = format; fs.Format == accesslog.FormatAuto {
			fs.Format = accesslog.FormatMixed
		}
	}
	state := Source{Name: src.name, Format: fs.Format}
	var samples [][]byte
	emit := func(r Result) {
		switch r.Outcome {
		case OutcomeBlank, OutcomePartial:
			return
		case OutcomeRejected:
			fs.Rejected++
			if fs.Reasons == nil {
				fs.Reasons = map[string]uint64{}
			}
			fs.Reasons[r.Reason]++
			if len(samples) < maxRejectSamples && fs.Format.IsJSON() && !r.Line.TooLong {
				samples = append(samples, bytes.Clone(r.Line.Bytes))
			}
		case OutcomeErrorBody:
			fs.ErrorBodies++
		default:
			fs.Access++
			if t := r.TimeMs; t != 0 {
				if fs.FirstMs == 0 || t < fs.FirstMs {
					fs.FirstMs = t
				}
				fs.LastMs = max(fs.LastMs, t)
			}
		}
		fs.Lines++
	}
	for read := 1; ; read++ {
		line, ok, err := tl.Next()
		if err != nil {
			l.par.Drain()
			if ctx.Err() != nil {
				return fs, context.Cause(ctx)
			}
			return fs, fmt.Errorf("read %s: %w", src.name, err)
		}
		fs.Bytes = tl.Offset() // not the line's length: an over-long line keeps only its head
		if !ok {
			if rest, ok := tl.Rest(); ok { // a final line without a '\n'
				fs.Bytes = tl.Offset()
				l.par.Add(&state, rest, emit)
			}
			// A split line whose last part never came is a line too.
			l.par.Flush(&state, emit)
			l.flushFull(ctx)
			break
		}
		l.par.Add(&state, line, emit)
		l.flushFull(ctx)
		if read%4096 == 0 {
			if ctx.Err() != nil {
				l.par.Drain()
				return fs, context.Cause(ctx)
			}
			if l.cfg.Progress != nil {
				l.cfg.Progress(l.done + fs.Bytes)
			}
		}
	}
	fs.Bytes = tl.Offset()
	l.done += fs.Bytes
	if fs.mostlyRejected() {
		fs.UnknownKeys = unknownKeys(samples, l.cfg.Mapping)
	}
	return fs, nil
}

// unknownKeys lists, in first-seen order, the top-level keys of the sampled
// JSON lines that nothing reads.
func unknownKeys(samples [][]byte, m *accesslog.Mapping) []string {
	var out []string
	for _, s := range samples {
		for _, k := range accesslog.UnknownKeys(s, m) {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}
