package analysis_test

import (
	"context"
	"math/rand/v2"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/analysis"
	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/errbody"
	"github.com/ratescope/ratescope/internal/findings"
	"github.com/ratescope/ratescope/internal/ratelimit"
	"github.com/ratescope/ratescope/internal/report"
)

// envInt reads a positive integer from the environment, else def.
func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return n
}

// benchPlans measures the bench's 50 partners: a token bucket and a
// monthly quota each; and each client IP against a per-minute limit.
const benchPlans = `ip_limits:
  - {name: per-ip, limit: 60, per: 1m}
plans:
  std:
    - {name: sustained, rate: 20, burst: 40}
    - {name: monthly, quota: 1000000}
partners:
`

// BenchmarkKept times the questions issue 10 is about before (computed
// from the requests table: the …/rows benchmarks) and after (read from the
// rollups and findings an analysis pass kept: …/kept), side by side, over
// RATESCOPE_BENCH_REQUESTS requests (default 300,000) spread over
// RATESCOPE_BENCH_DAYS days (default 30), and what the analysis passes
// cost: recomputing the findings of one day, and the daemon's pass after
// a minute of traffic at 1,000 requests/s. The scale is
// RATESCOPE_BENCH_REQUESTS=10000000.
// benchLoad is what BenchmarkKept and BenchmarkPanels time against:
// RATESCOPE_BENCH_REQUESTS requests (default 300,000) spread over
// RATESCOPE_BENCH_DAYS days (default 30) ending at end, merged, with the
// bench plans and the rollups and findings of one backfill pass.
type benchLoad struct {
	db         *chstore.DB
	n, days    int
	start, end time.Time
	plans      *ratelimit.Plans
	pass       analysis.Result
}

func loadBench(b *testing.B) benchLoad {
	b.Helper()
	l := benchLoad{n: envInt(b, "RATESCOPE_BENCH_REQUESTS", 300_000), days: envInt(b, "RATESCOPE_BENCH_DAYS", 30)}
	ctx := context.Background()
	var reused bool
	l.db, reused = openBench(b)
	if err := l.db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	l.end = time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	l.start = l.end.AddDate(0, 0, -l.days)
	t0 := time.Now()
	if reused {
		b.Logf("reusing database %s as loaded by an earlier run (RATESCOPE_BENCH_DB)", l.db.Name)
	} else {
		loadSpread(b, l.db, l.n, l.start, l.end)
		if err := l.db.Conn.Exec(ctx, "OPTIMIZE TABLE "+l.db.Table("requests")+" FINAL"); err != nil {
			b.Fatal(err)
		}
		b.Logf("loaded %d requests over %d days in %s", l.n, l.days, time.Since(t0).Round(time.Millisecond))
	}
	pf := benchPlans
	for p := range 50 {
		pf += "  - {name: partner-" + strconv.Itoa(p) + ", plan: std}\n"
	}
	var err error
	if l.plans, err = ratelimit.ParsePlans("bench.yaml", []byte(pf)); err != nil {
		b.Fatal(err)
	}
	t0 = time.Now()
	if l.pass, err = analysis.Pass(ctx, l.db, analysis.Options{Plans: l.plans}); err != nil {
		b.Fatal(err)
	}
	b.Logf("backfill pass: %s (%s)", l.pass, time.Since(t0).Round(time.Millisecond))
	if l.pass.To.IsZero() {
		// A reused database: the pass found its days built already.
		l.pass.From, l.pass.To = l.start, l.end
	}
	return l
}

// benchDBEnv names a database the benches keep between runs (loaded by the
// first, reused by the next), so that a 10M-request setup loads once. The
// reuse is by name only: keep RATESCOPE_BENCH_REQUESTS and
// RATESCOPE_BENCH_DAYS the same between runs, and drop the database
// when done (the daemon-pass benches add rows to it).
const benchDBEnv = "RATESCOPE_BENCH_DB"

// openBench opens the bench's database: a fresh one dropped after the run,
// or the one $RATESCOPE_BENCH_DB names, which it reports reused when it
// already holds requests.
func openBench(b *testing.B) (*chstore.DB, bool) {
	b.Helper()
	name := os.Getenv(benchDBEnv)
	if name == "" {
		return chtest.Open(b), false
	}
	base, err := url.Parse(chtest.ServerURL(b))
	if err != nil {
		b.Fatal(err)
	}
	base.Path = "/" + name
	ctx := context.Background()
	db, err := chstore.Open(ctx, base.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	var n uint64
	if err := db.Conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = 'requests'", name).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n == 0 {
		return db, false
	}
	if err := db.Conn.QueryRow(ctx, "SELECT count() FROM "+db.Table("requests")).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return db, n > 0
}

func BenchmarkKept(b *testing.B) {
	l := loadBench(b)
	ctx := context.Background()
	db, n, days, start, end, plans, res := l.db, l.n, l.days, l.start, l.end, l.plans, l.pass
	rd := chquery.New(db)
	logMinuteCounts(b, db, rd, res.From, res.To)
	day := [2]time.Time{end.Add(-24 * time.Hour).Add(17 * time.Second), end.Add(17 * time.Second)}
	all := [2]time.Time{start, end}
	windows := map[string][2]time.Time{"24h": day, strconv.Itoa(days) + "d": all}
	suffix := "/requests=" + strconv.Itoa(n)
	run := func(name string, f func() error) {
		b.Run(name+suffix, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for wn, w := range windows {
		run("summary/"+wn+"/rows", func() error { _, err := report.SummarizeRaw(ctx, rd, w[0], w[1]); return err })
		run("summary/"+wn+"/kept", func() error { _, err := report.Summarize(ctx, rd, w[0], w[1]); return err })
		for _, by := range [][]report.Key{report.DefaultKeys(), {report.KeyPartner, report.KeyRoute}} {
			bn := "errors-" + string(by[0]) + "," + string(by[1]) + "/" + wn
			run(bn+"/rows", func() error {
				_, err := report.ErrorCounts(ctx, rd, report.ErrorsQuery{From: w[0], To: w[1], By: by, NoRollups: true})
				return err
			})
			run(bn+"/kept", func() error {
				_, err := report.ErrorCounts(ctx, rd, report.ErrorsQuery{From: w[0], To: w[1], By: by})
				return err
			})
		}
	}
	// Storms and limit states: recomputed by the reports over the pass's
	// window vs read from the findings.
	pw := [2]time.Time{res.From, res.To}
	run("retry-storms/pass-window/rows", func() error {
		_, err := report.RetryStorms(ctx, rd, report.RetryStormsQuery{From: pw[0], To: pw[1]})
		return err
	})
	run("retry-storms/pass-window/kept", func() error { _, err := findings.Storms(ctx, rd, pw[0], pw[1], ""); return err })
	run("rate-limits/pass-window/rows", func() error {
		_, err := ratelimit.Compute(ctx, rd, plans, ratelimit.Query{From: pw[0], To: pw[1]})
		return err
	})
	run("rate-limits/pass-window/kept", func() error { _, err := findings.Limits(ctx, rd, pw[0], pw[1]); return err })
	// Limit headroom minute by minute over a day: folded from the kept
	// minutes, vs the report over the same day.
	run("rate-limit-minutes/24h/rows", func() error {
		_, err := ratelimit.Compute(ctx, rd, plans, ratelimit.Query{From: end.Add(-24 * time.Hour), To: end})
		return err
	})
	run("rate-limit-minutes/24h/kept", func() error {
		m, err := findings.LimitMinutes(ctx, rd, end.Add(-24*time.Hour), end, "")
		ratelimit.Aggregate(m)
		return err
	})
	// Recomputing the findings of one day.
	run("findings/one-day", func() error {
		_, err := findings.Write(ctx, db, plans, time.Time{}, end.Add(-24*time.Hour), end, time.Now())
		return err
	})
	// The daemon's pass: a minute of traffic at 1,000 requests/s on the
	// last day, then the pass (rollup of that day rebuilt, findings of a
	// one-hour horizon).
	var rows uint64
	b.Run("daemon-pass/60000-new"+suffix, func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			loadSpreadFrom(b, db, 60_000, end.Add(-time.Hour), end.Add(-time.Hour+time.Minute), int(rows)+n)
			rows += 60_000
			b.StartTimer()
			if _, err := analysis.Pass(ctx, db, analysis.Options{Plans: plans, Horizon: time.Hour}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// What a daemon pass writes over a 1 h horizon of this traffic (the
	// passes above look at the wall clock's last hour, which holds none).
	t0 := time.Now()
	if fr, err := findings.Write(ctx, db, plans, time.Time{}, end.Add(-time.Hour), end, time.Now()); err == nil {
		b.Logf("findings of the data's last hour, as a daemon pass writes them: %d storms, %d rate-limit rows, %d limit minute rows, in %s",
			fr.Storms, fr.Limits, fr.Minutes, time.Since(t0).Round(time.Millisecond))
	}
	b.Run("daemon-pass/nothing-new"+suffix, func(b *testing.B) {
		for b.Loop() {
			if _, err := analysis.Pass(ctx, db, analysis.Options{Plans: plans, Horizon: time.Hour}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// logMinuteCounts logs how many limit minutes [from, to) keeps per
// subject, beside how many per-IP rows keeping every IP's every minute with
// traffic would take: the figures behind which IP minutes are kept.
func logMinuteCounts(b *testing.B, db *chstore.DB, rd *chquery.Reader, from, to time.Time) {
	ctx := context.Background()
	var partners, ips, all uint64
	if err := db.Conn.QueryRow(ctx, "SELECT countIf(subject = 'partner'), countIf(subject = 'ip') FROM "+rd.Tables().LimitMinutes()+
		" WHERE minute >= ? AND minute < ?", from, to).Scan(&partners, &ips); err != nil {
		b.Fatal(err)
	}
	if err := db.Conn.QueryRow(ctx, "SELECT count() FROM (SELECT client_ip, intDiv(time_ms, 60000) AS m FROM "+rd.Tables().Requests()+
		" WHERE kind = 1 AND time >= ? AND time < ? GROUP BY client_ip, m)", from, to).Scan(&all); err != nil {
		b.Fatal(err)
	}
	b.Logf("limit minutes of %s–%s: %d partner rows, %d IP rows kept; every IP minute with traffic would be %d rows", from.Format(time.DateOnly), to.Format(time.DateOnly), partners, ips, all)
}

// loadSpread inserts n requests spread uniformly over [from, to): 50
// partners, 20 routes, ~7 % failures with a separately logged body for
// half of them, and a storm every 10,000 requests.
func loadSpread(b *testing.B, db *chstore.DB, n int, from, to time.Time) {
	loadSpreadFrom(b, db, n, from, to, 0)
}

// loadSpreadFrom is loadSpread numbering request ids from first.
func loadSpreadFrom(b *testing.B, db *chstore.DB, n int, from, to time.Time, first int) {
	b.Helper()
	const batchRows = 100_000
	routes := [...]struct{ method, route string }{
		{"GET", "/v1/classes"}, {"GET", "/v1/classes/{id}"}, {"GET", "/v1/bookings"}, {"GET", "/v1/bookings/{id}"},
		{"POST", "/v1/bookings"}, {"PATCH", "/v1/bookings/{id}"}, {"DELETE", "/v1/bookings/{id}"}, {"GET", "/v1/users/me"},
		{"PATCH", "/v1/users/me"}, {"GET", "/v1/offers"}, {"POST", "/v1/offers/search"}, {"GET", "/v1/personas/{id}"},
		{"POST", "/v1/personas/{id}/replies"}, {"GET", "/v1/sessions"}, {"POST", "/v1/sessions/{id}/bookings"},
		{"GET", "/v1/payments/{id}"}, {"POST", "/v1/payments"}, {"GET", "/v1/search"}, {"POST", "/v1/oauth/token"},
		{"GET", "/v1/health"},
	}
	rnd := rand.New(rand.NewPCG(uint64(first)+1, 2))
	batch := chstore.NewRequestBatch(batchRows + 32)
	span := to.UnixMilli() - from.UnixMilli() - 5_000
	var (
		r   accesslog.Record
		env errbody.Envelope
		id  []byte
	)
	flush := func() {
		if err := db.InsertRequests(context.Background(), batch, time.Now()); err != nil {
			b.Fatal(err)
		}
		batch.Reset()
	}
	meta := chstore.Meta{Source: "bench.log", Format: "jsonl"}
	for i := 0; i < n; {
		p := rnd.IntN(50)
		rt := routes[rnd.IntN(len(routes))]
		at := from.UnixMilli() + rnd.Int64N(span)
		ip := "10." + strconv.Itoa(p) + ".0." + strconv.Itoa(rnd.IntN(20))
		attempts := 1
		if i%10_000 == 9_999 {
			attempts = 10
		}
		for a := 0; a < attempts && i < n; a++ {
			r.Reset()
			id = strconv.AppendInt(append(id[:0], "bench-"...), int64(first+i), 10)
			r.RequestID, r.Method, r.Route, r.Path = id, []byte(rt.method), []byte(rt.route), []byte(rt.route)
			r.Partner = []byte("partner-" + strconv.Itoa(p))
			r.ClientIP = []byte(ip) // one client per request and its retries
			r.TimeMs = at + int64(a)*200
			r.LatencyMs = float64(rnd.IntN(300))
			switch x := rnd.IntN(1000); {
			case attempts > 1:
				r.Status = 503
			case x < 30:
				r.Status = 429
			case x < 60:
				r.Status = [...]uint16{500, 503}[rnd.IntN(2)]
			case x < 70:
				r.Status = [...]uint16{400, 404, 422}[rnd.IntN(3)]
			default:
				r.Status = 200
			}
			meta.Offset = uint64(first+i) * 200
			batch.Append(&r, chstore.KindAccess, nil, meta)
			if r.Status >= 400 && rnd.IntN(2) == 0 {
				env = errbody.Envelope{Shape: errbody.ShapeErrorObject, Code: "error_" + strconv.Itoa(int(r.Status)), Message: "failed",
					RetryAfter: -1, Status: r.Status, Raw: `{"error":{}}`}
				body := accesslog.Record{TimeMs: r.TimeMs + 50, RequestID: r.RequestID, Status: r.Status}
				batch.Append(&body, chstore.KindErrorBody, &env, meta)
			}
			i++
			if batch.Len() >= batchRows {
				flush()
			}
		}
	}
	flush()
}
