package report

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/retry"
)

// wantStorm is a storm a scenario must produce: the attempts [lo, hi) of
// the scenario, with their median gap and violations.
type wantStorm struct {
	lo, hi     int
	median     int64
	violations []retry.Violation
}

// stormScenario is one client's requests and the ground truth for them.
type stormScenario struct {
	name   string
	as     []attempt
	storms []wantStorm
}

// The retry-storm tests' window and scenario times.
var (
	stormFrom = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	stormTo   = stormFrom.Add(time.Hour)
)

// scenarioStart returns the start of scenario i: three minutes apart, with
// milliseconds (so no gap gets whole-second slack).
func scenarioStart(i int) time.Time {
	return stormFrom.Add(time.Duration(i)*3*time.Minute + 250*time.Millisecond)
}

// retryScenarios returns the scenarios, each from its own client IP.
func retryScenarios() []stormScenario {
	const classes, bookings, personas = "/v1/classes", "/v1/bookings", "/v1/personas/{id}"
	get := func(n int) client { return client{"acme", "10.0.0." + itoa(n), "GET", classes, ""} }
	// The documented schedule with up to 10% jitter: 5 retries in 32 s.
	sched := []time.Duration{ms(1040), ms(2150), ms(4010), ms(8300), ms(16700)}
	// The documented schedule, each wait jittered down by up to half, 9
	// retries: 7 of them within a minute.
	longSched := []time.Duration{ms(600), ms(1200), ms(2500), ms(4400), ms(9000), ms(17000), ms(16000), ms(28000), ms(15000)}
	burst := func(n int, gap time.Duration, pause time.Duration, m int, gap2 time.Duration) []time.Duration {
		g := append(gapsOf(n, gap), pause)
		return append(g, gapsOf(m, gap2)...)
	}
	noBackoff := []retry.Violation{retry.NoBackoff}
	postNoKey := client{"initech", "10.0.0.7", "POST", bookings, ""}
	postKey := client{"initech", "10.0.0.8", "POST", bookings, "idem-8"}
	envoy := client{"", "10.0.0.13", "GET", personas, ""}
	envoyAs := envoy.chain("envoy", scenarioStart(13), gapsOf(8, ms(100)), 0, 503, 0, 503, 0, 503, 0, 503, 503)
	for i := range envoyAs {
		envoyAs[i].flags = "UF"
	}
	noise := get(14).chain("noise", scenarioStart(14), gapsOf(29, ms(100)), 200)
	noise[10].status = 500
	return []stormScenario{
		{name: "no backoff", as: get(1).chain("nobackoff", scenarioStart(1), gapsOf(6, time.Second), 503, 503, 503, 503, 503, 503, 200),
			storms: []wantStorm{{0, 7, 1000, noBackoff}}},
		{name: "Retry-After header ignored", as: withRetryAfter(get(2).chain("raheader", scenarioStart(2), sched, 429, 429, 429, 429, 429, 200), 3),
			storms: []wantStorm{{0, 6, 4010, []retry.Violation{retry.IgnoredRetryAfter}}}},
		{name: "retryAfter in a separately logged body ignored",
			as:     withErrorBody(get(3).chain("rabody", scenarioStart(3), sched, 429, 429, 429, 429, 429, 200), separateBody, "rate_limited", 3),
			storms: []wantStorm{{0, 6, 4010, []retry.Violation{retry.IgnoredRetryAfter}}}},
		// Without the Retry-After, these 5.2 s gaps would be no_backoff.
		{name: "Retry-After header honoured",
			as: withRetryAfter(get(4).chain("rahonour", scenarioStart(4), gapsOf(6, ms(5200)), 429, 429, 429, 429, 429, 429, 200), 5)},
		{name: "retryAfter in an inline body honoured",
			as: withErrorBody(get(5).chain("rabodyok", scenarioStart(5), gapsOf(6, ms(5200)), 429, 429, 429, 429, 429, 429, 200), inlineBody, "rate_limited", 5)},
		{name: "non-retryable retried",
			as:     withErrorBody(get(6).chain("nonretry", scenarioStart(6), sched, 422), inlineBody, "validation_failed", -1),
			storms: []wantStorm{{0, 6, 4010, []retry.Violation{retry.RetriedNonRetryable}}}},
		{name: "POST retried without an idempotency key",
			as:     postNoKey.chain("postnokey", scenarioStart(7), sched, 503, 503, 503, 503, 503, 201),
			storms: []wantStorm{{0, 6, 4010, []retry.Violation{retry.MissingIdempotencyKey}}}},
		{name: "POST retried with an idempotency key",
			as: postKey.chain("postkey", scenarioStart(8), sched, 503, 503, 503, 503, 503, 201)},
		{name: "documented backoff 1, 2, 4, 8 s with jitter",
			as: get(9).chain("backoff", scenarioStart(9), []time.Duration{ms(1080), ms(2200), ms(4050), ms(8120)}, 503, 503, 503, 503, 200)},
		{name: "documented backoff, jittered down, capped, 9 retries",
			as: get(10).chain("longbackoff", scenarioStart(10), longSched, 503, 503, 503, 503, 503, 503, 503, 503, 503, 200)},
		{name: "a gap over 60 s splits two storms",
			as: get(11).chain("split", scenarioStart(11), burst(6, ms(300), 61*time.Second, 5, ms(200)),
				503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 200),
			storms: []wantStorm{{0, 7, 300, noBackoff}, {7, 13, 200, noBackoff}}},
		{name: "a gap under 60 s joins them",
			as: get(12).chain("joined", scenarioStart(12), burst(6, ms(300), 59*time.Second, 5, ms(200)),
				503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 200),
			storms: []wantStorm{{0, 13, 300, noBackoff}}},
		{name: "network-level failures", as: envoyAs,
			storms: []wantStorm{{0, 9, 100, noBackoff}}},
		{name: "busy client, one failure", as: noise},
		{name: "storm before the window",
			as: get(15).chain("early", stormFrom.Add(-2*time.Minute), gapsOf(6, time.Second), 503)},
		// Its last attempt, a success, falls in the next minute.
		{name: "a storm across a minute boundary",
			as:     get(17).chain("minute", scenarioStart(17).Add(56*time.Second), gapsOf(6, ms(700)), 503, 503, 503, 503, 503, 503, 200),
			storms: []wantStorm{{0, 7, 700, noBackoff}}},
		{name: "another partner",
			as:     client{"globex", "10.0.0.16", "GET", classes, ""}.chain("globex", scenarioStart(16), gapsOf(5, ms(100)), 503),
			storms: []wantStorm{{0, 6, 100, noBackoff}}},
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// allAttempts returns every attempt of the scenarios.
func allAttempts(scs []stormScenario) []attempt {
	var as []attempt
	for _, sc := range scs {
		as = append(as, sc.as...)
	}
	return as
}

// expectedStorms returns the storms of the scenarios, keyed by first
// request id, for which keep returns true.
func expectedStorms(scs []stormScenario, keep func(sc *stormScenario, w *wantStorm) bool) map[string]retry.Storm {
	out := map[string]retry.Storm{}
	for i := range scs {
		sc := &scs[i]
		for j := range sc.storms {
			w := &sc.storms[j]
			if !keep(sc, w) {
				continue
			}
			first, last := sc.as[w.lo], sc.as[w.hi-1]
			out[first.id] = retry.Storm{
				Key: retry.Key{Partner: first.partner, ClientIP: first.ip, Method: first.method,
					Route: first.route, IdempotencyKey: first.idem},
				FirstRequestID: first.id,
				Start:          first.at, End: last.at,
				Attempts: w.hi - w.lo, Retries: w.hi - w.lo - 1,
				MedianGapMs: w.median, Violations: w.violations,
			}
		}
	}
	return out
}

// checkStorms compares got with want (any order) and checks got's order.
func checkStorms(t *testing.T, got []retry.Storm, want map[string]retry.Storm) {
	t.Helper()
	if got == nil {
		t.Error("nil storms, want a non-nil slice")
	}
	seen := map[string]bool{}
	for _, g := range got {
		w, ok := want[g.FirstRequestID]
		if !ok {
			t.Errorf("unexpected storm %+v", g)
			continue
		}
		seen[g.FirstRequestID] = true
		if g.Key != w.Key || !g.Start.Equal(w.Start) || !g.End.Equal(w.End) || g.Attempts != w.Attempts ||
			g.Retries != w.Retries || g.MedianGapMs != w.MedianGapMs || !slices.Equal(g.Violations, w.Violations) {
			t.Errorf("storm %s:\n got %+v\nwant %+v", g.FirstRequestID, g, w)
		}
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("missing storm starting at %s", id)
		}
	}
	// Most severe first: retries, then violations, then start.
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if a.Retries < b.Retries ||
			a.Retries == b.Retries && len(a.Violations) < len(b.Violations) ||
			a.Retries == b.Retries && len(a.Violations) == len(b.Violations) && a.Start.After(b.Start) {
			t.Errorf("storm %d (%s) sorts before %d (%s)", i-1, a.FirstRequestID, i, b.FirstRequestID)
		}
	}
}

func TestRetryStorms(t *testing.T) {
	ctx := context.Background()
	db := chtest.MigratedDB(t)
	scs := retryScenarios()
	all := func(*stormScenario, *wantStorm) bool { return true }
	cases := []struct {
		name string
		q    RetryStormsQuery
		keep func(*stormScenario, *wantStorm) bool
	}{
		{"defaults", RetryStormsQuery{From: stormFrom, To: stormTo}, all},
		{"one partner", RetryStormsQuery{From: stormFrom, To: stormTo, Partner: "globex"},
			func(sc *stormScenario, _ *wantStorm) bool { return sc.as[0].partner == "globex" }},
		{"an unknown partner", RetryStormsQuery{From: stormFrom, To: stormTo, Partner: "nobody"},
			func(*stormScenario, *wantStorm) bool { return false }},
		{"7 retries within a minute", RetryStormsQuery{From: stormFrom, To: stormTo, Thresholds: retry.Thresholds{MinRetries: 7}},
			func(sc *stormScenario, _ *wantStorm) bool {
				return sc.as[0].id == "joined-0" || sc.as[0].id == "envoy-0"
			}},
		// The window ends 2.5 s into the first storm: 2 retries are left.
		{"a window that ends inside a storm", RetryStormsQuery{From: stormFrom, To: scenarioStart(1).Add(2500 * time.Millisecond)},
			func(*stormScenario, *wantStorm) bool { return false }},
		{"a window holding only the early storm", RetryStormsQuery{From: stormFrom.Add(-time.Hour), To: stormFrom}, nil},
	}
	run := func(round string) {
		for _, c := range cases {
			t.Run(round+"/"+c.name, func(t *testing.T) {
				got, err := RetryStorms(ctx, chquery.New(db), c.q)
				if err != nil {
					t.Fatal(err)
				}
				if c.keep == nil {
					// The early storm: 7 attempts a second apart, all 503.
					if len(got) != 1 || got[0].FirstRequestID != "early-0" || got[0].Attempts != 7 {
						t.Errorf("got %+v, want the early storm alone", got)
					}
					return
				}
				checkStorms(t, got, expectedStorms(scs, c.keep))
			})
		}
	}
	insertAttempts(t, db, allAttempts(scs))
	run("loaded once")
	// Loading the same rows again (a file ingested twice) changes nothing.
	insertAttempts(t, db, allAttempts(scs))
	run("loaded twice")
}

// TestRetryStormsWindowCut checks that only attempts inside the window
// count: a storm cut by the window's end loses its later attempts.
func TestRetryStormsWindowCut(t *testing.T) {
	db := chtest.MigratedDB(t)
	c := client{"acme", "10.0.1.1", "GET", "/v1/classes", ""}
	as := c.chain("cut", stormTo.Add(-3500*time.Millisecond), gapsOf(9, ms(500)), 503)
	insertAttempts(t, db, as)
	got, err := RetryStorms(context.Background(), chquery.New(db), RetryStormsQuery{From: stormFrom, To: stormTo})
	if err != nil {
		t.Fatal(err)
	}
	// Attempts at -3.5 s … -0.5 s are in the window: 7 of the 10.
	if len(got) != 1 || got[0].Attempts != 7 || !got[0].End.Equal(as[6].at) {
		t.Errorf("got %+v, want one storm of the 7 attempts before the window's end", got)
	}
}

func TestRetryStormsEmpty(t *testing.T) {
	got, err := RetryStorms(context.Background(), chquery.New(chtest.MigratedDB(t)), RetryStormsQuery{From: stormFrom, To: stormTo})
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("empty database: %v, %v; want an empty non-nil list", got, err)
	}
}

func TestRetryStormsCanceled(t *testing.T) {
	db := chtest.MigratedDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := RetryStorms(ctx, chquery.New(db), RetryStormsQuery{From: stormFrom, To: stormTo})
	if err == nil || !strings.Contains(err.Error(), "find retry storms") {
		t.Errorf("canceled: %v", err)
	}
}

// TestRetryAfterBodyPrecedence: when a request's access record carries an
// error body and another body is logged apart, the record's own body's
// retryAfter is the wait asked for — in retry-storms as in request (both
// read chquery's one rule). Retries 2 s apart honour the own body's 1 s
// and would ignore the logged body's 120 s.
func TestRetryAfterBodyPrecedence(t *testing.T) {
	ctx := context.Background()
	db := chtest.MigratedDB(t)
	c := client{"acme", "10.9.9.9", "GET", "/v1/classes", ""}
	as := withErrorBody(c.chain("prec", scenarioStart(2), gapsOf(5, 2*time.Second), 429), inlineBody, "rate_limited", 1)
	insertAttempts(t, db, as)
	logged := chtest.NewRows()
	for _, a := range as {
		b := chtest.Body("error_object", "rate_limited", 429)
		b.RetryAfter = 120
		logged.Add(chtest.Request{ID: a.id, Time: a.at.Add(time.Second), Kind: chstore.KindErrorBody, Status: 429, Body: b, Source: "errors.log"})
	}
	logged.Insert(t, db, stormTo)

	storms, err := RetryStorms(ctx, chquery.New(db), RetryStormsQuery{From: stormFrom, To: stormTo})
	if err != nil {
		t.Fatal(err)
	}
	// Honoured waits that grow no shorter break no rule: no storm.
	for _, s := range storms {
		t.Errorf("retry-storms: a storm %v: the logged body's retryAfter beat the record's own", s.Violations)
	}
	d, err := LookupRequest(ctx, chquery.New(db), "prec-0")
	if err != nil {
		t.Fatal(err)
	}
	if ra := d.Attempts[0].RetryAfter; ra == nil || *ra != 1 {
		t.Errorf("request: retry_after = %v, want 1", ra)
	}
	if len(d.Attempts) != len(as) || len(d.Violations) != 0 {
		t.Errorf("request: %d attempts, violations %v; want %d, none", len(d.Attempts), d.Violations, len(as))
	}
}
