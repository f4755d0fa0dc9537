package ratelimit

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// step is n requests at millisecond ms.
type step struct {
	ms int64
	n  uint64
}

// sec is the millisecond of whole second s.
func sec(s int64) int64 { return s * 1000 }

func TestBucket(t *testing.T) {
	f := func(name string, rate float64, burst int64, steps []step, want float64) {
		t.Helper()
		b := NewBucket(rate, burst)
		for _, s := range steps {
			b.Add(s.ms, s.n)
		}
		if got := b.Utilization(); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: utilization %v, want %v", name, got, want)
		}
	}
	f("no requests", 20, 40, nil, 0)
	f("one request", 20, 40, []step{{0, 1}}, 1.0/40)
	f("drains 90% at once", 20, 40, []step{{sec(5), 36}}, 0.9)
	f("exactly empties the bucket", 20, 40, []step{{0, 40}}, 1)
	f("one request too many", 20, 40, []step{{0, 41}}, 41.0/40)
	// Steady at the rate: 20 taken, 20 refilled, the level never below 20.
	f("steady at the rate", 20, 40, []step{{0, 20}, {sec(1), 20}, {sec(2), 20}, {sec(3), 20}}, 0.5)
	// Refill is capped at the burst: a long idle gap refills only to 40.
	f("refill capped", 20, 40, []step{{0, 30}, {sec(100), 30}}, 0.75)
	// A partial refill: 40 → 10, one second later 30 → 0.
	f("partial refill", 20, 40, []step{{0, 30}, {sec(1), 30}}, 1)
	// Past the rate: throttled requests take no token, so the deficit
	// does not accumulate: 40→10, 30→0, 20→-10 (floored to 0), 20→-10.
	f("past the rate", 20, 40, []step{{0, 30}, {sec(1), 30}, {sec(2), 30}, {sec(3), 30}}, 1.25)
	// One millisecond's requests delivered in parts add up before they are taken.
	f("one millisecond in parts", 20, 40, []step{{0, 15}, {sec(1), 30}, {sec(1), 20}}, 50.0/40) // 25 + 20 capped at 40, less 50
	f("fractional rate", 0.5, 2, []step{{0, 2}, {sec(2), 1}, {sec(3), 1}}, 1.25)
	f("zero burst (rate 0) reports nothing", 0, 0, []step{{0, 3}}, 0)
	// Refill runs between the requests of one second: 40 requests 50 ms
	// apart at 20 rps take one token and get one back each time.
	var spread []step
	for i := range int64(40) {
		spread = append(spread, step{i * 50, 1})
	}
	f("a second spread at the rate", 20, 40, spread, 1.0/40)
	// A millisecond earlier than the last counts at the last: time never
	// refills backwards (40 − 10 − 10 = 20 left).
	f("out of order", 20, 40, []step{{1000, 10}, {500, 10}}, 0.5)
	// 10 ms at 20 rps refills 0.2 tokens: 40 → 20, then 20.2 → 0.2.
	f("millisecond refill", 20, 40, []step{{0, 20}, {10, 20}}, (40-0.2)/40)
}

// TestBucketStates holds the three bucket cases of the state rules: the
// bursty partner the per-second simulation wrongly called over, a bucket
// drained to exactly 20 %, and one that throttles.
func TestBucketStates(t *testing.T) {
	f := func(name string, steps []step, wantUtil float64, wantState State) {
		t.Helper()
		b := NewBucket(20, 40)
		for _, s := range steps {
			b.Add(s.ms, s.n)
		}
		got := b.Utilization()
		if math.Abs(got-wantUtil) > 0.01 {
			t.Errorf("%s: utilization %v, want ≈ %v", name, got, wantUtil)
		}
		var c computation
		c.warn = 0.8
		if st := c.verdict(Row{Utilization: round6(got)}, false, 1).State; st != wantState {
			t.Errorf("%s: state %s (utilization %v), want %s", name, st, got, wantState)
		}
	}
	// A baseline of 5 rps (one request every 200 ms) plus 38 requests
	// spread over 100 ms (starting 50 ms after a baseline request) every
	// two minutes: about 2 tokens come back during the burst, so the
	// bucket's lowest level is about 4 tokens and 1 − 4 ÷ 40 ≈ 0.9: near,
	// never throttled. Counted per whole second it was 43 requests in one
	// second: over.
	var bursty []step
	for ms := int64(0); ms < 10*60*1000; ms++ {
		n := uint64(0)
		if ms%200 == 0 {
			n++ // baseline
		}
		if off := ms%120000 - 60050; off >= 0 && off < 100 {
			// request i of the burst is at floor(i × 100 ÷ 38) ms
			for i := int64(0); i < 38; i++ {
				if i*100/38 == off {
					n++
				}
			}
		}
		if n > 0 {
			bursty = append(bursty, step{ms, n})
		}
	}
	f("5 rps baseline and 38 within 100 ms every 2 min", bursty, 0.9, StateNear)
	// Exactly 32 of 40 tokens taken at once: the level bottoms at 8 = 20 %.
	f("drained to exactly 20 %", []step{{sec(3), 32}}, 0.8, StateNear)
	// 50 requests within 200 ms: only 40 + 4 tokens were there.
	f("throttles", []step{{0, 25}, {200, 25}}, 1.15, StateOver)
}

func TestWindow(t *testing.T) {
	f := func(name string, per time.Duration, steps []step, want uint64) {
		t.Helper()
		w := NewWindow(per)
		for _, s := range steps {
			w.Add(s.ms, s.n)
		}
		if got := w.Peak(); got != want {
			t.Errorf("%s: peak %d, want %d", name, got, want)
		}
	}
	f("empty", time.Minute, nil, 0)
	f("one second", time.Minute, []step{{sec(10), 7}}, 7)
	f("within a window", time.Minute, []step{{0, 5}, {sec(59), 4}}, 9)
	f("just outside", time.Minute, []step{{0, 5}, {sec(60), 4}}, 5)
	// Millisecond precision: 59.999 s apart is inside one minute.
	f("one millisecond inside", time.Minute, []step{{0, 5}, {59999, 4}}, 9)
	f("sliding within a second", time.Second, []step{{500, 3}, {1400, 3}, {1600, 3}}, 6)
	// Sliding, not fixed: 5 late in one minute, 4 early in the next.
	f("across minute boundaries", time.Minute, []step{{sec(40), 5}, {sec(70), 4}}, 9)
	f("the busiest window wins", time.Minute, []step{{0, 3}, {sec(30), 3}, {sec(200), 2}, {sec(210), 2}, {sec(220), 2}, {sec(230), 2}}, 8)
	f("same millisecond twice", time.Minute, []step{{5, 2}, {5, 3}}, 5)
	f("one-second windows", time.Second, []step{{0, 4}, {sec(1), 5}, {sec(2), 1}}, 5)
	f("five minutes", 5*time.Minute, []step{{0, 10}, {sec(299), 10}, {sec(300), 10}}, 20)
	// Many milliseconds: the window compacts its queue without losing counts.
	var many []step
	for s := range int64(5000) {
		many = append(many, step{sec(s), 1})
	}
	f("long run", 100*time.Second, many, 100)

	w := NewWindow(time.Minute)
	w.Add(0, 9)
	w.Reset()
	w.Add(sec(1000), 2)
	if w.Peak() != 2 {
		t.Errorf("after Reset: peak %d, want 2", w.Peak())
	}
}

func TestSustained(t *testing.T) {
	f := func(peak uint64, rate, want float64) {
		t.Helper()
		if got := Sustained(peak, rate); got != want {
			t.Errorf("Sustained(%d, %v) = %v, want %v", peak, rate, got, want)
		}
	}
	f(0, 200, 0)
	f(10200, 200, 0.85) // 170/s against 200/s
	f(9600, 200, 0.8)   // exactly the warn level, no rounding noise
	f(12000, 200, 1)
	f(18000, 200, 1.5)
	f(30, 0.5, 1)
	f(5, 0, 0) // rate 0 is Limit.Blocks's business
}

func TestProject(t *testing.T) {
	f := func(n uint64, asOf time.Time, want float64) {
		t.Helper()
		if got := Project(n, asOf); got != want {
			t.Errorf("Project(%d, %s) = %v, want %v", n, asOf.Format(time.RFC3339), got, want)
		}
	}
	mar := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	f(0, mar(15, 0), 0)
	f(500, mar(16, 0), 500*31.0/15)           // 15 of 31 days
	f(1000, mar(1, 0).AddDate(0, 1, 0), 1000) // at midnight on April 1st: March, complete
	f(100, mar(31, 12), 100*744.0/732)
	f(10, mar(1, 0).Add(time.Minute), 10*744) // the first hour counts as a whole hour
	f(10, mar(1, 2), 10*744.0/2)
	// February 2028 has 29 days.
	f(290, time.Date(2028, 2, 15, 0, 0, 0, 0, time.UTC), 290*29.0/14)
	// Another zone: the month is UTC's.
	f(31, time.Date(2026, 4, 1, 1, 0, 0, 0, time.FixedZone("CEST", 2*3600)), 31*744.0/743)
}

func TestExhaustion(t *testing.T) {
	mar := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	f := func(n uint64, quota int64, asOf time.Time, want time.Time, wantOK bool) {
		t.Helper()
		got, ok := Exhaustion(n, quota, time.Time{}, asOf)
		if ok != wantOK || (ok && !got.Equal(want)) {
			t.Errorf("Exhaustion(%d, %d, %s) = %s, %v; want %s, %v", n, quota, asOf.Format(time.RFC3339), got, ok, want, wantOK)
		}
	}
	// 1000 in 10 days: 100 a day, 2000 reached on day 20 (March 21, 00:00).
	f(1000, 2000, mar(11, 0), mar(21, 0), true)
	// 1000 in 10 days against 5000: 50 days, after March's end.
	f(1000, 5000, mar(11, 0), time.Time{}, false)
	// Already over: reached on day 5.
	f(2000, 1000, mar(11, 0), mar(6, 0), true)
	f(0, 1000, mar(11, 0), time.Time{}, false)
	// Data only from March 6: 1000 in 5 days is 200 a day, held from the
	// month's start: 2000 reached on day 10 (March 11).
	if got, ok := Exhaustion(1000, 2000, mar(6, 0), mar(11, 0)); !ok || !got.Equal(mar(11, 0)) {
		t.Errorf("with coverage from March 6: %s, %v; want March 11", got, ok)
	}
	// Projected exactly at the month's end: not before it.
	f(310, 310, mar(31, 0).AddDate(0, 0, 1), time.Time{}, false)
}

func TestMonthStart(t *testing.T) {
	got := MonthStart(time.Date(2026, 3, 31, 23, 59, 59, 0, time.FixedZone("X", -3600)))
	if want := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("MonthStart = %v, want %v", got, want)
	}
}

func TestClassSet(t *testing.T) {
	f := func(s classSet, c class, want bool) {
		t.Helper()
		if got := s.has(c); got != want {
			t.Errorf("%+v.has(%b) = %v, want %v", s, c, got, want)
		}
	}
	all := classSet{}
	f(all, 0, true)
	f(all, 0b101, true)
	auth := classSet{only: 0b1}
	f(auth, 0, false)
	f(auth, 0b1, true)
	f(auth, 0b11, true)
	others := classSet{except: 0b101}
	f(others, 0, true)
	f(others, 0b10, true)
	f(others, 0b1, false)
	f(others, 0b100, false)
}

func TestSelections(t *testing.T) {
	plans, err := ParsePlans("sel.yaml", []byte(`
plans:
  api:
    - {name: Auth, limit: 10, per: 1m, match: {method: POST, path: /auth}}
    - {name: Search, limit: 30, per: 1m, match: {path_prefix: /search}}
    - {name: Rest, limit: 60, per: 1m}
    - {name: Rate, rate: 5, burst: 10}
    - {name: Month, quota: 1000}
  other:
    - {name: Auth2, limit: 5, per: 5m, match: {method: POST, path: /auth}}
    - {name: Blocked, rate: 0, match: {path_prefix: /mcp}}
    - {name: Rate, rate: 5, burst: 10}
partners:
  - {name: a, plan: api}
`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSelections(plans)
	if err != nil {
		t.Fatal(err)
	}
	auth, search, mcp := class(1), class(2), class(4)
	if len(s.matchers) != 3 {
		t.Fatalf("matchers %+v, want POST /auth, /search, /mcp", s.matchers)
	}
	// For each plan's limits, the classes it counts among: none, auth,
	// search, mcp, auth+search.
	classes := []class{0, auth, search, mcp, auth | search}
	f := func(plan string, want [][]bool) {
		t.Helper()
		ids := s.of[plan]
		for i, id := range ids {
			for j, c := range classes {
				if got := s.sets[id].has(c); got != want[i][j] {
					t.Errorf("plan %s limit %d, class %b: counted %v, want %v", plan, i, c, got, want[i][j])
				}
			}
		}
	}
	f("api", [][]bool{
		{false, true, false, false, true}, // Auth
		{false, false, true, false, true}, // Search
		{true, false, false, true, false}, // Rest: all other windows' traffic
		{true, true, true, true, true},    // Rate: no matched bucket beside it
		{true, true, true, true, true},    // Month: everything
	})
	f("other", [][]bool{
		{false, true, false, false, true},  // Auth2: the same match as Auth, the same bit
		{false, false, false, true, false}, // Blocked
		{true, true, true, false, true},    // Rate: all but the blocked MCP routes
	})
	if s.of["api"][3] != s.of["api"][4] {
		t.Errorf("identical selections are not shared: %v", s.of["api"])
	}
}

func TestProjectFrom(t *testing.T) {
	asOf := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC) // 3.5 days into a 31-day month
	f := func(n uint64, covered time.Time, wantProj, wantDays float64) {
		t.Helper()
		p, d := ProjectFrom(n, covered, asOf)
		if math.Abs(p-wantProj) > 1e-6 || math.Abs(d-wantDays) > 1e-9 {
			t.Errorf("ProjectFrom(%d, %s) = %v, %v; want %v, %v", n, covered, p, d, wantProj, wantDays)
		}
	}
	f(350, time.Time{}, 3100, 3.5)                                // from the month's start
	f(100, time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC), 3100, 1) // one day of data: the same rate
	f(1, asOf.Add(-time.Minute), 744, 1.0/(24*60))                // minutes count as MinElapsed
	f(350, time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC), 3100, 3.5)
}

// TestPeriods splits random runs into periods (minutes): the highest of
// the periods' bucket utilizations and window peaks are the whole run's,
// whatever the traffic — what makes a window's minutes fold into its row.
func TestPeriods(t *testing.T) {
	for seed := range uint64(50) {
		rnd := rand.New(rand.NewPCG(seed, 7))
		rate, burst := float64(1+rnd.IntN(30)), int64(1+rnd.IntN(60))
		b, whole := NewBucket(rate, burst), NewBucket(rate, burst)
		w, wholeW := NewWindow(time.Duration(1+rnd.IntN(120))*time.Second), NewWindow(0)
		wholeW.Per = w.Per
		var (
			bestU    float64
			bestPeak uint64
			ms       int64
			minute   int64 = -1
		)
		for range 2000 {
			ms += int64(rnd.IntN(400))
			n := uint64(1 + rnd.IntN(1+int(burst)/4))
			if m := ms / 60_000; m != minute {
				bestU, bestPeak = max(bestU, b.EndPeriod()), max(bestPeak, w.EndPeriod())
				minute = m
			}
			b.Add(ms, n)
			whole.Add(ms, n)
			w.Add(ms, n)
			wholeW.Add(ms, n)
		}
		bestU, bestPeak = max(bestU, b.EndPeriod()), max(bestPeak, w.EndPeriod())
		if bestU != whole.Utilization() || b.Utilization() != whole.Utilization() {
			t.Errorf("seed %d: periods' highest bucket utilization %v, the run's %v (split run's own %v)", seed, bestU, whole.Utilization(), b.Utilization())
		}
		if bestPeak != wholeW.Peak() || w.Peak() != wholeW.Peak() {
			t.Errorf("seed %d: periods' highest peak %d, the run's %d", seed, bestPeak, wholeW.Peak())
		}
		if b.EndPeriod() != 0 || w.EndPeriod() != 0 {
			t.Errorf("seed %d: an empty period measures something", seed)
		}
	}
}
