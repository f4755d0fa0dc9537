package main

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/cli"
	"github.com/ratescope/ratescope/internal/config"
	"github.com/ratescope/ratescope/internal/findings"
	"github.com/ratescope/ratescope/internal/ratelimit"
	"github.com/ratescope/ratescope/internal/report"
)

// RateLimitsOptions are the inputs of `report rate-limits`.
type RateLimitsOptions struct {
	IO *cli.IOStreams
	// DB opens the database, its schema checked.
	DB func(context.Context) (*chstore.DB, error)
	// Ctx is the command's context.
	Ctx context.Context

	Window cli.Window
	Format cli.Format
	Limit  cli.Limit
	// QuotaStart is the configuration's quota_start: where quota
	// projections start when the data cannot say (zero: the first request
	// of the month).
	QuotaStart time.Time
	// PlansFile is --plans; Plans is that file, loaded and validated.
	PlansFile string
	Plans     *ratelimit.Plans
	// Warn is --warn; 0 when not given (the plans file's warn applies).
	Warn float64
}

// NewCmdRateLimits returns `report rate-limits`. runF, when not nil,
// replaces the command's logic (rateLimitsRun) so tests can check flag
// handling alone. No plans at all or a --warn out of range is a usage
// error (exit 2); a plans file that cannot be read or is invalid is a
// failure (exit 1), reported before ClickHouse is dialled.
func NewCmdRateLimits(f *cli.Factory, runF func(*RateLimitsOptions) error) *cobra.Command {
	opts := &RateLimitsOptions{IO: f.IOStreams, DB: syncedDB(f)}
	var window cli.WindowFlags
	cmd := &cobra.Command{
		Use:   "rate-limits [--plans FILE] [flags]",
		Short: "Partners and client IPs near or over their rate limits",
		Long: `Measure each partner's traffic against the limits of its rate-limit plan,
and each client IP against the per-IP limits, as the configuration
(ratescope.yaml: --config, $RATESCOPE_CONFIG) or a plans file (--plans)
describes them; see examples/ratescope.yaml and docs/configuration.md.

For each partner and limit, utilization is the highest of:

  sustained  token bucket: highest average rate over any 60 s ÷ rate
  burst      token bucket: 1 − lowest simulated bucket level ÷ burst
             (a full bucket refilled at rate/1000 per millisecond; each
             request takes a token; a millisecond's requests are taken
             together)
  window     count limit: highest count in any sliding window of per ÷ limit
  quota      monthly quota: this month's requests so far ÷ the time the data
             covers (from the month's first request, or the configuration's
             quota_start, to the window's end) × the month's length ÷ quota;
             -o wide shows projected_from_days, what it stands on
  headers    where the logs carry X-RateLimit-Limit/Remaining:
             1 − lowest remaining ÷ limit

Buckets and windows replay a warm-up before the window (each limit's
longest look-back: per, or 60 s and burst ÷ rate; 60 s to 1 h) and measure
only the window: a bucket drained just before --since is still drained.

A rate-0 limit (API Gateway's "0 RPS") allows nothing: its utilization is
the number of requests it saw. State is "over" when utilization is above 1,
429s were attributed to the limit, or a rate-0 limit saw a request (but a
quota projected over from less than a day of data, with no rejections and
its count still under the quota, is "near": hours cannot say how a month
ends); "near"
when utilization is at or above the warn level (--warn, else the file's
warn, else 0.8); else "ok". Rows come most urgent first. Every partner of
the plans file gets a row per limit; per-IP limits list each IP near or
over, or else their busiest IP.

-o json prints a stable array with one object per row:

  partner      the partner's name from the plans file, or the client IP
  limit        the limit's name
  utilization  the highest utilization above (1 = at the limit)
  throttled    requests rejected for this limit: 429s of its requests
               (quotas: QUOTA_EXCEEDED ones; per-IP: WAF_FILTERED ones)
  state        over, near or ok
  kind         token_bucket, window, quota or ip_window
  measure      which utilization was highest: sustained, burst, window,
               quota, headers or blocked (a rate-0 limit)
  peak         highest count in any 60 s (token buckets) or window of the
               limit, or the month's requests so far (quotas)
  exhausts_at  quotas: when the month's requests reach the quota at the
               rate the data shows (absent: not this month; -o wide shows it)
  peak_trend_per_day, throttles_by
               when the daemon kept (ingest --follow --plans) at least 3 of
               the last 7 days: the least-squares gain per day of the
               limit's daily peak utilization, and the day that trend
               reaches 1 (absent unless it rises towards it; -o wide)

-o csv prints the same fields under a header row.`,
		Example: `  # who is close to a limit in the last 24 hours?
  report rate-limits --plans examples/plans.yaml

  # last week, warning from 70 %
  report rate-limits --plans plans.yaml --since 7d --warn 0.7

  # for a script or an alert
  report rate-limits --plans plans.yaml --format json`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("warn") && !(opts.Warn > 0 && opts.Warn <= 1) {
				return cli.UsageErrorf("--warn %v: want a level above 0 and at most 1", opts.Warn)
			}
			w, err := window.Window(f.Now())
			if err != nil {
				return err
			}
			plans, err := loadPlans(f, opts)
			if err != nil {
				return err
			}
			opts.Window, opts.Plans = w, plans
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return rateLimitsRun(opts)
		},
	}
	window.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&opts.PlansFile, "plans", "", "rate-limit plans `FILE` (a plans file or a ratescope.yaml; default: the configuration's plans)")
	cmd.Flags().Float64Var(&opts.Warn, "warn", 0, "warn `LEVEL`: utilization from which a limit is near, 0..1 (default the plans file's warn, else 0.8)")
	cli.AddFormatFlag(cmd.Flags(), &opts.Format)
	cli.AddLimitFlag(cmd.Flags(), &opts.Limit)
	return cmd
}

// loadPlans reads the plans of --plans (a plans file, or any ratescope.yaml)
// or, without it, of the configuration.
func loadPlans(f *cli.Factory, opts *RateLimitsOptions) (*ratelimit.Plans, error) {
	if opts.PlansFile != "" {
		c, err := config.LoadAs(opts.PlansFile, "plans file")
		if err != nil {
			return nil, err
		}
		if c.Plans == nil {
			return nil, fmt.Errorf("%s: no plans, partners with a plan or ip_limits: nothing to measure", opts.PlansFile)
		}
		opts.QuotaStart = c.QuotaStart
		return c.Plans, nil
	}
	c, err := f.Config()
	if err != nil {
		return nil, err
	}
	if c.Plans == nil {
		where := "no configuration file was found"
		if c.File != "" {
			where = c.File + " defines no plans"
		}
		return nil, cli.UsageErrorf("no rate-limit plans: %s; give --plans FILE or add plans and partners to ratescope.yaml (see examples/ratescope.yaml)", where)
	}
	opts.PlansFile = c.File
	opts.QuotaStart = c.QuotaStart
	return c.Plans, nil
}

func rateLimitsRun(opts *RateLimitsOptions) error {
	db, err := opts.DB(opts.Ctx)
	if err != nil {
		return err
	}
	rd := chquery.New(db)
	coverage := opts.QuotaStart
	if coverage.IsZero() {
		month := ratelimit.MonthStart(opts.Window.To.Add(-time.Nanosecond))
		if coverage, err = report.FirstRequest(opts.Ctx, rd, month, opts.Window.To); err != nil {
			return err
		}
	}
	rows, err := ratelimit.Compute(opts.Ctx, rd, opts.Plans, ratelimit.Query{
		From: opts.Window.From, To: opts.Window.To, Warn: opts.Warn, Coverage: coverage,
	})
	if err != nil {
		return err
	}
	// The trend of each limit's daily peak, from what the daemon kept.
	trends, err := findings.Trends(opts.Ctx, rd, opts.Window.To)
	if err != nil {
		return err
	}
	findings.AddTrends(rows, trends)
	if len(rows) == 0 && (opts.Format == cli.FormatTable || opts.Format == cli.FormatWide) {
		if !opts.IO.IsStdoutTTY() {
			if err := opts.Format.Exporter().Export(opts.IO, rateLimitsResult(rows)); err != nil {
				return err
			}
		}
		return nothingToShow(opts.Ctx, opts.IO, db, "no per-IP traffic and no partners of "+opts.PlansFile, opts.Window)
	}
	res := rateLimitsResult(rows)
	if (opts.Format != cli.FormatTable && opts.Format != cli.FormatWide) || !opts.IO.ColorEnabled() {
		return cli.ExportLimited(opts.IO, opts.Format, opts.Limit, res)
	}
	// Colour the state, the table's last column, after alignment: escape
	// sequences would count as width.
	var buf bytes.Buffer
	ios := *opts.IO
	ios.Out = &buf
	if err := cli.ExportLimited(&ios, opts.Format, opts.Limit, res); err != nil {
		return err
	}
	if _, err := opts.IO.Out.Write(colourStates(buf.Bytes())); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// rateLimitsResult presents rows: JSON is rows itself (see ratelimit.Row);
// the table has state last, so it can be coloured.
func rateLimitsResult(rows []ratelimit.Row) cli.Result {
	if rows == nil {
		rows = []ratelimit.Row{} // JSON [], not null
	}
	t := cli.Table{Columns: []cli.Column{
		{Name: "partner", Kind: cli.Text},
		{Name: "limit", Kind: cli.Text},
		{Name: "kind", Kind: cli.Text, Wide: true},
		{Name: "measure", Kind: cli.Text},
		{Name: "peak", Kind: cli.Count},
		{Name: "utilization", Kind: cli.Ratio},
		{Name: "throttled", Kind: cli.Count},
		{Name: "projected_from_days", Kind: cli.Text, Wide: true},
		{Name: "exhausts_at", Kind: cli.Text, Wide: true},
		{Name: "peak_trend_per_day", Kind: cli.Text, Wide: true},
		{Name: "throttles_by", Kind: cli.Text, Wide: true},
		{Name: "state", Kind: cli.Text},
	}}
	t.Rows = make([][]any, len(rows))
	for i, r := range rows {
		basis, exhausts, trend, by := "", "", "", ""
		if r.Measure == ratelimit.MeasureQuota {
			basis = strconv.FormatFloat(r.ProjectedFromDays, 'f', 1, 64)
		}
		if r.ExhaustsAt != nil {
			exhausts = r.ExhaustsAt.UTC().Format(time.RFC3339)
		}
		if r.PeakTrend != nil {
			trend = strconv.FormatFloat(*r.PeakTrend, 'f', 4, 64)
		}
		if r.ThrottlesBy != nil {
			by = r.ThrottlesBy.UTC().Format(time.DateOnly)
		}
		t.Rows[i] = []any{r.Partner, r.Limit, string(r.Kind), string(r.Measure), r.Peak, r.Utilization, r.Throttled, basis, exhausts, trend, by, string(r.State)}
	}
	return cli.Result{Value: rows, Table: t}
}

// stateColours are the ANSI colours of the states.
var stateColours = map[string]string{
	string(ratelimit.StateOver): "31", // red
	string(ratelimit.StateNear): "33", // yellow
	string(ratelimit.StateOK):   "32", // green
}

// colourStates colours the state ending each line of an aligned table
// after its header line.
func colourStates(table []byte) []byte {
	lines := bytes.SplitAfter(table, []byte{'\n'})
	var out bytes.Buffer
	out.Grow(len(table) + 16*len(lines))
	for i, line := range lines {
		body, nl := bytes.CutSuffix(line, []byte{'\n'})
		j := bytes.LastIndexByte(body, ' ') + 1
		code, ok := stateColours[string(body[j:])]
		if i == 0 || !ok {
			out.Write(line)
			continue
		}
		out.Write(body[:j])
		out.WriteString("\x1b[" + code + "m")
		out.Write(body[j:])
		out.WriteString("\x1b[0m")
		if nl {
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}
