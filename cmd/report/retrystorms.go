package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/cli"
	"github.com/ratescope/ratescope/internal/report"
	"github.com/ratescope/ratescope/internal/retry"
)

// RetryStormsOptions are the inputs of `report retry-storms`.
type RetryStormsOptions struct {
	IO *cli.IOStreams
	// DB opens the database, its schema checked.
	DB func(context.Context) (*chstore.DB, error)
	// Ctx is the command's context.
	Ctx context.Context

	Window     cli.Window
	Format     cli.Format
	Limit      cli.Limit
	Partner    string
	MinRetries int
}

// NewCmdRetryStorms returns `report retry-storms`. runF, when not nil,
// replaces the command's logic (retryStormsRun) so tests can check flag
// handling alone.
func NewCmdRetryStorms(f *cli.Factory, runF func(*RetryStormsOptions) error) *cobra.Command {
	opts := &RetryStormsOptions{IO: f.IOStreams, DB: syncedDB(f)}
	var window cli.WindowFlags
	cmd := &cobra.Command{
		Use:   "retry-storms [flags]",
		Short: "Clients that retry too fast, retry what must not be retried, or ignore Retry-After",
		Long: `Find the retry storms of a window.

A request is a retry when it follows a failed response (status >= 400, or a
network-level failure: status 0, Envoy flags UF, URX, UH, UT, ...) from the
same partner and client IP to the same method and route (and the same
idempotency key, when one is sent) within 60 s. Consecutive attempts form
one logical request. A logical request is a storm when at least
--min-retries of its retries fall within one 60 s span AND it breaks at
least one of these rules:

  no_backoff               the gaps do not grow as the documented schedule
                           asks (1 s, 2 s, 4 s, 8 s, ... capped at 30 s):
                           a gap under half the documented wait for its
                           retry is short, unless it honoured a Retry-After;
                           one short gap is forgiven as jitter, two are not
  ignored_retry_after      retried before the Retry-After (header, or the
                           body's retryAfter) of the previous response
  retried_non_retryable    retried a status that must not be retried: 400,
                           401, 403, 404, 409, 422 and the other 4xx except
                           408 and 429; 501, 505
  missing_idempotency_key  a POST or PATCH retried without an idempotency key

A client that backs off as documented, honours Retry-After, retries only
429, 5xx and network failures, and sends idempotency keys on writes is never
reported. Only attempts whose access record lies in the window count.
Storms are sorted most severe first: most retries, then most violations,
then earliest start.

-o json prints a stable array with one object per storm: partner,
client_ip, method, route, start and end (RFC 3339, UTC, milliseconds),
attempts, retries, median_gap_ms (the median gap between attempts),
violations (array of the names above, sorted) and first_request_id (give it
to 'report request' to see every attempt). -o csv prints the same
fields under a header row, violations joined with ",".`,
		Example: `  # who was in a retry storm in the last 24 hours?
  report retry-storms

  # one partner, over a week, storms of 10 retries a minute or more
  report retry-storms --since 7d --partner acme --min-retries 10

  # then look at one storm's attempts
  report request 3f2b9c1e-7d4a-4b8e-9f00-5c6d7e8f9a0b`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkPartnerFlag(cmd, opts.Partner); err != nil {
				return err
			}
			if opts.MinRetries < 1 || opts.MinRetries > retry.MaxMinRetries {
				return cli.UsageErrorf("--min-retries must be between 1 and %d, got %d", retry.MaxMinRetries, opts.MinRetries)
			}
			w, err := window.Window(f.Now())
			if err != nil {
				return err
			}
			opts.Window = w
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return retryStormsRun(opts)
		},
	}
	window.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&opts.Partner, "partner", "", "only this `PARTNER`'s storms")
	cmd.Flags().IntVar(&opts.MinRetries, "min-retries", retry.DefaultMinRetries,
		"a storm has at least `N` retries within 60 s")
	cli.AddFormatFlag(cmd.Flags(), &opts.Format)
	cli.AddLimitFlag(cmd.Flags(), &opts.Limit)
	return cmd
}

func retryStormsRun(opts *RetryStormsOptions) error {
	db, err := opts.DB(opts.Ctx)
	if err != nil {
		return err
	}
	partner, err := partnerName(opts.Ctx, db, opts.Partner)
	if err != nil {
		return err
	}
	storms, err := report.RetryStorms(opts.Ctx, chquery.New(db), report.RetryStormsQuery{
		From: opts.Window.From, To: opts.Window.To, Partner: partner,
		Thresholds: retry.Thresholds{MinRetries: opts.MinRetries},
	})
	if err != nil {
		return err
	}
	human := (opts.Format == cli.FormatTable || opts.Format == cli.FormatWide) && opts.IO.IsStdoutTTY()
	if len(storms) == 0 && (opts.Format == cli.FormatTable || opts.Format == cli.FormatWide) {
		if !human {
			if err := opts.Format.Exporter().Export(opts.IO, retryStormsResult(storms, human, false)); err != nil {
				return err
			}
		}
		return nothingToShow(opts.Ctx, opts.IO, db, "no retry storms", opts.Window)
	}
	narrow := human && opts.Format == cli.FormatTable
	return cli.ExportLimited(opts.IO, opts.Format, opts.Limit, retryStormsResult(storms, human, narrow))
}

// retryStormsResult presents storms: JSON is the storms themselves (see
// retry.Storm.MarshalJSON); the table has the same fields as columns, with
// times and violations written for people when human. narrow (a table for
// a terminal, not -o wide) writes the method into the route column, so a
// row fits 80 columns with room for the route.
func retryStormsResult(storms []retry.Storm, human, narrow bool) cli.Result {
	cols := []cli.Column{
		{Name: "partner", Kind: cli.Text},
		{Name: "client_ip", Kind: cli.Text, Keep: true},
		{Name: "method", Kind: cli.Text, Wide: narrow},
		{Name: "route", Kind: cli.Text},
		{Name: "start", Kind: cli.Text, Keep: true},
		{Name: "end", Kind: cli.Text, Wide: true},
		{Name: "attempts", Kind: cli.Count},
		{Name: "retries", Kind: cli.Count, Wide: true},
		{Name: "median_gap_ms", Kind: cli.Count, Wide: true},
		{Name: "violations", Kind: cli.Text},
		{Name: "first_request_id", Kind: cli.Text, Wide: true},
	}
	sep := ","
	if human && !narrow {
		sep = ", "
	}
	rows := make([][]any, len(storms))
	for i := range storms {
		s := &storms[i]
		names := make([]string, len(s.Violations))
		for j, v := range s.Violations {
			names[j] = string(v)
		}
		route := s.Route
		if narrow {
			route = s.Method + " " + s.Route
		}
		start := formatShort(s.Start, human)
		if narrow {
			start = s.Start.UTC().Format("01-02 15:04")
		}
		rows[i] = []any{s.Partner, s.ClientIP, s.Method, route, start, formatShort(s.End, human),
			s.Attempts, s.Retries, s.MedianGapMs, strings.Join(names, sep), s.FirstRequestID}
	}
	return cli.Result{Value: storms, Table: cli.Table{Columns: cols, Rows: rows}}
}

// formatMilli writes t in UTC with milliseconds: RFC 3339 for programs,
// "2006-01-02 15:04:05.000 UTC" for people.
func formatMilli(t time.Time, human bool) string {
	if human {
		return t.UTC().Format("2006-01-02 15:04:05.000 UTC")
	}
	return t.UTC().Format(retry.TimeFormat)
}

// formatShort writes t as formatMilli does for programs, and as
// "01-02 15:04:05" (UTC) for people: a storm's row must fit 80 columns.
func formatShort(t time.Time, human bool) string {
	if human {
		return t.UTC().Format("01-02 15:04:05")
	}
	return t.UTC().Format(retry.TimeFormat)
}
