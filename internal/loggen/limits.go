package loggen

import (
	"strings"
	"time"
)

// limitDef is one limit of a rate-limit plan, as plans.yaml states it.
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

type planDef struct {
	name   string
	limits []limitDef
}

// The plans of the fictional API (written to plans.yaml). The commercial
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

// tracker measures one subject (a partner or a client IP) against one limit.
type tracker struct {
	def       *limitDef
	win       slidingWindow // fixed-count limits: the window; token buckets: 60 s for the sustained rate
	level     float64       // token bucket level
	last      int64
	minLevel  float64
	started   bool
	month     int64 // yyyymm of the current month
	monthN    int64
	monthPeak int64
	throttled int64
}

func newTracker(def *limitDef) *tracker {
	t := &tracker{def: def}
	switch {
	case def.limit > 0:
		t.win.per = def.per.Milliseconds()
	case def.rate > 0:
		t.win.per = 60_000
	}
	return t
}

func monthKey(ms int64) int64 {
	y, m, _ := time.UnixMilli(ms).UTC().Date()
	return int64(y)*100 + int64(m)
}

func (t *tracker) add(at int64) {
	d := t.def
	switch {
	case d.limit > 0:
		t.win.add(at)
	case d.rate > 0:
		t.win.add(at)
		if !t.started {
			t.started, t.level, t.minLevel, t.last = true, d.burst, d.burst, at
		}
		t.level = min(d.burst, t.level+float64(at-t.last)*d.rate/1000)
		t.last = at
		t.level--
		t.minLevel = min(t.minLevel, t.level)
	case d.quota > 0:
		if k := monthKey(at); k != t.month {
			t.month, t.monthN = k, 0
		}
		t.monthN++
		t.monthPeak = max(t.monthPeak, t.monthN)
	}
}

// utilization follows the product's definitions: window peak ÷ limit;
// for a token bucket the larger of sustained (peak 60 s average ÷ rate)
// and burst (1 − lowest level ÷ burst); for a quota the month's count so
// far ÷ quota (no month-end projection).
func (t *tracker) utilization() float64 {
	d := t.def
	switch {
	case d.limit > 0:
		return float64(t.win.peak) / float64(d.limit)
	case d.rate > 0:
		if !t.started {
			return 0
		}
		sustained := float64(t.win.peak) / 60 / d.rate
		burst := 1 - t.minLevel/d.burst
		return max(sustained, burst)
	case d.quota > 0:
		return float64(t.monthPeak) / float64(d.quota)
	}
	return 0
}

func (t *tracker) peak() int64 {
	if t.def.quota > 0 {
		return t.monthPeak
	}
	return t.win.peak
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
