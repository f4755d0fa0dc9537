package ingest

import (
	"runtime"
	"sync"

	"github.com/ratescope/ratescope/internal/chstore"
)

// Result is what became of one line (see Parallel).
type Result struct {
	Line    Line // the line; its Bytes are valid during the Emit call only
	Outcome Outcome
	Reason  string // why, for OutcomeRejected
	TimeMs  int64  // the record's time, for OutcomeAccess
}

// Emit is told what became of each line, in the order the lines were
// added, once the line's row is in the batch.
type Emit func(Result)

// Chunk bounds: the lines a worker takes at a time. Measured with
// BenchmarkParallel (internal/ingest) on nginx-json lines: below ~256
// lines the handoffs show; above ~1024 nothing more is gained, and
// every chunk in flight is memory the daemon holds.
const (
	ChunkLines = 1024
	chunkBytes = 512 << 10
)

// Parallel runs Core over lines on several goroutines and puts the rows
// back in the order the lines were added, so a batch, its dead letters and
// everything told through Emit are exactly what one Core reading the lines
// one by one would give — the same rows, synthetic ids, times of dead
// letters, and Source state afterwards. It is the parse → normalise stage
// of both the one-shot load and the daemon.
//
// The caller's goroutine cuts the lines into chunks of consecutive lines
// of one source (copying them: the reader's buffer is reused) and hands
// them to the workers, each of which parses a chunk into a small batch of
// its own, starting from a guess of the source's state. Back on the
// caller's goroutine, finished chunks are merged in order into the batch
// dst returns: the small batch is appended, and what depended on the state
// before the chunk — the synthetic-id chain, the time of dead letters
// before the chunk's first access record — is put right from the real
// state. A chunk that starts inside a line a container runtime split is
// run again there, from the real state.
//
// With one worker there are no goroutines: each line is processed as it is
// added. Parallel is not safe for concurrent use; Add, Drain and Flush
// are called from one goroutine, which is also where dst and Emit run.
type Parallel struct {
	dst      func() (*chstore.RequestBatch, *chstore.RejectBatch)
	seq      *Core       // the caller's goroutine's: lines of one worker, reruns, Flush
	jobs     chan *chunk // nil: one worker, no goroutines
	queue    []*chunk    // handed to workers, in order
	free     []*chunk
	cur      *chunk // being filled
	maxQueue int
	lines    int // lines per chunk; ChunkLines unless a test says
	synth    synthChain
	id       []byte
	wg       sync.WaitGroup
}

// NewParallel returns a Parallel of workers goroutines (0: GOMAXPROCS),
// each with a Core from newCore, storing rows into the batches dst
// returns when a chunk is merged. Close stops the workers.
func NewParallel(workers int, newCore func() *Core, dst func() (*chstore.RequestBatch, *chstore.RejectBatch)) *Parallel {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &Parallel{dst: dst, seq: newCore(), synth: newSynthChain(), lines: ChunkLines}
	if workers > 1 {
		p.maxQueue = 2 * workers
		p.jobs = make(chan *chunk, p.maxQueue)
		for range workers {
			c := newCore()
			p.wg.Go(func() {
				for ch := range p.jobs {
					ch.run(c)
					ch.ready <- struct{}{}
				}
			})
		}
	}
	return p
}

// Close stops the workers; call it after Drain (lines added and not
// drained are dropped).
func (p *Parallel) Close() {
	if p.jobs != nil {
		close(p.jobs)
		p.wg.Wait()
		p.jobs = nil
		for _, ch := range p.queue {
			<-ch.ready
		}
		p.queue = nil
	}
}

// Add processes line of src; emit is told what became of it, now or when
// a later Add, Drain or Flush merges it. The lines of one chunk share the
// emit given with its first line: give one emit per source per round.
func (p *Parallel) Add(src *Source, line Line, emit Emit) {
	if p.jobs == nil {
		reqs, rejs := p.dst()
		out, reason := p.seq.Line(src, line, reqs, rejs)
		emit(result(src, line, out, reason))
		return
	}
	if p.cur != nil && p.cur.src != src {
		p.dispatch()
	}
	if p.cur == nil {
		p.cur = p.newChunk(src, emit)
	}
	p.cur.add(line)
	if len(p.cur.lines) >= p.lines || len(p.cur.buf) >= chunkBytes {
		p.dispatch()
	}
	p.merge(false)
}

// Drain merges every line added so far, waiting for the workers.
func (p *Parallel) Drain() {
	if p.jobs == nil {
		return
	}
	p.dispatch()
	for len(p.queue) > 0 {
		p.merge(true)
	}
}

// Flush drains, then processes the parts of a split line still held in
// src as a line of its own (Core.Flush), telling emit when there were any.
func (p *Parallel) Flush(src *Source, emit Emit) {
	p.Drain()
	reqs, rejs := p.dst()
	if out, reason := p.seq.Flush(src, reqs, rejs); out != OutcomeBlank {
		emit(result(src, src.partialAt, out, reason))
	}
}

// result is the Result of line, just processed by a Core.
func result(src *Source, line Line, out Outcome, reason string) Result {
	r := Result{Line: line, Outcome: out, Reason: reason}
	if out == OutcomeAccess {
		r.TimeMs = src.LastTimeMs
	}
	return r
}

func (p *Parallel) newChunk(src *Source, emit Emit) *chunk {
	var ch *chunk
	if n := len(p.free); n > 0 {
		ch, p.free = p.free[n-1], p.free[:n-1]
	} else {
		ch = &chunk{
			reqs:  chstore.NewRequestBatch(ChunkLines),
			rejs:  chstore.NewRejectBatch(0),
			ready: make(chan struct{}, 1),
		}
	}
	ch.src, ch.emit = src, emit
	return ch
}

// dispatch hands the chunk being filled to the workers, with the guess of
// its source's state: the real one when nothing of the source is in
// flight (then the guess is exact), else the start of a file.
func (p *Parallel) dispatch() {
	ch := p.cur
	if ch == nil {
		return
	}
	p.cur = nil
	src := ch.src
	ch.exact = len(p.queue) == 0
	ch.state = Source{Name: src.Name, Format: src.Format, Partial: ch.state.Partial[:0]}
	if ch.exact {
		ch.state.Chain, ch.state.LastTimeMs = src.Chain, src.LastTimeMs
		ch.state.Partial = append(ch.state.Partial, src.Partial...)
		ch.state.partialTooLong, ch.state.partialAt = src.partialTooLong, src.partialAt
	}
	p.queue = append(p.queue, ch)
	p.jobs <- ch
}

// merge merges the finished chunks at the head of the queue; when wait,
// or when the queue is full, it waits for the first.
func (p *Parallel) merge(wait bool) {
	for len(p.queue) > 0 {
		ch := p.queue[0]
		if wait || len(p.queue) >= p.maxQueue {
			<-ch.ready
			wait = false
		} else {
			select {
			case <-ch.ready:
			default:
				return
			}
		}
		p.queue = p.queue[1:]
		p.mergeChunk(ch)
		ch.reset()
		p.free = append(p.free, ch)
	}
	p.queue = p.queue[:0]
}

// mergeChunk appends ch's rows to the batches and brings its source's
// state past ch's lines.
func (p *Parallel) mergeChunk(ch *chunk) {
	src := ch.src
	reqs, rejs := p.dst()
	if !ch.exact && (len(src.Partial) > 0 || src.partialTooLong) {
		// The chunk starts inside a split line: its first lines are
		// parts of a line begun before it. Run it again, in order.
		for i := range ch.lines {
			line := ch.line(i)
			out, reason := p.seq.Line(src, line, reqs, rejs)
			ch.emit(result(src, line, out, reason))
		}
		return
	}
	reqBase, rejBase := reqs.Len(), rejs.Len()
	reqs.AppendBatch(ch.reqs)
	rejs.AppendBatch(ch.rejs)
	end := &ch.state
	log := &ch.log
	switch {
	case ch.exact:
		// The worker's ids stand.
		src.Chain = end.Chain
	default:
		// The worker left placeholders (specLog.deferIDs).
		for _, s := range log.synth {
			p.id = p.synth.appendID(p.id[:0], &src.Chain, log.synthBytes[s.start:s.end])
			reqs.SetRequestID(reqBase+s.row, p.id)
		}
	}
	if !ch.exact {
		for i, t := range log.early {
			if t < src.LastTimeMs {
				rejs.SetTimeMs(rejBase+i, src.LastTimeMs)
			}
		}
	}
	if ch.exact || log.timeKnown {
		src.LastTimeMs = end.LastTimeMs
	} else {
		src.LastTimeMs = max(src.LastTimeMs, end.LastTimeMs)
	}
	// A split line whose last part is still to come.
	src.Partial = append(src.Partial[:0], end.Partial...)
	src.partialTooLong, src.partialAt = end.partialTooLong, end.partialAt
	if len(src.Partial) == 0 && !src.partialTooLong {
		src.releasePartial()
	}
	for i := range ch.lines {
		ch.emit(Result{Line: ch.line(i), Outcome: ch.out[i], Reason: ch.reasons[i], TimeMs: ch.times[i]})
	}
}

// chunk is consecutive lines of one source, parsed by one worker.
type chunk struct {
	src   *Source
	emit  Emit
	exact bool   // state is the source's real state before the chunk
	state Source // the guess of the source's state; after run, its state after the chunk
	buf   []byte // the lines' bytes
	lines []Line // Bytes nil: the line is buf[ends[i-1]:ends[i]]
	ends  []int
	ready chan struct{} // run is done

	// Filled by run.
	reqs    *chstore.RequestBatch
	rejs    *chstore.RejectBatch
	out     []Outcome
	reasons []string
	times   []int64
	log     specLog
}

func (ch *chunk) add(l Line) {
	ch.buf = append(ch.buf, l.Bytes...)
	l.Bytes = nil
	ch.lines = append(ch.lines, l)
	ch.ends = append(ch.ends, len(ch.buf))
}

func (ch *chunk) line(i int) Line {
	start := 0
	if i > 0 {
		start = ch.ends[i-1]
	}
	l := ch.lines[i]
	l.Bytes = ch.buf[start:ch.ends[i]:ch.ends[i]]
	return l
}

// run parses the chunk's lines with c, from the guessed state.
func (ch *chunk) run(c *Core) {
	c.spec = &ch.log
	ch.log.deferIDs = !ch.exact
	defer func() { c.spec = nil }()
	for i := range ch.lines {
		out, reason := c.Line(&ch.state, ch.line(i), ch.reqs, ch.rejs)
		ch.out = append(ch.out, out)
		ch.reasons = append(ch.reasons, reason)
		var t int64
		if out == OutcomeAccess {
			t = ch.state.LastTimeMs
		}
		ch.times = append(ch.times, t)
	}
}

// reset readies ch for other lines; a chunk that held a long line gives
// its buffer back.
func (ch *chunk) reset() {
	ch.src, ch.emit = nil, nil
	ch.buf = ch.buf[:0]
	if cap(ch.buf) > 2*chunkBytes {
		ch.buf = nil
	}
	ch.lines, ch.ends = ch.lines[:0], ch.ends[:0]
	ch.reqs.Reset()
	ch.rejs.Reset()
	ch.out, ch.times = ch.out[:0], ch.times[:0]
	clear(ch.reasons)
	ch.reasons = ch.reasons[:0]
	ch.state.releasePartial()
	ch.state = Source{Partial: ch.state.Partial}
	ch.log.reset()
}

// specLog is what a Core working from a guessed state notes of what
// depends on the state before the lines (Core.spec).
type specLog struct {
	// deferIDs: the chain is not known, so synthetic ids are left as
	// placeholders, made at merge (set by run for a chunk not exact).
	deferIDs bool
	// timeKnown: an access record was processed, so the source's
	// LastTimeMs no longer depends on the state before.
	timeKnown bool
	// early are the times the first dead letters were filed under
	// before that (the guess's LastTimeMs, raised by error bodies).
	early []int64
	// synth are the rows given a synthetic id, with the bytes hashed.
	synth      []synthLine
	synthBytes []byte
}

type synthLine struct{ row, start, end int }

func (s *specLog) noteSynthetic(row int, line []byte) {
	start := len(s.synthBytes)
	s.synthBytes = append(s.synthBytes, line...)
	s.synth = append(s.synth, synthLine{row: row, start: start, end: len(s.synthBytes)})
}

func (s *specLog) reset() {
	s.timeKnown = false
	s.early, s.synth, s.synthBytes = s.early[:0], s.synth[:0], s.synthBytes[:0]
	if cap(s.synthBytes) > 2*chunkBytes {
		s.synthBytes = nil
	}
}
