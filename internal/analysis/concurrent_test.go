package analysis_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/analysis"
	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/findings"
	"github.com/ratescope/ratescope/internal/ingest"
	"github.com/ratescope/ratescope/internal/loggen"
	"github.com/ratescope/ratescope/internal/ratelimit"
	"github.com/ratescope/ratescope/internal/report"
)

// TestConcurrentPasses runs two analysis passes at once — a daemon's
// (trailing horizon) beside a one-shot load's (the days it loaded), and
// two one-shot passes — round after round, the sample loaded again in
// between: no pass fails, the rollups hold each request once, the reports
// read through them equal the reports from the rows, and the minutes of
// each pass's window fold into report rate-limits.
func TestConcurrentPasses(t *testing.T) {
	ctx := context.Background()
	db := chtest.MigratedDB(t)
	end := time.Now().UTC().Truncate(time.Minute)
	paths, plans, m := sample(t, loggen.Config{Seed: 11, End: end, Span: 36 * time.Hour})
	rd := chquery.New(db)
	pairs := [][2]analysis.Options{
		{{Plans: plans, Horizon: time.Hour}, {Plans: plans}},
		{{Plans: plans}, {Plans: plans}},
		{{Plans: plans, Horizon: 2 * time.Hour}, {Plans: plans, Horizon: 2 * time.Hour}},
	}
	for round, pair := range pairs {
		if _, err := ingest.Load(ctx, db, paths, ingest.Config{HashKey: []byte("k")}); err != nil {
			t.Fatal(err)
		}
		var (
			wg   sync.WaitGroup
			res  [2]analysis.Result
			errs [2]error
		)
		for i, o := range pair {
			wg.Go(func() { res[i], errs[i] = analysis.Pass(ctx, db, o) })
		}
		wg.Wait()
		for i := range errs {
			if errs[i] != nil {
				t.Fatalf("round %d, pass %d: %v", round, i, errs[i])
			}
			t.Logf("round %d, pass %d: %s", round, i, res[i])
		}
		var rolled, distinct uint64
		if err := db.Conn.QueryRow(ctx, "SELECT sum(requests) FROM "+rd.Tables().Rollup()).Scan(&rolled); err != nil {
			t.Fatal(err)
		}
		if err := db.Conn.QueryRow(ctx, "SELECT uniqExact(rid) FROM "+rd.Tables().Requests()).Scan(&distinct); err != nil {
			t.Fatal(err)
		}
		if rolled != distinct {
			t.Errorf("round %d: the rollups hold %d requests, the table %d distinct ids", round, rolled, distinct)
		}
		from, to := m.Start.Add(-time.Hour), m.End.Add(time.Hour)
		kept, err := report.Summarize(ctx, rd, from, to)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := report.SummarizeRaw(ctx, rd, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if jsonOf(t, kept) != jsonOf(t, raw) {
			t.Errorf("round %d: summary through the rollups %s, from the rows %s", round, jsonOf(t, kept), jsonOf(t, raw))
		}
		// Each minute is read as the latest pass that covered it wrote
		// it, and the passes replay the warm-up before their windows, so a
		// minute is the same whichever pass wrote it: the minutes fold into
		// the report of both passes' windows, however they overlap.
		// (Before the warm-up, only the latest pass's window folded: the
		// other pass's minutes at its start lacked their history.)
		var folded []string
		for _, r := range res {
			if r.To.IsZero() {
				continue
			}
			rows, err := ratelimit.Compute(ctx, rd, plans, ratelimit.Query{From: r.From, To: r.To})
			if err != nil {
				t.Fatal(err)
			}
			mins, err := findings.LimitMinutes(ctx, rd, r.From, r.To, "")
			if err != nil {
				t.Fatal(err)
			}
			if a, b := jsonOf(t, ratelimit.Aggregate(mins)), jsonOf(t, ratelimit.WithMinutes(rows)); a != b {
				folded = append(folded, "window "+r.From.String()+"–"+r.To.String()+": minutes folded "+a+", report "+b)
			}
		}
		if len(folded) > 0 {
			t.Errorf("round %d: the minutes do not fold into the report of every pass's window: %v", round, folded)
		}
	}
}
