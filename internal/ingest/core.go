package ingest

import (
	"bytes"
	"errors"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/route"
	"github.com/ratescope/ratescope/internal/secret"
)

// ChainState is where a source's synthetic-id chain stands: the hash behind
// the last synthetic id issued in it, all zero at the start of a file. Saved
// with a byte offset, it lets a later reader resume the file there and give
// its id-less lines the very ids a reader from the start would.
type ChainState [16]byte

// Source is the per-file state of the line pipeline: what Core carries from
// one line of a source to the next. Use one Source per file (a new one, or
// a zero Chain and LastTimeMs, when a file starts over from byte 0).
type Source struct {
	Name   string           // stored in each row's source column
	Format accesslog.Format // the source's format; never FormatAuto
	// Chain is the synthetic-id chain after the last line processed.
	Chain ChainState
	// LastTimeMs is the time of the last parsed line (Unix ms): a rejected
	// line is filed under it.
	LastTimeMs int64
	// Partial holds the parts read so far of a line a container runtime
	// split (CRI "P" lines, Docker json-file entries without a final
	// newline), joined when its last part arrives.
	Partial []byte
	// partialTooLong says the parts held outgrew MaxJoinedBytes: the joined
	// line is rejected as line_too_long with its first bytes.
	partialTooLong bool
	// partialAt is the position of the last part held.
	partialAt Line
}

// releasePartial forgets the held parts, and their memory when a long line
// grew it.
func (src *Source) releasePartial() {
	src.Partial, src.partialTooLong = src.Partial[:0], false
	if cap(src.Partial) > 64<<10 {
		src.Partial = nil
	}
}

// MaxJoinedBytes bounds a line joined from container-runtime parts, as
// DefaultMaxLineBytes bounds a physical line.
const MaxJoinedBytes = DefaultMaxLineBytes

// Outcome says what Core.Line did with a line.
type Outcome uint8

// The outcomes of one line.
const (
	OutcomeBlank     Outcome = iota // white space only: skipped, no row
	OutcomeAccess                   // an access record was appended
	OutcomeErrorBody                // a separately logged error body was appended
	OutcomeRejected                 // a dead-letter row was appended
	// OutcomePartial: a part of a line a container runtime split; it is
	// held in the Source and becomes part of the line its last part
	// completes. It is not a line of its own (it is not counted as read).
	OutcomePartial
)

// Core parses, normalises and appends lines to batches: the per-line work
// of the pipeline (parse → normalise → batch), shared by Load and the
// follow daemon. It keeps one parser per format and scratch buffers between
// calls, so it is not safe for concurrent use; use one per goroutine.
type Core struct {
	norm    *normalizer
	parsers [formatSlots]*accesslog.Parser
	rec     accesslog.Record
	mapping *accesslog.Mapping
	unwrap  accesslog.Unwrapper
	joined  []byte // a line joined from parts, being processed
	// spec, when set, notes what of the lines processed depends on the
	// state their source had before them (see Parallel): Core is then
	// working from a guessed start state, on a chunk of lines.
	spec *specLog
}

// formatSlots bounds the Format values Core keeps a parser for.
const formatSlots = 8

// NewCore returns a Core that hashes credentials with hashKey.
func NewCore(hashKey []byte) *Core {
	return &Core{norm: newNormalizer(hashKey)}
}

// SetRoutes makes c route paths without a logged template by the
// configured templates first (nil: derivation only). Call it before the
// first Line.
func (c *Core) SetRoutes(t *route.Templates) { c.norm.routes = t }

// SetMapping makes c's JSON parsers read the configured keys of a custom
// JSON log first (nil: the vocabulary only). Call it before the first Line.
func (c *Core) SetMapping(m *accesslog.Mapping) { c.mapping = m }

func (c *Core) parser(f accesslog.Format) *accesslog.Parser {
	if int(f) >= len(c.parsers) {
		return accesslog.NewParser(f) // not a known format: Parse rejects every line
	}
	p := c.parsers[f]
	if p == nil {
		p = accesslog.NewParser(f)
		p.SetMapping(c.mapping)
		c.parsers[f] = p
	}
	return p
}

// Line parses and normalises one line of src and appends its row to reqs,
// or its dead letter to rejs, advancing src's chain and last time. It
// returns what it did and, for OutcomeRejected, the reason. Blank lines
// (white space only, and not cut for length) add nothing. Both batches copy
// what they keep: line.Bytes may be reused as soon as Line returns.
//
// A container runtime's wrapper (CRI, Docker json-file) is removed first;
// the parts of a line it split are held in src (OutcomePartial) and the
// line they make up is processed when its last part arrives, with the
// offset and number of that last part.
func (c *Core) Line(src *Source, line Line, reqs *chstore.RequestBatch, rejs *chstore.RejectBatch) (Outcome, string) {
	if !line.TooLong {
		if content, partial, w := c.unwrap.Unwrap(line.Bytes); w != accesslog.WrapNone {
			if partial {
				c.hold(src, content, line)
				return OutcomePartial, ""
			}
			line.Bytes = content
			if len(src.Partial) > 0 || src.partialTooLong {
				c.hold(src, content, line)
				c.joined = append(c.joined[:0], src.Partial...)
				line.Bytes, line.TooLong = c.joined, src.partialTooLong
				if line.TooLong {
					line.Bytes = head(line.Bytes)
				}
				src.releasePartial()
			}
		}
	}
	return c.process(src, line, reqs, rejs)
}

// process handles one complete line (unwrapped, joined).
func (c *Core) process(src *Source, line Line, reqs *chstore.RequestBatch, rejs *chstore.RejectBatch) (Outcome, string) {
	if !line.TooLong && len(bytes.TrimSpace(line.Bytes)) == 0 {
		return OutcomeBlank, ""
	}
	meta := chstore.Meta{Source: src.Name, Offset: uint64(line.Offset), Line: line.Number, Format: src.Format.String()}
	kind, reason := c.line(src, line, &meta, reqs)
	switch {
	case reason != "":
		if c.spec != nil && !c.spec.timeKnown {
			// Filed under a time from before the chunk: fixed at merge.
			c.spec.early = append(c.spec.early, src.LastTimeMs)
		}
		rejs.Append(meta, src.LastTimeMs, reason, secret.RedactText(line.Bytes))
		return OutcomeRejected, reason
	case kind == chstore.KindErrorBody:
		src.LastTimeMs = max(src.LastTimeMs, c.rec.TimeMs)
		return OutcomeErrorBody, ""
	default:
		src.LastTimeMs = c.rec.TimeMs
		if c.spec != nil {
			c.spec.timeKnown = true
		}
		return OutcomeAccess, ""
	}
}

// hold keeps one part of a split line in src, up to MaxJoinedBytes.
func (c *Core) hold(src *Source, part []byte, at Line) {
	src.partialAt = Line{Offset: at.Offset, Number: at.Number}
	if len(src.Partial)+len(part) > MaxJoinedBytes {
		src.partialTooLong = true
		part = part[:max(0, min(len(part), keepOfLong-len(src.Partial)))]
	}
	src.Partial = append(src.Partial, part...)
}

// Flush processes the parts of a split line still held in src as a line of
// their own — at the end of a file whose last line never got its final
// part — and reports what it did (OutcomeBlank when nothing was held). The
// line has the offset and number of the last part.
func (c *Core) Flush(src *Source, reqs *chstore.RequestBatch, rejs *chstore.RejectBatch) (Outcome, string) {
	if len(src.Partial) == 0 && !src.partialTooLong {
		return OutcomeBlank, ""
	}
	at := src.partialAt
	c.joined = append(c.joined[:0], src.Partial...)
	at.Bytes, at.TooLong = c.joined, src.partialTooLong
	if at.TooLong {
		at.Bytes = head(at.Bytes)
	}
	src.releasePartial()
	return c.process(src, at, reqs, rejs)
}

// line parses, normalises and appends one line; it returns the row's kind,
// or the reason the line is rejected.
func (c *Core) line(src *Source, line Line, meta *chstore.Meta, reqs *chstore.RequestBatch) (chstore.Kind, string) {
	if line.TooLong {
		return 0, ReasonTooLong
	}
	p := c.parser(src.Format)
	err := p.Parse(line.Bytes, &c.rec)
	if f := p.LineFormat(); f != src.Format && f != accesslog.FormatAuto {
		meta.Format = f.String() // a line of a mixed file: its own format
	}
	if err != nil {
		var pe *accesslog.ParseError
		if !errors.As(err, &pe) {
			return 0, "parse_error"
		}
		if pe.Reason == "no_fields" && c.norm.isErrorBody(line.Bytes) {
			// A bare error body of a shape the access-log vocabulary does
			// not mark (GitHub's {"message","documentation_url"}): one
			// reason for every bare body that names no request.
			return 0, ReasonBodyNoRequestID
		}
		return 0, pe.Reason
	}
	chain := &src.Chain
	if c.spec != nil && c.spec.deferIDs {
		chain = nil // the chain before the chunk is not known: ids come at merge
	}
	kind, env, synthetic, reason := c.norm.normalize(&c.rec, p.LineFormat(), line.Bytes, chain)
	if reason != "" {
		return 0, reason
	}
	meta.Synthetic = synthetic
	if synthetic && c.spec != nil {
		// The id hangs on the chain before the chunk: recomputed at merge.
		c.spec.noteSynthetic(reqs.Len(), line.Bytes)
	}
	reqs.Append(&c.rec, kind, env, *meta)
	return kind, ""
}
