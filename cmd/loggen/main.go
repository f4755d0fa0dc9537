// Command loggen writes a deterministic sample of API gateway logs with its
// ground truth (manifest.json) and configuration (ratescope.yaml: partners and plans).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/ratescope/ratescope/internal/loggen"
)

const usage = `Usage: loggen [--seed N] [--requests N] [--end TIME] [--span DURATION] --out DIR
       loggen --live [--speed X] [--seed N] [--requests N] [--span DURATION] --out DIR

Writes a sample of API gateway logs into DIR: apigw.log (and a gzipped
archive and an overlapping copy), nginx.log, nginx-json.log, envoy.log,
gateway.jsonl, app-errors.jsonl, plus manifest.json (the ground truth) and
ratescope.yaml (the sample's partners and rate-limit plans: --config). The same flags always
write the same bytes.

With --live it writes live traffic instead, until interrupted: each
record when its time comes (the sample of one --span starting now, then
the next, with the next seed, appended), retry storms and the partner
nearing its limit included, and ratescope.yaml before the first line —
for ingest --follow (docker-compose.yml runs it so). --speed X plays X
seconds of traffic per second (its timestamps then run ahead of the
clock). There is no gzipped archive in live mode, and manifest.json
describes the latest finished round.

Example:
  loggen --out .demo/sample --end 2026-11-22T06:00:00Z
  ingest .demo/sample/*.log .demo/sample/*.jsonl .demo/sample/*.log.gz
  loggen --live --out /tmp/live & ingest --follow '/tmp/live/*.log' '/tmp/live/*.jsonl' --config /tmp/live/ratescope.yaml

Flags:
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run parses args, generates, and returns the exit status: 0 done, 1 the
// generation failed, 2 bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loggen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Int64("seed", 1, "random seed; the same flags give the same files")
	requests := fs.Int("requests", loggen.DefaultRequests, "background requests (scenario traffic comes on top)")
	end := fs.String("end", "now", "time of the last request, RFC 3339 (e.g. 2026-11-22T06:00:00Z), or now")
	span := fs.Duration("span", loggen.DefaultSpan, "how long before --end the sample starts")
	out := fs.String("out", "", "directory to write the sample into (required)")
	live := fs.Bool("live", false, "write live traffic, each record when its time comes, until interrupted")
	speed := fs.Float64("speed", 1, "live: seconds of traffic written per second")
	// On a bad flag, the flag package has printed what is wrong: add a hint,
	// not the whole usage.
	fs.Usage = func() { fmt.Fprintln(stderr, "see loggen --help") }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "loggen: unexpected argument %q (see --help)\n", fs.Arg(0))
		return 2
	}
	if *out == "" {
		fmt.Fprintln(stderr, "loggen: --out DIR is required (see --help)")
		return 2
	}
	if *requests <= 0 {
		fmt.Fprintf(stderr, "loggen: --requests must be positive, not %d\n", *requests)
		return 2
	}
	if *speed <= 0 {
		fmt.Fprintf(stderr, "loggen: --speed must be positive, not %v\n", *speed)
		return 2
	}
	if *live {
		if *end != "now" {
			fmt.Fprintln(stderr, "loggen: --live starts now: drop --end")
			return 2
		}
		return runLive(ctx, liveConfig{out: *out, seed: *seed, span: *span, requests: *requests, speed: *speed}, stdout, stderr)
	}
	endTime := time.Now().UTC().Truncate(time.Second)
	if *end != "now" {
		t, err := time.Parse(time.RFC3339Nano, *end)
		if err != nil {
			fmt.Fprintf(stderr, "loggen: --end %q is not an RFC 3339 time such as 2026-11-22T06:00:00Z\n", *end)
			return 2
		}
		endTime = t
	}
	m, err := loggen.Generate(ctx, *out, loggen.Config{Seed: *seed, End: endTime, Span: *span, Requests: *requests})
	if err != nil {
		fmt.Fprintf(stderr, "loggen: %v\n", err)
		return 1
	}
	var lines int64
	for _, f := range m.Files {
		lines += f.Lines
	}
	fmt.Fprintf(stdout, "wrote %d lines in %d files to %s: %d requests, %d errors, %d malformed lines, %d retry storms (%s to %s)\n",
		lines, len(m.Files), *out, m.Requests, m.Errors, m.RejectedLines, len(m.RetryStorms),
		m.Start.Format(time.RFC3339), m.End.Format(time.RFC3339))
	return 0
}
