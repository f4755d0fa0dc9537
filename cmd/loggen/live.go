package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ratescope/ratescope/internal/loggen"
)

// liveConfig is what --live runs with.
type liveConfig struct {
	out      string
	seed     int64
	span     time.Duration
	requests int
	speed    float64
	// now is the clock (time.Now when nil); rounds stops after that many
	// rounds (0: until ctx ends). Tests set both.
	now    func() time.Time
	rounds int
}

// runLive writes rounds of live traffic until ctx ends: each round is the
// sample of one span starting now, each record written when its time
// comes (scaled by speed), appended to the previous rounds' files.
func runLive(ctx context.Context, c liveConfig, stdout, stderr io.Writer) int {
	now := c.now
	if now == nil {
		now = time.Now
	}
	span := c.span
	if span == 0 {
		span = loggen.DefaultSpan
	}
	for round := 0; c.rounds == 0 || round < c.rounds; round++ {
		wallStart := now()
		start := wallStart.UTC().Truncate(time.Millisecond)
		pace := func(ctx context.Context, at time.Time) error {
			wait := time.Duration(float64(at.Sub(start))/c.speed) - now().Sub(wallStart)
			if wait <= 0 {
				return ctx.Err()
			}
			t := time.NewTimer(wait)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		m, err := loggen.Generate(ctx, c.out, loggen.Config{
			Seed: c.seed + int64(round), End: start.Add(span), Span: span, Requests: c.requests,
			Pace: pace, Append: round > 0,
		})
		if errors.Is(err, context.Canceled) || ctx.Err() != nil {
			fmt.Fprintln(stdout, "loggen: stopped")
			return 0
		}
		if err != nil {
			fmt.Fprintf(stderr, "loggen: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "live round %d: %d requests, %d errors, %d retry storms (%s to %s)\n",
			round+1, m.Requests, m.Errors, len(m.RetryStorms), m.Start.Format(time.RFC3339), m.End.Format(time.RFC3339))
	}
	return 0
}
