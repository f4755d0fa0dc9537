package loggen

import (
	"strings"
	"time"

	"github.com/ratescope/ratescope/internal/ratelimit"
)

// limitDef is one limit of a rate-limit plan, as ratescope.yaml states it.
type limitDef struct {
	name       string
	rate       float64 // token bucket: requests per second …
	burst      float64 // … and bucket size
	quota      int64   // requests per calendar month
	limit      int64   // fixed count …
	per        time.Duration
	method     string // match: method and exact path …
	path       string
	pathPrefix string // … or a path prefix (per-IP limits)
}

func (l *limitDef) matches(method, path string) bool {
	p := pathOnly(path)
	if l.method != "" && l.method != method {
		return false
	}
	if l.path != "" && l.path != p {
		return false
	}
	if l.pathPrefix != "" && !strings.HasPrefix(p, l.pathPrefix) {
		return false
	}
	return true
}

// hasMatch reports whether the limit selects requests by method or path.
func (l *limitDef) hasMatch() bool { return l.method != "" || l.path != "" || l.pathPrefix != "" }

type planDef struct {
	name   string
	limits []limitDef
}

// The plans of the fictional API (written to the sample's ratescope.yaml). The commercial
// tier and the WAF caps are seed 000's; partner-api is seed 001's policies;
// trial is a small plan whose monthly quota the sample exhausts.
var planDefs = []planDef{
	{planCommercial, []limitDef{
		{name: "sustained", rate: 200, burst: 400},
		{name: "monthly", quota: 5_000_000},
	}},
	{planPartnerAPI, []limitDef{
		{name: "AuthPolicy", limit: 10, per: time.Minute, method: "POST", path: "/api/v1/auth/token"},
		{name: "ApiPolicy", limit: 60, per: time.Minute},
	}},
	{planTrial, []limitDef{
		{name: "sustained", rate: 5, burst: 10},
		{name: "monthly", quota: trialQuota},
	}},
}

const trialQuota = 500

var ipLimitDefs = []limitDef{
	{name: "waf-contact", limit: 20, per: 5 * time.Minute, pathPrefix: "/v1/users/me/contact/"},
	{name: "waf-phone-verify", limit: 20, per: 5 * time.Minute, pathPrefix: "/v1/users/me/phone/verify/"},
	{name: "waf-oauth-register", limit: 10, per: 5 * time.Minute, pathPrefix: "/v1/oauth/register"},
	{name: "waf-mcp", limit: 100, per: 5 * time.Minute, pathPrefix: "/v1/mcp"},
}

func planByName(name string) *planDef {
	for i := range planDefs {
		if planDefs[i].name == name {
			return &planDefs[i]
		}
	}
	return nil
}

// slidingWindow counts events in the last `per` milliseconds and remembers
// the highest count seen. Events must come in time order.
type slidingWindow struct {
	per  int64
	ts   []int64
	head int
	peak int64
}

// add records an event at t and returns the count in (t-per, t].
func (w *slidingWindow) add(t int64) int64 {
	w.ts = append(w.ts, t)
	for w.head < len(w.ts) && w.ts[w.head] <= t-w.per {
		w.head++
	}
	if w.head > 4096 && w.head*2 > len(w.ts) {
		w.ts = append(w.ts[:0], w.ts[w.head:]...)
		w.head = 0
	}
	n := int64(len(w.ts) - w.head)
	w.peak = max(w.peak, n)
	return n
}

// tracker measures one subject (a partner or a client IP) against one
// limit with the product's own measures (internal/ratelimit): the sliding
// window's peak, the token bucket simulation, the sustained rate and the
// quota's month-end projection — one rulebook for the reports and the
// manifest.
type tracker struct {
	def       *limitDef
	win       *ratelimit.Window // fixed-count limits: the window; token buckets: 60 s for the sustained rate
	bucket    *ratelimit.Bucket
	month     int64 // yyyymm of the current month
	monthN    int64
	monthPeak int64
	throttled int64
	headers   float64 // highest (limit − remaining) ÷ limit of the logged X-RateLimit headers
}

// header notes a request's logged X-RateLimit-Limit and -Remaining.
func (t *tracker) header(limit, remaining int64) {
	t.headers = max(t.headers, float64(limit-remaining)/float64(limit))
}

func newTracker(def *limitDef) *tracker {
	t := &tracker{def: def}
	switch {
	case def.limit > 0:
		t.win = ratelimit.NewWindow(def.per)
	case def.rate > 0:
		t.win = ratelimit.NewWindow(ratelimit.SustainedWindow)
		t.bucket = ratelimit.NewBucket(def.rate, int64(def.burst))
	}
	return t
}

func monthKey(ms int64) int64 {
	y, m, _ := time.UnixMilli(ms).UTC().Date()
	return int64(y)*100 + int64(m)
}

// add counts a request at ms (requests must come in time order), at the
// millisecond precision the report simulates at.
func (t *tracker) add(at int64) {
	d := t.def
	switch {
	case d.limit > 0:
		t.win.Add(at, 1)
	case d.rate > 0:
		t.win.Add(at, 1)
		t.bucket.Add(at, 1)
	case d.quota > 0:
		if k := monthKey(at); k != t.month {
			t.month, t.monthN = k, 0
		}
		t.monthN++
		t.monthPeak = max(t.monthPeak, t.monthN)
	}
}

// utilization follows the product's definitions: window peak ÷ limit; for
// a token bucket the larger of sustained (peak 60 s average ÷ rate) and
// burst (1 − lowest level ÷ burst), and for both at least the logged
// headers' 1 − lowest remaining ÷ limit; for a quota the month-end projection
// from the data's coverage (from coverage, its first request, to asOf) ÷
// quota. It also returns the days a quota projection stands on.
func (t *tracker) utilization(coverage, asOf time.Time) (float64, float64) {
	d := t.def
	switch {
	case d.limit > 0:
		return max(float64(t.win.Peak())/float64(d.limit), t.headers), 0
	case d.rate > 0:
		return max(ratelimit.Sustained(t.win.Peak(), d.rate), t.bucket.Utilization(), t.headers), 0
	case d.quota > 0:
		proj, days := ratelimit.ProjectFrom(uint64(t.monthN), coverage, asOf)
		return proj / float64(d.quota), days
	}
	return 0, 0
}

func (t *tracker) peak() int64 {
	if t.def.quota > 0 {
		return t.monthPeak
	}
	if t.win == nil {
		return 0
	}
	return int64(t.win.Peak())
}

// state is the product's verdict (ratelimit): over when the utilization
// exceeds 1 or the limit throttled, near from the warn level; a quota
// projected over from less than ratelimit.MinConfidentDays of data is near
// unless its count already passed the quota.
func (t *tracker) state(util, days float64) string {
	st := stateOf(util, t.throttled)
	if t.def.quota > 0 && st == "over" && t.throttled == 0 && days < ratelimit.MinConfidentDays && t.monthN < t.def.quota {
		return "near"
	}
	return st
}

const warnLevel = 0.8

func stateOf(util float64, throttled int64) string {
	switch {
	case util > 1 || throttled > 0:
		return "over"
	case util >= warnLevel:
		return "near"
	default:
		return "ok"
	}
}

// fixedWindow is a per-minute counter as a gateway's rate limiter keeps it.
type fixedWindow struct {
	start int64
	n     int64
}

// add counts a request at t in a window of per ms and returns the count in
// the current window and the window's end.
func (w *fixedWindow) add(t, per int64) (n, end int64) {
	s := t - t%per
	if s != w.start {
		w.start, w.n = s, 0
	}
	w.n++
	return w.n, s + per
}
