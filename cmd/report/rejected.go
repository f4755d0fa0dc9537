package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/cli"
	"github.com/ratescope/ratescope/internal/report"
)

// RejectedOptions are the inputs of `report rejected`.
type RejectedOptions struct {
	IO  *cli.IOStreams
	DB  func(context.Context) (*chstore.DB, error)
	Ctx context.Context

	Window cli.Window
	Format cli.Format
	Limit  cli.Limit
	Reason string
	Source string
}

// NewCmdRejected returns `report rejected`. runF, when not nil, replaces
// the command's logic (rejectedRun) so tests can check flag handling alone.
func NewCmdRejected(f *cli.Factory, runF func(*RejectedOptions) error) *cobra.Command {
	opts := &RejectedOptions{IO: f.IOStreams, DB: syncedDB(f)}
	var window cli.WindowFlags
	cmd := &cobra.Command{
		Use:   "rejected [flags]",
		Short: "The log lines ingest could not store, with the reason",
		Long: `List the dead letters of a window: every log line ingest could not store
as a request, once however often its file was loaded, with why.

A rejected line is filed under the time of the last line of its file that
parsed before it (or when ingest read it, if none did), so a window over old
logs shows their rejects.

  time     the time it is filed under
  source   the file, as given to ingest
  line     its line number
  offset   its byte offset
  format   the format the file was read as
  reason   why: bad_json, bad_status, no_time, not_a_request, line_too_long, …
  raw      the line (truncated; credentials redacted)

--output json prints an array of objects with these fields.`,
		Example: `  # what did ingest not understand today?
  report rejected

  # one reason, every line, for a script
  report rejected --reason not_a_request --since 7d -o json`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := window.Window(f.Now())
			if err != nil {
				return err
			}
			opts.Window, opts.Ctx = w, cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return rejectedRun(opts)
		},
	}
	window.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "only lines rejected for this `REASON`")
	cmd.Flags().StringVar(&opts.Source, "source", "", "only lines of this `FILE` (as given to ingest)")
	cli.AddFormatFlag(cmd.Flags(), &opts.Format)
	cli.AddLimitFlag(cmd.Flags(), &opts.Limit)
	return cmd
}

func rejectedRun(opts *RejectedOptions) error {
	db, err := opts.DB(opts.Ctx)
	if err != nil {
		return err
	}
	rows, err := report.ListRejected(opts.Ctx, chquery.New(db), report.RejectedQuery{
		From: opts.Window.From, To: opts.Window.To, Reason: opts.Reason, Source: opts.Source,
	})
	if err != nil {
		return err
	}
	if len(rows) == 0 && (opts.Format == cli.FormatTable || opts.Format == cli.FormatWide) {
		return nothingToShow(opts.Ctx, opts.IO, db, "no rejected lines", opts.Window)
	}
	t := cli.Table{Columns: []cli.Column{
		{Name: "time", Kind: cli.Time, Wide: true},
		{Name: "source", Kind: cli.Text},
		{Name: "line", Kind: cli.Count},
		{Name: "offset", Kind: cli.Count, Wide: true},
		{Name: "format", Kind: cli.Text, Wide: true},
		{Name: "reason", Kind: cli.Text, Keep: true},
		{Name: "raw", Kind: cli.Text},
	}}
	t.Rows = make([][]any, len(rows))
	for i, r := range rows {
		t.Rows[i] = []any{r.Time, r.Source, r.Line, r.Offset, r.Format, r.Reason, r.Raw}
	}
	return cli.ExportLimited(opts.IO, opts.Format, opts.Limit, cli.Result{Value: rows, Table: t})
}

// nothingToShow says, in one line, that a report found nothing in the
// window, and where the loaded data lies when that is outside it: on
// standard output on a terminal; piped, standard output stays an empty
// table (its header) for programs and the line goes to standard error.
func nothingToShow(ctx context.Context, ios *cli.IOStreams, db *chstore.DB, what string, w cli.Window) error {
	msg := fmt.Sprintf("%s between %s and %s.", what, w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
	if db != nil {
		if span, err := report.DataSpan(ctx, chquery.New(db)); err == nil {
			msg += spanHint(span, w)
		}
	}
	if ios.IsStdoutTTY() {
		_, err := fmt.Fprintln(ios.Out, upperFirst(msg))
		return err
	}
	_, err := fmt.Fprintln(ios.ErrOut, "report: "+msg)
	return err
}

// spanHint points to the loaded data when none of it is in the window.
func spanHint(s report.Span, w cli.Window) string {
	switch {
	case s.Requests == 0:
		return " Nothing is loaded yet: run ingest FILE... first."
	case s.Last.Before(w.From) || !s.First.Before(w.To):
		return fmt.Sprintf(" The data loaded spans %s to %s: try --from %s --to %s.",
			s.First.Format(time.RFC3339), s.Last.Format(time.RFC3339),
			s.First.Format("2006-01-02"), s.Last.Format("2006-01-02"))
	}
	return ""
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
