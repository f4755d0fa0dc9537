package ratelimit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
)

// EnvBenchRequests sets how many requests BenchmarkRateLimits loads
// (default 200,000), e.g. 10000000 for the 10-million-request target.
const EnvBenchRequests = "RATESCOPE_BENCH_REQUESTS"

const benchPartners = 40

// benchPlans is a plans file shaped like the seeds': most partners on the
// commercial usage plan, some on partner-api's per-minute policies, the
// WAF's per-IP caps.
func benchPlans() []byte {
	var b strings.Builder
	b.WriteString(`plans:
  commercial:
    - {name: sustained, rate: 200, burst: 400}
    - {name: mcp, rate: 0, match: {path_prefix: /v1/mcp}}
    - {name: monthly, quota: 5000000}
  partner-api:
    - {name: AuthPolicy, limit: 10, per: 1m, match: {method: POST, path: /api/v1/auth/token}}
    - {name: ApiPolicy, limit: 60, per: 1m}
partners:
`)
	for i := range benchPartners {
		plan := "commercial"
		if i%4 == 3 {
			plan = "partner-api"
		}
		fmt.Fprintf(&b, "  - {name: p%02d, keys: [k-p%02d-a, k-p%02d-b], plan: %s}\n", i, i, i, plan)
	}
	b.WriteString(`ip_limits:
  - {name: waf-contact, limit: 20, per: 5m, match: {path_prefix: /v1/users/me/contact/}}
  - {name: waf-phone, limit: 20, per: 5m, match: {path_prefix: /v1/users/me/phone/verify/}}
  - {name: waf-register, limit: 10, per: 5m, match: {path_prefix: /v1/oauth/register}}
  - {name: waf-mcp, limit: 100, per: 5m, match: {path_prefix: /v1/mcp}}
`)
	return []byte(b.String())
}

// loadBench inserts n synthetic requests spread over day: partners by a
// 1/rank (Zipf-like) share, 5,000 client IPs, a few percent of requests on
// the WAF-capped and per-minute-policy paths, 1 % throttled.
func loadBench(b *testing.B, db *chstore.DB, n int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var cum [benchPartners]float64
	total := 0.0
	for i := range cum {
		total += 1 / float64(i+1)
		cum[i] = total
	}
	paths := []struct {
		method, path string
		share        float64
	}{
		{"POST", "/api/v1/auth/token", 0.01},
		{"POST", "/v1/users/me/contact/email", 0.01},
		{"POST", "/v1/users/me/phone/verify/sms", 0.005},
		{"POST", "/v1/oauth/register", 0.002},
		{"POST", "/v1/mcp", 0.003},
		{"POST", "/v1/bookings", 0.1},
	}
	const batch = 100_000
	bt := chstore.NewRequestBatch(batch)
	var r accesslog.Record
	ctx := context.Background()
	start := day.UnixMilli()
	for i := range n {
		r.Reset()
		r.TimeMs = start + rng.Int64N(24*3600*1000)
		r.RequestID = strconv.AppendUint(r.RequestID[:0], rng.Uint64(), 36)
		x := rng.Float64() * total
		p := 0
		for cum[p] < x {
			p++
		}
		r.Partner = fmt.Appendf(r.Partner[:0], "k-p%02d-%c", p, 'a'+byte(i&1))
		r.ClientIP = fmt.Appendf(r.ClientIP[:0], "10.%d.%d.%d", rng.IntN(20), rng.IntN(250), rng.IntN(10))
		r.Method, r.Path, r.Status = []byte("GET"), []byte("/v1/offers/42"), 200
		y := rng.Float64()
		for _, pt := range paths {
			if y < pt.share {
				r.Method, r.Path = []byte(pt.method), []byte(pt.path)
				break
			}
			y -= pt.share
		}
		if rng.IntN(100) == 0 {
			r.Status, r.ErrorType = 429, []byte("THROTTLED")
		}
		bt.Append(&r, chstore.KindAccess, nil, chstore.Meta{Source: "bench.log", Format: "apigw"})
		if bt.Len() == batch || i == n-1 {
			if err := db.InsertRequests(ctx, bt, time.Now()); err != nil {
				b.Fatal(err)
			}
			bt.Reset()
		}
	}
}

// BenchmarkRateLimits times the whole report over a day of n requests
// (RATESCOPE_BENCH_REQUESTS, default 200,000) loaded once.
func BenchmarkRateLimits(b *testing.B) {
	n := 200_000
	if s := os.Getenv(EnvBenchRequests); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("%s=%q: want a positive number", EnvBenchRequests, s)
		}
		n = v
	}
	plans, err := ParsePlans("bench.yaml", benchPlans())
	if err != nil {
		b.Fatal(err)
	}
	db := chtest.MigratedDB(b)
	loadBench(b, db, n)
	ctx := context.Background()
	q := Query{From: day, To: dayEnd}
	b.ReportAllocs()
	var rows []Row
	for b.Loop() {
		if rows, err = Compute(ctx, chquery.New(db), plans, q); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "requests/s")
	if len(rows) < benchPartners {
		b.Fatalf("%d rows, want at least one per partner", len(rows))
	}
}
