package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/cli"
	"github.com/ratescope/ratescope/internal/report"
)

// SummaryOptions are the inputs of `report summary`.
type SummaryOptions struct {
	IO *cli.IOStreams
	// DB opens the database, its schema checked.
	DB func(context.Context) (*chstore.DB, error)
	// Ctx is the command's context.
	Ctx context.Context

	Window cli.Window
	Format cli.Format
}

// NewCmdSummary returns `report summary`. runF, when not nil, replaces the
// command's logic (summaryRun) so tests can check flag handling alone.
func NewCmdSummary(f *cli.Factory, runF func(*SummaryOptions) error) *cobra.Command {
	opts := &SummaryOptions{IO: f.IOStreams, DB: syncedDB(f)}
	var window cli.WindowFlags
	cmd := &cobra.Command{
		Use:   "summary [flags]",
		Short: "Requests, errors, partners and rejected lines in a window",
		Long: `Summarise a window: how many requests (distinct request ids), how many of
them failed (status >= 400), how many partners called, and how many log lines
ingest could not parse.

-o json prints one object, a stable contract:

  requests        distinct request ids (access records, and error bodies
                  logged without one)
  errors          requests with status >= 400
  error_rate      errors / requests, 0..1 (0 without requests)
  client_errors   requests with status 400-499
  server_errors   requests with status >= 500
  throttled       requests with status 429
  partners        distinct partners (by name where the configuration
                  names them, else the id as logged)
  rejected_lines  distinct lines rejected by ingest in the window
  from, to        the window [from, to), RFC 3339 UTC

-o csv prints the same fields as one header row and one record.`,
		Example: `  # the last 24 hours
  report summary

  # yesterday, as JSON
  report summary --from 2026-03-01T00:00:00Z --to 2026-03-02T00:00:00Z --format json

  # the last week, from a script
  report summary --since 7d --format csv`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := window.Window(f.Now())
			if err != nil {
				return err
			}
			opts.Window = w
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return summaryRun(opts)
		},
	}
	window.AddFlags(cmd.Flags())
	cli.AddFormatFlag(cmd.Flags(), &opts.Format)
	return cmd
}

func summaryRun(opts *SummaryOptions) error {
	db, err := opts.DB(opts.Ctx)
	if err != nil {
		return err
	}
	s, err := report.Summarize(opts.Ctx, chquery.New(db), opts.Window.From, opts.Window.To)
	if err != nil {
		return err
	}
	if err := opts.Format.Exporter().Export(opts.IO, summaryResult(s)); err != nil {
		return err
	}
	if s.Requests == 0 && (opts.Format == cli.FormatTable || opts.Format == cli.FormatWide) {
		// Only the hint: the table above already says there is nothing.
		if span, err := report.DataSpan(opts.Ctx, chquery.New(db)); err == nil {
			if hint := spanHint(span, opts.Window); hint != "" {
				w := opts.IO.Out
				if !opts.IO.IsStdoutTTY() {
					w = opts.IO.ErrOut
				}
				_, err := fmt.Fprintln(w, strings.TrimSpace(hint))
				return err
			}
		}
	}
	return nil
}

// summaryResult presents s: JSON is s itself; the table is one record with
// the JSON fields as columns.
func summaryResult(s report.Summary) cli.Result {
	return cli.Result{
		Value: s,
		Table: cli.Table{
			Record: true,
			Columns: []cli.Column{
				{Name: "from", Kind: cli.Time},
				{Name: "to", Kind: cli.Time},
				{Name: "requests", Kind: cli.Count},
				{Name: "errors", Kind: cli.Count},
				{Name: "error_rate", Kind: cli.Ratio},
				{Name: "client_errors", Kind: cli.Count},
				{Name: "server_errors", Kind: cli.Count},
				{Name: "throttled", Kind: cli.Count},
				{Name: "partners", Kind: cli.Count},
				{Name: "rejected_lines", Kind: cli.Count},
			},
			Rows: [][]any{{
				s.From, s.To, s.Requests, s.Errors, s.ErrorRate, s.ClientErrors,
				s.ServerErrors, s.Throttled, s.Partners, s.RejectedLines,
			}},
		},
	}
}
