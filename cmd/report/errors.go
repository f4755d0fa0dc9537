package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/cli"
	"github.com/ratescope/ratescope/internal/report"
)

// ErrorsOptions are the inputs of `report errors`.
type ErrorsOptions struct {
	IO *cli.IOStreams
	// DB opens the database, its schema checked.
	DB func(context.Context) (*chstore.DB, error)
	// Ctx is the command's context.
	Ctx context.Context

	Window  cli.Window
	Format  cli.Format
	By      []report.Key
	Partner string
	Limit   cli.Limit
}

// NewCmdErrors returns `report errors`. runF, when not nil, replaces the
// command's logic (errorsRun) so tests can check flag handling alone.
func NewCmdErrors(f *cli.Factory, runF func(*ErrorsOptions) error) *cobra.Command {
	opts := &ErrorsOptions{IO: f.IOStreams, DB: syncedDB(f)}
	var window cli.WindowFlags
	var by []string
	cmd := &cobra.Command{
		Use:   "errors [flags]",
		Short: "Error requests by code, status, partner or route",
		Long: `Count the error requests (status >= 400) of a window, grouped by --by keys:

  code     the error body's code; without one, the gateway's error type
           (THROTTLED, QUOTA_EXCEEDED, ...), else Envoy's response flags
           (RL, URX, ...), else empty
  status   the HTTP status
  partner  the partner: its name where ratescope.yaml names it, else the
           key id, client id or kh- caller id as logged
  route    the route template

An error body counts with its request wherever and whenever it was logged.
Rows are sorted by count, largest first, then by the keys.

-o json prints a stable array with one object per row: the --by keys
as fields, in --by order (status a number, the others strings), then
"count" (requests) and "share" (count / all matching error requests, 0..1).
-o csv prints the same fields under a header row.`,
		Example: `  # which errors did partners hit in the last 24 hours?
  report errors

  # one partner's errors by route, over a week
  report errors --since 7d --partner acme --by route,code

  # for a script
  report errors --by partner,status --format json`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkPartnerFlag(cmd, opts.Partner); err != nil {
				return err
			}
			keys, err := report.ParseKeys(by)
			if err != nil {
				return cli.UsageErrorf("--by: %w", err)
			}
			w, err := window.Window(f.Now())
			if err != nil {
				return err
			}
			opts.By, opts.Window = keys, w
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return errorsRun(opts)
		},
	}
	window.AddFlags(cmd.Flags())
	cmd.Flags().StringSliceVar(&by, "by", []string{string(report.KeyCode), string(report.KeyStatus)},
		"group by these `KEYS`, comma-separated: "+report.KeyNames)
	cmd.Flags().StringVar(&opts.Partner, "partner", "", "only this `PARTNER`'s requests: its name or any of its identifiers (key id, client id, consumer, kh- id)")
	cli.AddFormatFlag(cmd.Flags(), &opts.Format)
	cli.AddLimitFlag(cmd.Flags(), &opts.Limit)
	return cmd
}

func errorsRun(opts *ErrorsOptions) error {
	db, err := opts.DB(opts.Ctx)
	if err != nil {
		return err
	}
	partner, err := partnerName(opts.Ctx, db, opts.Partner)
	if err != nil {
		return err
	}
	b, err := report.ErrorCounts(opts.Ctx, chquery.New(db), report.ErrorsQuery{
		From: opts.Window.From, To: opts.Window.To, By: opts.By, Partner: partner,
	})
	if err != nil {
		return err
	}
	if len(b.Rows) == 0 && (opts.Format == cli.FormatTable || opts.Format == cli.FormatWide) {
		if !opts.IO.IsStdoutTTY() {
			if err := opts.Format.Exporter().Export(opts.IO, errorsResult(b)); err != nil {
				return err
			}
		}
		return nothingToShow(opts.Ctx, opts.IO, db, "no error requests", opts.Window)
	}
	return cli.ExportLimited(opts.IO, opts.Format, opts.Limit, errorsResult(b))
}

// errorsResult presents b: JSON is b itself (see report.ErrorBreakdown); the
// table has the --by keys, count and share as columns.
func errorsResult(b report.ErrorBreakdown) cli.Result {
	cols := make([]cli.Column, 0, len(b.By)+2)
	for _, k := range b.By {
		cols = append(cols, cli.Column{Name: string(k), Kind: cli.Text})
	}
	cols = append(cols, cli.Column{Name: "count", Kind: cli.Count}, cli.Column{Name: "share", Kind: cli.Ratio})
	rows := make([][]any, len(b.Rows))
	for i := range b.Rows {
		r := &b.Rows[i]
		row := make([]any, 0, len(cols))
		for _, k := range b.By {
			row = append(row, r.Value(k))
		}
		rows[i] = append(row, r.Count, r.Share)
	}
	return cli.Result{Value: b, Table: cli.Table{Columns: cols, Rows: rows}}
}
