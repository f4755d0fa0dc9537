// Package loggen writes a realistic, deterministic sample of API gateway
// logs for a fictional API — one file per access-log format ratescope
// reads, separately logged error bodies in every envelope shape of the
// seed pages, malformed and duplicated lines, retry storms and a partner
// running near its rate limit — together with manifest.json, the ground
// truth that ingest and the reports can be checked against, and
// ratescope.yaml, the partners and rate-limit plans the sample is built around.
//
// The same Config always yields byte-identical files. Output is streamed:
// memory stays small however many requests are asked for.
package loggen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Defaults for a quick demo: about 21,000 lines, 8 MB.
const (
	DefaultSpan     = 2 * time.Hour
	DefaultRequests = 16_000
	// MinSpan leaves room for the scripted scenarios.
	MinSpan = 30 * time.Minute
)

// Config selects a sample.
type Config struct {
	// Seed selects the random choices; the same Config gives the same bytes.
	Seed int64
	// End is the time of the sample's last request (required); it is
	// truncated to the millisecond.
	End time.Time
	// Span is how long before End the sample starts: DefaultSpan when zero,
	// at least MinSpan.
	Span time.Duration
	// Requests is the number of background requests: DefaultRequests when
	// zero. Retries, health checks, the near-limit partner (about 3,000
	// requests a default span) and the scripted storms come on top.
	Requests int
	// Pace, when set, makes the generation live: it is called with each
	// record's time before the record is written and may block until
	// then; every file is flushed after each record, so a follower sees
	// the lines as they come. There is no gzipped archive then (every
	// API Gateway line goes to apigw.log), and ratescope.yaml is written
	// before the first line. An error stops the generation.
	Pace func(ctx context.Context, at time.Time) error
	// Append adds to the files instead of replacing them (a live
	// generator's later rounds).
	Append bool
}

func (c Config) withDefaults() (Config, error) {
	if c.End.IsZero() {
		return c, errors.New("config: End is required")
	}
	if c.Span == 0 {
		c.Span = DefaultSpan
	}
	if c.Span < MinSpan {
		return c, fmt.Errorf("config: span %v is shorter than %v", c.Span, MinSpan)
	}
	if c.Requests == 0 {
		c.Requests = DefaultRequests
	}
	if c.Requests < 0 {
		return c, fmt.Errorf("config: requests must be positive, not %d", c.Requests)
	}
	c.End = c.End.UTC().Truncate(time.Millisecond)
	return c, nil
}

// Generate writes the sample into dir (created if missing; files of the
// same names are replaced) and returns its manifest, also written as
// dir/manifest.json. On error or cancellation the files may be partial.
func Generate(ctx context.Context, dir string, cfg Config) (*Manifest, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}
	g := newGen(cfg)
	if cfg.Pace != nil {
		// Live: the plans first (a follower's --config), no archive.
		if err := os.WriteFile(filepath.Join(dir, PlansName), plansYAML(g.w), 0o644); err != nil {
			return nil, fmt.Errorf("write plans: %w", err)
		}
		g.rotateAt = g.start
	}
	for id := sinkID(0); id < numSinks; id++ {
		s, err := openSink(dir, id, id == sinkArchive, cfg.Append)
		if err != nil {
			g.closeSinks()
			return nil, err
		}
		g.sinks[id] = s
		for _, p := range plannedMalformed[id] {
			s.inject = append(s.inject, injection{at: g.at(p.f), kind: p.kind})
		}
		for _, f := range plannedDuplicates[id] {
			s.dupAt = append(s.dupAt, g.at(f))
		}
	}
	g.sinks[sinkAPIGW].tee = g.sinks[sinkOverlap]
	g.sinks[sinkOverlap].file.CopyOf = FileAPIGW

	g.scenarios()
	g.background()
	g.acme()
	g.healthChecks()
	g.scanner()
	runErr := g.run(ctx)
	if err := errors.Join(runErr, g.closeSinks()); err != nil {
		return nil, err
	}

	var storms, good []Sequence
	var example string
	for _, run := range g.runs {
		if run.storm {
			storms = append(storms, run.result(g))
		} else {
			good = append(good, run.result(g))
		}
		for _, a := range run.reqs {
			if example == "" && run.storm && a.body {
				example = a.id
			}
		}
	}
	slices.SortStableFunc(storms, func(a, b Sequence) int { return a.Start.Compare(b.Start) })
	slices.SortStableFunc(good, func(a, b Sequence) int { return a.Start.Compare(b.Start) })
	files := make([]*File, 0, numSinks)
	for _, s := range g.sinks {
		files = append(files, s.file)
	}
	// The quota projections stand on the sample's span (finish).
	g.acc.m.Start, g.acc.m.End = time.UnixMilli(g.start).UTC(), cfg.End
	m := g.acc.finish(g.w, files, storms, good, example)
	m.Seed = cfg.Seed
	m.Span = cfg.Span.String()
	m.BackgroundRequests = cfg.Requests

	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestName), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, PlansName), plansYAML(g.w), 0o644); err != nil {
		return nil, fmt.Errorf("write plans: %w", err)
	}
	return m, nil
}

func newGen(cfg Config) *gen {
	g := &gen{
		cfg:            cfg,
		end:            cfg.End.UnixMilli(),
		span:           cfg.Span.Milliseconds(),
		rnd:            rand.New(rand.NewPCG(uint64(cfg.Seed), 0x7a11_c0ffee)),
		w:              newWorld(cfg.Seed),
		waf:            map[string]*slidingWindow{},
		minute:         map[string]*fixedWindow{},
		quota:          map[*partner]*fixedMonth{},
		malformedEvery: 5000,
		duplicateEvery: 1500,
	}
	g.start = g.end - g.span
	g.rotateAt = g.at(1.0 / 3)
	g.v2At = g.at(0.5)
	g.overlapFrom, g.overlapTo = g.at(0.55), g.at(0.65)
	g.acc = newAccum(g.w)
	w := g.w
	g.partnerWeightsAPI = []weighted{{w.globex, 35}, {w.initech, 25}, {w.umbrella, 20}, {w.hooli, 12}}
	g.partnerWeightsOth = []weighted{{w.globex, 40}, {w.initech, 30}, {w.umbrella, 30}}
	return g
}

func (g *gen) closeSinks() error {
	var err error
	for _, s := range g.sinks {
		if s != nil {
			err = errors.Join(err, s.close())
		}
	}
	return err
}
