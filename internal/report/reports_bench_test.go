package report

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/errbody"
)

// benchRequests sets how many requests BenchmarkReports loads:
// go test -bench Reports ./internal/report -args -requests=10000000
// (or RATESCOPE_BENCH_REQUESTS=10000000).
var benchRequests = flag.Int("requests", 0, "requests BenchmarkReports loads (default $RATESCOPE_BENCH_REQUESTS, else 200000)")

// benchRequestCount returns the -requests flag, else
// $RATESCOPE_BENCH_REQUESTS, else 200,000.
func benchRequestCount(b *testing.B) int {
	if *benchRequests > 0 {
		return *benchRequests
	}
	if s := os.Getenv("RATESCOPE_BENCH_REQUESTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("RATESCOPE_BENCH_REQUESTS=%q: want a positive integer", s)
		}
		return n
	}
	return 200_000
}

// BenchmarkReports loads n synthetic requests for one day (1,000 clients,
// 20 routes, ~7% failures, a separately logged body for half the failures,
// and a storm every 10,000 requests) into a real ClickHouse once, then times
// each report over the day: summary, errors and retry-storms.
func BenchmarkReports(b *testing.B) {
	n := benchRequestCount(b)
	ctx := context.Background()
	db := chtest.Open(b)
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	from, to := day, day.Add(24*time.Hour)
	start := time.Now()
	storms := loadBenchRequests(b, db, n, day)
	// Merge the parts, as a table that has been live for a while would be.
	if err := db.Conn.Exec(ctx, "OPTIMIZE TABLE "+db.Table("requests")+" FINAL"); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d requests (%d storms planted) in %s", n, storms, time.Since(start).Round(time.Millisecond))
	bench := func(name string, run func() error) {
		b.Run(name+"/requests="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "requests/s")
		})
	}
	bench("summary", func() error {
		s, err := Summarize(ctx, chquery.New(db), from, to)
		if err == nil && s.Requests != uint64(n) {
			err = fmt.Errorf("summary counted %d requests, loaded %d", s.Requests, n)
		}
		return err
	})
	bench("errors", func() error {
		e, err := ErrorCounts(ctx, chquery.New(db), ErrorsQuery{From: from, To: to, By: DefaultKeys()})
		if err == nil && len(e.Rows) == 0 {
			err = fmt.Errorf("no error rows")
		}
		return err
	})
	bench("retry-storms", func() error {
		got, err := RetryStorms(ctx, chquery.New(db), RetryStormsQuery{From: from, To: to})
		// Random requests of the same client may cut a planted storm short.
		if err == nil && len(got) < storms/2 {
			err = fmt.Errorf("found %d storms, planted %d", len(got), storms)
		}
		return err
	})
}

// loadBenchRequests inserts n requests spread over the day and returns how
// many storms it planted.
func loadBenchRequests(b *testing.B, db *chstore.DB, n int, day time.Time) int {
	b.Helper()
	const (
		partners     = 50
		ipsPerPart   = 20
		batchRows    = 100_000
		stormEvery   = 10_000
		stormRetries = 9
	)
	routes := [...]struct{ method, route string }{
		{"GET", "/v1/classes"}, {"GET", "/v1/classes/{id}"}, {"GET", "/v1/bookings"}, {"GET", "/v1/bookings/{id}"},
		{"POST", "/v1/bookings"}, {"PATCH", "/v1/bookings/{id}"}, {"DELETE", "/v1/bookings/{id}"}, {"GET", "/v1/users/me"},
		{"PATCH", "/v1/users/me"}, {"GET", "/v1/offers"}, {"POST", "/v1/offers/search"}, {"GET", "/v1/personas/{id}"},
		{"POST", "/v1/personas/{id}/replies"}, {"GET", "/v1/sessions"}, {"POST", "/v1/sessions/{id}/bookings"},
		{"GET", "/v1/payments/{id}"}, {"POST", "/v1/payments"}, {"GET", "/v1/search"}, {"POST", "/v1/oauth/token"},
		{"GET", "/v1/health"},
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	partnerNames := make([]string, partners)
	for i := range partnerNames {
		partnerNames[i] = "partner-" + strconv.Itoa(i)
	}
	batch := chstore.NewRequestBatch(batchRows + 2*stormRetries)
	ingestedAt := day.Add(48 * time.Hour)
	var (
		r      accesslog.Record
		env    errbody.Envelope
		idBuf  []byte
		keyBuf []byte
		storms int
	)
	flush := func() {
		if err := db.InsertRequests(context.Background(), batch, ingestedAt); err != nil {
			b.Fatal(err)
		}
		batch.Reset()
	}
	meta := chstore.Meta{Source: "bench.log", Format: "jsonl"}
	for i := 0; i < n; {
		p := rnd.IntN(partners)
		ip := "10." + strconv.Itoa(p) + ".0." + strconv.Itoa(rnd.IntN(ipsPerPart))
		rt := routes[rnd.IntN(len(routes))]
		at := day.UnixMilli() + rnd.Int64N(24*3600*1000-60_000)
		attempts, gap := 1, int64(0)
		if i%stormEvery == stormEvery-1 {
			attempts, gap = stormRetries+1, 200 // a client hammering a 503
			storms++
		}
		keyBuf = keyBuf[:0]
		if (rt.method == "POST" || rt.method == "PATCH") && rnd.IntN(10) < 7 {
			keyBuf = strconv.AppendUint(append(keyBuf, "idem-"...), rnd.Uint64(), 36)
		}
		for a := 0; a < attempts && i < n; a++ {
			r.Reset()
			idBuf = strconv.AppendInt(append(idBuf[:0], "bench-"...), int64(i), 10)
			r.RequestID, r.Method, r.Route, r.Path = idBuf, []byte(rt.method), []byte(rt.route), []byte(rt.route)
			r.Partner, r.ClientIP, r.IdempotencyKey = []byte(partnerNames[p]), []byte(ip), keyBuf
			r.TimeMs = at + int64(a)*gap
			r.LatencyMs, r.BytesSent = float64(rnd.IntN(300)), int64(rnd.IntN(5000))
			switch x := rnd.IntN(1000); {
			case attempts > 1:
				r.Status = 503
			case x < 30:
				r.Status, r.RetryAfter = 429, int32(rnd.IntN(30))
			case x < 50:
				r.Status = 503
			case x < 60:
				r.Status = 500
			case x < 70:
				r.Status = [...]uint16{400, 404, 422}[rnd.IntN(3)]
			default:
				r.Status = 200
			}
			meta.Offset = uint64(i) * 200
			batch.Append(&r, chstore.KindAccess, nil, meta)
			if r.Status >= 400 && rnd.IntN(2) == 0 {
				env = errbody.Envelope{Shape: errbody.ShapeErrorObject, Code: "error_" + strconv.Itoa(int(r.Status)),
					Message: "failed", RetryAfter: r.RetryAfter, Status: r.Status, Raw: `{"error":{}}`}
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
	return storms
}
