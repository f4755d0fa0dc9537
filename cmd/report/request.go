package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/cli"
	"github.com/ratescope/ratescope/internal/report"
)

// RequestOptions are the inputs of `report request`.
type RequestOptions struct {
	IO *cli.IOStreams
	// DB opens the database, its schema checked.
	DB func(context.Context) (*chstore.DB, error)
	// Ctx is the command's context.
	Ctx context.Context

	ID     string
	Format cli.Format
}

// NewCmdRequest returns `report request`. runF, when not nil, replaces the
// command's logic (requestRun) so tests can check flag handling alone.
func NewCmdRequest(f *cli.Factory, runF func(*RequestOptions) error) *cobra.Command {
	opts := &RequestOptions{IO: f.IOStreams, DB: syncedDB(f)}
	cmd := &cobra.Command{
		Use:   "request ID [flags]",
		Short: "One request: its access record, error body and retries",
		Long: `Show one request by its request id: the access record, the normalised error
body (wherever and whenever it was logged), and every attempt of the logical
request it belongs to — the failures and retries from the same partner and
client IP to the same method and route (and idempotency key) that each
followed a failure within 60 s — with the retry rules they break (see
'report retry-storms --help'). No window applies: the request is found
wherever it lies in time.

-o json prints a stable object:

  request     the access record: request_id, synthetic_id, time (RFC 3339,
              UTC, milliseconds), method, path, route, status, partner,
              client_ip, latency_ms, bytes_sent, user_agent,
              idempotency_key, retry_after, ratelimit_limit,
              ratelimit_remaining, ratelimit_reset, error_type,
              response_flags, format, source, offset (absent numbers are
              null); null when only an error body was logged for the id
  error_body  shape, code, message, details, fields ([{field, message}]),
              retry_after, claimed_status, raw, separate (logged apart from
              the access record), source; null when there is none
  attempts    every attempt of the logical request in time order, this one
              included: time, request_id, status, code, gap_ms (since the
              previous attempt; null for the first), retry_after (what the
              response asked for; null when nothing), this (true for the
              request asked about)
  violations  the rules the logical request breaks, sorted ([] when none)

An unknown id is an error (exit status 1).`,
		Example: `  # the request a partner's support ticket quotes
  report request 3f2b9c1e-7d4a-4b8e-9f00-5c6d7e8f9a0b

  # the first attempt of a storm, for a script
  report retry-storms --format json | jq -r '.[0].first_request_id' | xargs report request --format json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cli.UsageErrorf("%s takes one request id, got %d arguments", cmd.CommandPath(), len(args))
			}
			if strings.TrimSpace(args[0]) == "" {
				return cli.UsageErrorf("%s: the request id is empty", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Format == cli.FormatCSV {
				return cli.UsageErrorf("--format csv does not fit one request: use table or json")
			}
			opts.ID = args[0]
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return requestRun(opts)
		},
	}
	cli.AddFormatFlag(cmd.Flags(), &opts.Format)
	return cmd
}

func requestRun(opts *RequestOptions) error {
	db, err := opts.DB(opts.Ctx)
	if err != nil {
		return err
	}
	d, err := report.LookupRequest(opts.Ctx, chquery.New(db), opts.ID)
	if errors.Is(err, report.ErrUnknownRequest) {
		return fmt.Errorf("no request with id %q in database %s", clip(opts.ID, maxShownID), db.Name)
	}
	if err != nil {
		return err
	}
	if opts.Format == cli.FormatJSON {
		return opts.Format.Exporter().Export(opts.IO, cli.Result{Value: d})
	}
	return writeRequestTables(opts.IO, d)
}

// writeRequestTables prints d as three sections through the table
// exporter: the access record and the error body as "name value" records,
// then the attempts as a table.
func writeRequestTables(ios *cli.IOStreams, d report.RequestDetail) error {
	human := ios.IsStdoutTTY()
	table := cli.FormatTable.Exporter()
	heading := func(s string) error {
		if human {
			s = ios.Bold(s)
		}
		_, err := fmt.Fprintln(ios.Out, s)
		return err
	}
	if d.Request == nil {
		if err := heading("No access record: only an error body was logged for this id."); err != nil {
			return err
		}
	} else {
		if err := heading("Access record"); err != nil {
			return err
		}
		if err := table.Export(ios, cli.Result{Table: accessRecordTable(d.Request, human)}); err != nil {
			return err
		}
	}
	if _, err := fmt.Fprintln(ios.Out); err != nil {
		return err
	}
	if d.ErrorBody == nil {
		if err := heading("No error body."); err != nil {
			return err
		}
	} else {
		if err := heading("Error body"); err != nil {
			return err
		}
		if err := table.Export(ios, cli.Result{Table: errorBodyTable(d.ErrorBody)}); err != nil {
			return err
		}
	}
	if len(d.Attempts) == 0 {
		return nil
	}
	if _, err := fmt.Fprintln(ios.Out); err != nil {
		return err
	}
	title := fmt.Sprintf("Logical request: %d attempts", len(d.Attempts))
	if len(d.Attempts) == 1 {
		title = "Logical request: this attempt alone"
	}
	if len(d.Violations) > 0 {
		names := make([]string, len(d.Violations))
		for i, v := range d.Violations {
			names[i] = string(v)
		}
		title += ", violations: " + strings.Join(names, ", ")
	}
	if err := heading(title); err != nil {
		return err
	}
	return table.Export(ios, cli.Result{Table: attemptsTable(d.Attempts, human)})
}

// accessRecordTable is the access record as a "name value" record.
func accessRecordTable(r *report.AccessRecord, human bool) cli.Table {
	cols := []cli.Column{
		{Name: "request_id"}, {Name: "time"}, {Name: "method"}, {Name: "path"}, {Name: "route"},
		{Name: "status", Kind: cli.Count}, {Name: "partner"}, {Name: "client_ip"}, {Name: "latency_ms"},
		{Name: "bytes_sent", Kind: cli.Count}, {Name: "user_agent"}, {Name: "idempotency_key"},
		{Name: "retry_after", Kind: cli.Count}, {Name: "ratelimit_limit", Kind: cli.Count},
		{Name: "ratelimit_remaining", Kind: cli.Count}, {Name: "ratelimit_reset", Kind: cli.Count},
		{Name: "error_type"}, {Name: "response_flags"}, {Name: "format"}, {Name: "source"},
	}
	id := clip(r.RequestID, maxShownID)
	if r.SyntheticID {
		id += " (derived by ratescope)"
	}
	source := r.Source
	if source != "" {
		source += " at byte " + strconv.FormatUint(r.Offset, 10)
	}
	var latency any
	if r.LatencyMs != nil {
		latency = strconv.FormatFloat(*r.LatencyMs, 'f', -1, 64)
	}
	row := []any{id, formatMilli(r.Time.Time, human), r.Method, r.Path, r.Route, r.Status, r.Partner, r.ClientIP,
		latency, deref(r.BytesSent), r.UserAgent, r.IdempotencyKey, deref(r.RetryAfter), deref(r.RateLimitLimit),
		deref(r.RateLimitRemaining), deref(r.RateLimitReset), r.ErrorType, r.ResponseFlags, r.Format, source}
	return cli.Table{Record: true, Columns: cols, Rows: [][]any{row}}
}

// errorBodyTable is the error body as a "name value" record.
func errorBodyTable(b *report.ErrorBody) cli.Table {
	cols := []cli.Column{
		{Name: "shape"}, {Name: "code"}, {Name: "message"}, {Name: "details"}, {Name: "fields"},
		{Name: "retry_after", Kind: cli.Count}, {Name: "claimed_status", Kind: cli.Count},
		{Name: "logged"}, {Name: "raw"},
	}
	logged := "with the access record"
	if b.Separate {
		logged = "separately"
	}
	if b.Source != "" {
		logged += ", in " + b.Source
	}
	row := []any{b.Shape, b.Code, b.Message, b.Details, b.FieldsText(), deref(b.RetryAfter), deref(b.ClaimedStatus), logged, b.Raw}
	return cli.Table{Record: true, Columns: cols, Rows: [][]any{row}}
}

// attemptsTable lists the attempts, the request asked about marked "*".
func attemptsTable(as []report.RequestAttempt, human bool) cli.Table {
	cols := []cli.Column{
		{Name: "this"}, {Name: "time", Keep: true}, {Name: "request_id"}, {Name: "status", Kind: cli.Count},
		{Name: "code"}, {Name: "gap_ms", Kind: cli.Count}, {Name: "retry_after", Kind: cli.Count},
	}
	rows := make([][]any, len(as))
	for i := range as {
		a := &as[i]
		this := " " // not "": the exporter shows an empty cell as "-"
		if a.This {
			this = "*"
		}
		rows[i] = []any{this, attemptTime(a.Time.Time, human), a.RequestID, a.Status, a.Code, deref(a.GapMs), deref(a.RetryAfter)}
	}
	return cli.Table{Columns: cols, Rows: rows}
}

// attemptTime is formatMilli, with the time of day only for people: the
// attempts of one logical request are seconds apart, and the access record
// above gives the date.
func attemptTime(t time.Time, human bool) string {
	if human {
		return t.UTC().Format("15:04:05.000")
	}
	return formatMilli(t, human)
}

// deref returns *p, or nil (an empty cell) for a nil p.
func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
