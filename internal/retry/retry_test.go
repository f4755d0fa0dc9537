package retry

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFailedRetryable(t *testing.T) {
	f := func(status uint16, flags string, failed, retryable bool) {
		t.Helper()
		if got := Failed(status, flags); got != failed {
			t.Errorf("Failed(%d, %q) = %v, want %v", status, flags, got, failed)
		}
		if got := Retryable(status, flags); got != retryable {
			t.Errorf("Retryable(%d, %q) = %v, want %v", status, flags, got, retryable)
		}
	}
	for _, s := range []uint16{429, 500, 502, 503, 504, 408, 520, 599} {
		f(s, "", true, true)
	}
	for _, s := range []uint16{400, 401, 403, 404, 409, 422, 405, 410, 413, 501, 505} {
		f(s, "", true, false)
	}
	for _, s := range []uint16{200, 201, 204, 301, 304, 399} {
		f(s, "", false, false)
	}
	f(0, "", true, true)         // Envoy: stream reset, no status
	f(0, "DC", true, true)       // still no response at all
	f(200, "UF", true, true)     // upstream connection failure
	f(200, "RL", false, false)   // rate-limit flag alone says nothing about the status
	f(503, "UF,URX", true, true) // flags in a list
	f(200, "DC,UT", true, true)  // a network flag after another
	f(200, "URXX", false, false) // not a flag
	f(200, " UH ", true, true)   // padded
	f(404, "NR", true, false)    // no route: the request's fault
	f(403, "UAEX", true, false)  // external authorization refused
	f(429, "RL", true, true)     // local rate limit
	f(200, ",,", false, false)   // empty list items
	f(400, "UH", true, true)     // a network failure wins over the status
	f(499, "DC", true, false)    // client closed the request: nginx's 499
	f(200, "uf", false, false)   // flags are upper case
	f(304, "LR,DPE", true, true) // local reset
	f(201, "DPE", false, false)  // downstream protocol error: the client's
	f(200, "UMSDR", true, true)  // max stream duration
	f(502, "UPE", true, true)    // upstream protocol error
	f(504, "UT", true, true)     // upstream timeout
	f(503, "UO", true, true)     // overflow
	f(503, "LH", true, true)     // local health check failed
	f(503, "DF", true, true)     // DNS failure
	f(408, "SI", true, true)     // stream idle timeout
	f(503, "UC", true, true)     // upstream connection termination
	f(503, "UR", true, true)     // upstream remote reset
}

func TestDocumentedDelay(t *testing.T) {
	want := []int64{1000, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000}
	for k, w := range want {
		if got := documentedDelayMs(k); got != w {
			t.Errorf("documentedDelayMs(%d) = %d, want %d", k, got, w)
		}
	}
	if got := documentedDelayMs(1 << 30); got != 30000 {
		t.Errorf("documentedDelayMs(huge) = %d, want 30000", got)
	}
}

// seq returns attempts starting at t0 (ms), the i-th after gaps[i-1] ms,
// with statuses[i] (the last status repeats) and Retry-After ra on each.
func seq(t0 int64, gaps []int64, ra int32, statuses ...uint16) []Attempt {
	out := make([]Attempt, len(gaps)+1)
	t := t0
	for i := range out {
		if i > 0 {
			t += gaps[i-1]
		}
		s := statuses[min(i, len(statuses)-1)]
		out[i] = Attempt{TimeMs: t, RequestID: "r" + string(rune('a'+i%26)) + string(rune('0'+i/26%10)), Status: s}
		if Failed(s, "") {
			out[i].RetryAfter = ra
		}
	}
	return out
}

// t0 is a time with milliseconds, so no gap gets whole-second slack
// unless a test asks for it.
const t0 = int64(1_772_359_200_123) // 2026-03-01T10:00:00.123Z

func TestLogicalRequest(t *testing.T) {
	// ok, fail, fail(+1s), ok(+2s), ok(+1s), fail(+1s), fail(+61s), fail(+60s)
	as := seq(t0, []int64{1000, 1000, 2000, 1000, 1000, 61000, 60000}, 0, 200, 503, 503, 200, 200, 500, 500, 500)
	want := [][2]int{{0, 1}, {1, 4}, {1, 4}, {1, 4}, {4, 5}, {5, 6}, {6, 8}, {6, 8}}
	for i, w := range want {
		lo, hi := LogicalRequest(as, i)
		if lo != w[0] || hi != w[1] {
			t.Errorf("LogicalRequest(_, %d) = [%d, %d), want [%d, %d)", i, lo, hi, w[0], w[1])
		}
	}
	for _, i := range []int{-1, len(as)} {
		if lo, hi := LogicalRequest(as, i); lo != 0 || hi != 0 {
			t.Errorf("LogicalRequest(_, %d) = [%d, %d), want [0, 0)", i, lo, hi)
		}
	}
}

func TestIsRetry(t *testing.T) {
	f := func(prevStatus uint16, gap int64, want bool) {
		t.Helper()
		prev := Attempt{TimeMs: t0, Status: prevStatus}
		next := Attempt{TimeMs: t0 + gap, Status: 200}
		if got := IsRetry(&prev, &next); got != want {
			t.Errorf("IsRetry(status %d, gap %d) = %v, want %v", prevStatus, gap, got, want)
		}
	}
	f(503, 0, true)
	f(503, 60000, true)
	f(503, 60001, false)
	f(503, -1, false)
	f(404, 10, true) // non-retryable, yet retried
	f(200, 10, false)
	f(0, 10, true)
}

// analyze runs the attempts through an Analyzer as one sequence of key.
func analyze(t *testing.T, th Thresholds, key Key, as []Attempt) []Storm {
	t.Helper()
	an := NewAnalyzer(th)
	for i := range as {
		if err := an.Add(&key, &as[i]); err != nil {
			t.Fatal(err)
		}
	}
	return an.Storms()
}

// jittered returns the documented waits (1 s doubling, capped at 30 s) for
// n retries, each scaled by a factor in [lo, hi) drawn from a fixed seed.
func jittered(n int, lo, hi float64, seed uint64) []int64 {
	rnd := rand.New(rand.NewPCG(seed, seed))
	out := make([]int64, n)
	for i := range out {
		d := float64(min(int64(1000)<<min(i, 5), 30000))
		out[i] = int64(d * (lo + (hi-lo)*rnd.Float64()))
	}
	return out
}

func TestAnalyzer(t *testing.T) {
	get := Key{Partner: "acme", ClientIP: "192.0.2.1", Method: "GET", Route: "/v1/classes"}
	post := Key{Partner: "acme", ClientIP: "192.0.2.1", Method: "POST", Route: "/v1/bookings"}
	postKey := post
	postKey.IdempotencyKey = "8f14e45f"
	patch := post
	patch.Method = "patch"
	constant := func(n int, gap int64) []int64 {
		g := make([]int64, n)
		for i := range g {
			g[i] = gap
		}
		return g
	}
	// schedule is the documented waits with +0..10% jitter, 5 retries.
	schedule := []int64{1040, 2150, 4010, 8300, 16700}

	type want struct {
		attempts, retries int
		median            int64
		violations        []Violation
	}
	cases := []struct {
		name string
		th   Thresholds
		key  Key
		as   []Attempt
		want []want // storms, in order
	}{
		{name: "documented schedule, 4 retries, then success", key: get,
			as: seq(t0, []int64{1080, 2200, 4050, 8120}, 0, 503, 503, 503, 503, 200)},
		{name: "documented schedule with equal jitter, 12 retries", key: get,
			as: seq(t0, jittered(12, 0.5, 1.0, 1), 0, 503)},
		{name: "documented schedule with ±50% jitter, 12 retries", key: get,
			as: seq(t0, jittered(12, 0.5, 1.5, 2), 0, 500)},
		{name: "documented schedule, POST with a key", key: postKey,
			as: seq(t0, schedule, 0, 504)},
		{name: "no backoff alone", key: get,
			as:   seq(t0, constant(6, 1000), 0, 503, 503, 503, 503, 503, 503, 200),
			want: []want{{7, 6, 1000, []Violation{NoBackoff}}}},
		{name: "one short gap is forgiven", key: get,
			as: seq(t0, []int64{100, 2000, 4000, 8000, 16000}, 0, 503)},
		{name: "two short gaps are not", key: get,
			as:   seq(t0, []int64{100, 2000, 1500, 8000, 16000}, 0, 503),
			want: []want{{6, 5, 2000, []Violation{NoBackoff}}}},
		{name: "retried non-retryable alone", key: get,
			as:   seq(t0, schedule, 0, 422),
			want: []want{{6, 5, 4010, []Violation{RetriedNonRetryable}}}},
		{name: "missing idempotency key alone (POST)", key: post,
			as:   seq(t0, schedule, 0, 503),
			want: []want{{6, 5, 4010, []Violation{MissingIdempotencyKey}}}},
		{name: "missing idempotency key alone (patch, lower case)", key: patch,
			as:   seq(t0, schedule, 0, 503),
			want: []want{{6, 5, 4010, []Violation{MissingIdempotencyKey}}}},
		{name: "ignored Retry-After alone", key: get,
			as:   seq(t0, schedule, 3, 429),
			want: []want{{6, 5, 4010, []Violation{IgnoredRetryAfter}}}},
		{name: "Retry-After honoured, faster than the schedule", key: get,
			as: seq(t0, constant(6, 5200), 5, 429)},
		{name: "Retry-After ignored, hammering", key: get,
			as:   seq(t0, constant(19, 500), 42, 429),
			want: []want{{20, 19, 500, []Violation{IgnoredRetryAfter, NoBackoff}}}},
		{name: "everything at once", key: post,
			as:   seq(t0, constant(8, 100), 2, 429, 422),
			want: []want{{9, 8, 100, []Violation{IgnoredRetryAfter, MissingIdempotencyKey, NoBackoff, RetriedNonRetryable}}}},
		{name: "fast, but below the threshold", key: get,
			as: seq(t0, constant(4, 100), 0, 503)},
		{name: "fast, a lower threshold", th: Thresholds{MinRetries: 3}, key: get,
			as:   seq(t0, constant(4, 100), 0, 503),
			want: []want{{5, 4, 100, []Violation{NoBackoff}}}},
		{name: "non-retryable, too slow for a storm", key: get,
			as: seq(t0, constant(10, 20000), 0, 422)},
		{name: "5 retries within exactly 60 s", key: get,
			as:   seq(t0, []int64{100, 15000, 15000, 15000, 15000}, 0, 422),
			want: []want{{6, 5, 15000, []Violation{RetriedNonRetryable}}}},
		{name: "5 retries within 60.001 s", key: get,
			as: seq(t0, []int64{100, 15000, 15000, 15000, 15001}, 0, 422)},
		{name: "a gap of 60 s joins", th: Thresholds{MinRetries: 3}, key: get,
			as:   seq(t0, []int64{100, 100, 60000, 100, 100}, 0, 503),
			want: []want{{6, 5, 100, []Violation{NoBackoff}}}},
		{name: "a gap over 60 s splits", th: Thresholds{MinRetries: 3}, key: get,
			as: seq(t0, []int64{100, 100, 60001, 100, 100}, 0, 503)},
		{name: "two storms split by a gap over 60 s", key: get,
			as: seq(t0, append(append(constant(5, 200), 61000), constant(6, 300)...), 0, 503),
			want: []want{
				{7, 6, 300, []Violation{NoBackoff}}, // more retries first
				{6, 5, 200, []Violation{NoBackoff}},
			}},
		{name: "a success ends the logical request", key: get,
			as: seq(t0, constant(6, 100), 0, 503, 503, 503, 200, 503, 503, 503)},
		{name: "even number of gaps: mean of the middle two", key: get,
			as:   seq(t0, []int64{100, 300, 200, 700, 400, 100}, 0, 503),
			want: []want{{7, 6, 250, []Violation{NoBackoff}}}},
		{name: "network failures count", key: get,
			as:   seq(t0, constant(5, 50), 0, 0),
			want: []want{{6, 5, 50, []Violation{NoBackoff}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := analyze(t, c.th, c.key, c.as)
			if len(got) != len(c.want) {
				t.Fatalf("%d storms, want %d: %+v", len(got), len(c.want), got)
			}
			for i, w := range c.want {
				s := got[i]
				if s.Attempts != w.attempts || s.Retries != w.retries || s.MedianGapMs != w.median ||
					!slices.Equal(s.Violations, w.violations) {
					t.Errorf("storm %d: attempts %d retries %d median %d violations %v; want %d %d %d %v",
						i, s.Attempts, s.Retries, s.MedianGapMs, s.Violations, w.attempts, w.retries, w.median, w.violations)
				}
				if s.Key != c.key {
					t.Errorf("storm %d: key %+v, want %+v", i, s.Key, c.key)
				}
				// Violations judges a whole logical request the same way.
				first := slices.IndexFunc(c.as, func(a Attempt) bool { return a.RequestID == s.FirstRequestID })
				lo, hi := LogicalRequest(c.as, first)
				if v := Violations(&c.key, c.as[lo:hi]); lo != first || hi-lo != s.Attempts || !slices.Equal(v, s.Violations) {
					t.Errorf("storm %d: LogicalRequest [%d, %d) with violations %v; want [%d, %d) with %v",
						i, lo, hi, v, first, first+s.Attempts, s.Violations)
				}
			}
		})
	}
}

// TestAnalyzerBounds checks a storm's start, end and first request id.
func TestAnalyzerBounds(t *testing.T) {
	key := Key{Method: "GET", Route: "/x"}
	// A success, then a storm of 6 attempts, then a late retry-less failure.
	as := seq(t0, []int64{5000, 100, 100, 100, 100, 100, 90000}, 0, 200, 503, 503, 503, 503, 503, 200, 503)
	got := analyze(t, Thresholds{}, key, as)
	if len(got) != 1 {
		t.Fatalf("%d storms, want 1", len(got))
	}
	s := got[0]
	if s.FirstRequestID != as[1].RequestID || !s.Start.Equal(time.UnixMilli(as[1].TimeMs)) || !s.End.Equal(time.UnixMilli(as[6].TimeMs)) {
		t.Errorf("storm from %s (%s) to %s, want %s (%s) to %s", s.FirstRequestID, s.Start, s.End,
			as[1].RequestID, time.UnixMilli(as[1].TimeMs).UTC(), time.UnixMilli(as[6].TimeMs).UTC())
	}
	if s.Start.Location() != time.UTC {
		t.Errorf("start in %v, want UTC", s.Start.Location())
	}
}

// TestWholeSecondSlack checks that gaps between second-precision
// timestamps get a second of slack.
func TestWholeSecondSlack(t *testing.T) {
	key := Key{Method: "GET", Route: "/x"}
	whole := t0 - t0%1000
	f := func(name string, start int64, gap int64, ra int32, want []Violation) {
		t.Helper()
		as := seq(start, []int64{gap, gap, gap, gap, gap}, ra, 429)
		got := analyze(t, Thresholds{}, key, as)
		var v []Violation
		if len(got) > 0 {
			v = got[0].Violations
		}
		if !slices.Equal(v, want) {
			t.Errorf("%s: violations %v, want %v", name, v, want)
		}
	}
	// Retry-After 2 s, retried 1 s later by the log's whole seconds: the
	// real gap may have been up to 2 s.
	f("whole seconds, RA 2, gap 1 s", whole, 1000, 2, nil)
	f("milliseconds, RA 2, gap 1 s", whole+1, 1000, 2, []Violation{IgnoredRetryAfter, NoBackoff})
	f("whole seconds, RA 3, gap 1 s", whole, 1000, 3, []Violation{IgnoredRetryAfter, NoBackoff})
	// Same-second retries: under half of every documented wait.
	f("whole seconds, gap 0", whole, 0, 0, []Violation{NoBackoff})
}

func TestNoKeyChangeLeaks(t *testing.T) {
	// Two sequences, each a fast 3-retry run: together they would be a
	// storm if the analyzer joined them.
	a, b := Key{Method: "GET", Route: "/a"}, Key{Method: "GET", Route: "/b"}
	an := NewAnalyzer(Thresholds{})
	for _, k := range []Key{a, b} {
		as := seq(t0, []int64{100, 100, 100}, 0, 503)
		for i := range as {
			if err := an.Add(&k, &as[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := an.Storms(); len(got) != 0 {
		t.Errorf("storms across sequences: %+v", got)
	}
}

func TestMissingIdempotencyKey(t *testing.T) {
	f := func(method, key string, want bool) {
		t.Helper()
		k := Key{Method: method, IdempotencyKey: key}
		if got := k.MissingIdempotencyKey(); got != want {
			t.Errorf("%q with key %q: %v, want %v", method, key, got, want)
		}
	}
	f("POST", "", true)
	f("PATCH", "", true)
	f("post", "", true)
	f("pAtCh", "", true)
	f("POST", "k", false)
	f("PUT", "", false)
	f("GET", "", false)
	f("DELETE", "", false)
	f("POSTS", "", false)
	f("", "", false)
	f("PO\u017fT", "", false) // long s: folds to S in Unicode, not in ASCII (nor in ClickHouse's upper)
}

// TestAnalyzerAddSeq checks that sequences known by id give the same
// storms as by Key, with an empty Key.
func TestAnalyzerAddSeq(t *testing.T) {
	post := Key{Method: "POST", Route: "/b"}
	get := Key{Method: "GET", Route: "/b"}
	fast := seq(t0, []int64{100, 100, 100, 100, 100}, 0, 503)
	slowPost := seq(t0, []int64{1040, 2150, 4010, 8300, 16700}, 0, 503)
	byKey := NewAnalyzer(Thresholds{})
	byID := NewAnalyzer(Thresholds{})
	for i, s := range []struct {
		k  Key
		as []Attempt
	}{{get, fast}, {post, slowPost}, {get, fast}} {
		for j := range s.as {
			a := s.as[j]
			a.RequestID = fmt.Sprintf("s%d-%d", i, j)
			if err := byKey.Add(&s.k, &a); err != nil {
				t.Fatal(err)
			}
			if err := byID.AddSeq(uint64(i), s.k.MissingIdempotencyKey(), &a); err != nil {
				t.Fatal(err)
			}
		}
	}
	want, got := byKey.Storms(), byID.Storms()
	if len(want) != 3 || len(got) != 3 {
		t.Fatalf("%d storms by key, %d by id; want 3 each", len(want), len(got))
	}
	byFirst := func(a, b Storm) int { return strings.Compare(a.FirstRequestID, b.FirstRequestID) }
	slices.SortFunc(want, byFirst)
	slices.SortFunc(got, byFirst)
	for i := range want {
		w := want[i]
		w.Key = Key{}
		if !reflect.DeepEqual(got[i], w) {
			t.Errorf("storm %d by id %+v, want %+v", i, got[i], w)
		}
	}
	// The same id again later is a new sequence: the time may go back.
	an := NewAnalyzer(Thresholds{})
	a, b := Attempt{TimeMs: t0, Status: 503}, Attempt{TimeMs: t0 - 5000, Status: 503}
	for _, step := range []struct {
		id uint64
		a  *Attempt
	}{{1, &a}, {2, &b}, {1, &b}} {
		if err := an.AddSeq(step.id, false, step.a); err != nil {
			t.Errorf("id %d: %v", step.id, err)
		}
	}
	if err := an.Add(&get, &a); err != nil {
		t.Errorf("Add after AddSeq: %v", err)
	}
}

func TestAnalyzerOutOfOrder(t *testing.T) {
	key := Key{Method: "GET"}
	an := NewAnalyzer(Thresholds{})
	first := Attempt{TimeMs: t0, RequestID: "a", Status: 503}
	early := Attempt{TimeMs: t0 - 1, RequestID: "b", Status: 503}
	if err := an.Add(&key, &first); err != nil {
		t.Fatal(err)
	}
	err := an.Add(&key, &early)
	if err == nil || !strings.Contains(err.Error(), "comes before") {
		t.Errorf("out-of-order attempt: %v", err)
	}
	// Another sequence may start earlier.
	other := Key{Method: "POST"}
	if err := an.Add(&other, &early); err != nil {
		t.Errorf("a new sequence starting earlier: %v", err)
	}
}

func TestGapSetMedian(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{1, 2, 3, 10, maxGapValues, maxGapValues + 1, maxGapValues + 5000} {
		var g gapSet
		for round := range 2 { // the second round checks reset
			g.reset()
			vals := make([]int64, n)
			for i := range vals {
				vals[i] = rnd.Int64N(retryWindowMs + 1)
				if round == 1 && i%3 == 0 {
					vals[i] = 60000
				}
				g.add(vals[i])
			}
			slices.Sort(vals)
			want := (vals[(n-1)/2] + vals[n/2]) / 2
			if got := g.median(); got != want {
				t.Errorf("n=%d round %d: median %d, want %d", n, round, got, want)
			}
		}
	}
	var empty gapSet
	if got := empty.median(); got != 0 {
		t.Errorf("median of nothing = %d", got)
	}
}

func TestViolationsShort(t *testing.T) {
	k := Key{Method: "POST"}
	for n := range 2 {
		if v := Violations(&k, seq(t0, nil, 0, 503)[:n]); v == nil || len(v) != 0 {
			t.Errorf("%d attempts: %#v, want an empty list", n, v)
		}
	}
}

func TestSortStorms(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(int64(1_772_359_200+s), 0).UTC() }
	storms := []Storm{
		{Key: Key{Partner: "b"}, Retries: 5, Violations: []Violation{NoBackoff}, Start: at(0)},
		{Key: Key{Partner: "a"}, Retries: 5, Violations: []Violation{NoBackoff}, Start: at(0)},
		{Key: Key{Partner: "z"}, Retries: 9, Violations: []Violation{NoBackoff}, Start: at(9)},
		{Key: Key{Partner: "c"}, Retries: 5, Violations: []Violation{NoBackoff, RetriedNonRetryable}, Start: at(5)},
		{Key: Key{Partner: "d"}, Retries: 5, Violations: []Violation{NoBackoff}, Start: at(-1)},
	}
	SortStorms(storms)
	var got []string
	for _, s := range storms {
		got = append(got, s.Partner)
	}
	if want := []string{"z", "c", "d", "a", "b"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestStormJSON(t *testing.T) {
	s := Storm{
		Key:            Key{Partner: "acme", ClientIP: "192.0.2.1", Method: "POST", Route: "/v1/<bookings>", IdempotencyKey: "k"},
		FirstRequestID: "r1",
		Start:          time.UnixMilli(t0).In(time.FixedZone("CET", 3600)),
		End:            time.UnixMilli(t0 + 4877).UTC(),
		Attempts:       6, Retries: 5, MedianGapMs: 1000,
		Violations: []Violation{MissingIdempotencyKey, NoBackoff},
	}
	// As the JSON exporter writes it: no HTML escaping.
	marshal := func(s Storm) string {
		var buf strings.Builder
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(buf.String(), "\n")
	}
	b := marshal(s)
	want := `{"partner":"acme","client_ip":"192.0.2.1","method":"POST","route":"/v1/<bookings>",` +
		`"start":"2026-03-01T10:00:00.123Z","end":"2026-03-01T10:00:05.000Z","attempts":6,"retries":5,` +
		`"median_gap_ms":1000,"violations":["missing_idempotency_key","no_backoff"],"first_request_id":"r1"}`
	if b != want {
		t.Errorf("JSON\n%s\nwant\n%s", b, want)
	}
	s.Violations = nil
	if b := marshal(s); !strings.Contains(b, `"violations":[]`) {
		t.Errorf("nil violations: %s", b)
	}
}
