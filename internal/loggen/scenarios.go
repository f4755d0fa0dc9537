package loggen

import (
	"github.com/ratescope/ratescope/internal/retry"
	"math/rand/v2"
	"sort"
	"time"
)

// Front shares of background traffic.
var frontWeights = []struct {
	sink sinkID
	w    int
}{
	{sinkAPIGW, 30}, {sinkNginx, 15}, {sinkNginxJSON, 20}, {sinkEnvoy, 15}, {sinkGateway, 20},
}

// background schedules cfg.Requests requests spread evenly (with jitter)
// over the span, each from a random client on a random route.
func (g *gen) background() {
	n := g.cfg.Requests
	step := float64(g.span) / float64(n)
	var i int
	var next func(at int64)
	next = func(at int64) {
		g.backgroundRequest(at)
		i++
		if i < n {
			g.schedule(g.start+int64((float64(i)+g.rnd.Float64())*step), next)
		}
	}
	g.schedule(g.start+int64(g.rnd.Float64()*step), next)
}

func (g *gen) backgroundRequest(at int64) {
	total := 0
	for _, f := range frontWeights {
		total += f.w
	}
	x := g.rnd.IntN(total)
	sink := frontWeights[len(frontWeights)-1].sink
	for _, f := range frontWeights {
		if x < f.w {
			sink = f.sink
			break
		}
		x -= f.w
	}
	var rt *route
	var c client
	switch sink {
	case sinkAPIGW:
		rt = pickRoute(apigwRoutes, g.rnd)
		switch {
		case rt.tmpl == "/v1/mcp" && g.rnd.IntN(100) < 15:
			c = g.partnerClient(g.w.initech) // sends its API key to MCP: throttled (seed 000)
		case rt.anon:
			c = g.anonClient(g.w.appUAs)
		default:
			c = g.partnerClient(pickPartner(g.partnerWeightsAPI, g.rnd))
		}
	case sinkNginx:
		rt = pickRoute(nginxRoutes, g.rnd)
		switch rt.tmpl {
		case "/scan":
			c = client{ip: g.w.scanIPs[g.rnd.IntN(len(g.w.scanIPs))], ua: g.w.scanUAs[g.rnd.IntN(len(g.w.scanUAs))]}
		case "/v0/bookings":
			// umbrella's legacy integration still puts its key in the query string.
			u := g.w.umbrella
			c = client{ip: u.ips[g.rnd.IntN(len(u.ips))], ua: "umbrella-legacy/1.2 (Java/1.8.0_392)"}
		default:
			c = g.anonClient(g.w.webUAs)
		}
	case sinkNginxJSON:
		rt = pickRoute(nginxJSONRoutes, g.rnd)
		c = g.partnerClient(pickPartner(g.partnerWeightsOth, g.rnd))
	case sinkEnvoy:
		rt = pickRoute(envoyRoutes, g.rnd)
		c = g.anonClient(g.w.appUAs)
	default:
		rt = pickRoute(jsonlRoutes, g.rnd)
		c = g.partnerClient(pickPartner(g.partnerWeightsOth, g.rnd))
	}
	r := g.newRequest(sink, rt, c, at)
	if rt.tmpl == "/v0/bookings" {
		r.queryKey = g.w.umbrella.key(g.frac(at)).secret
		r.path += "&api_key=" + r.queryKey
	}
	g.attempt(r, c, 0)
}

// acme runs near its partner-api plan: about 8 requests a minute, then 50 a
// minute (ApiPolicy allows 60) for the last 45 minutes, all through nginx
// with its API key, plus a token refresh every 10 minutes (AuthPolicy: 10).
func (g *gen) acme() {
	p := g.w.acme
	heavyFrom := g.end - min(45*time.Minute.Milliseconds(), g.span/2)
	routes := nginxJSONRoutes[1:] // all but the token endpoint
	grid := g.start + 3000
	var next func(at int64)
	next = func(at int64) {
		c := g.partnerClient(p)
		g.attempt(g.newRequest(sinkNginxJSON, pickRoute(routes, g.rnd), c, at), c, 0)
		step, jit := int64(7500), int64(2000)
		if grid >= heavyFrom {
			step, jit = 1200, 150
		}
		grid += step
		g.schedule(max(grid+g.jitter(jit), at+1), next)
	}
	g.schedule(grid, next)

	auth := &nginxJSONRoutes[0]
	var refresh func(at int64)
	refresh = func(at int64) {
		c := g.partnerClient(p)
		g.attempt(g.newRequest(sinkNginxJSON, auth, c, at), c, 0)
		g.schedule(at+10*time.Minute.Milliseconds()+g.jitter(5000), refresh)
	}
	g.schedule(g.start+90_000, refresh)
}

var healthRoute = route{be: beWebsite, method: "GET", tmpl: "/healthz", path: fixedPath("/healthz"),
	outs: []outcome{{200, "", 998}, {503, "", 2}}}

// healthChecks: each load balancer probes /healthz every 30 s from two
// target groups at once, so most probes log two identical lines.
func (g *gen) healthChecks() {
	for i, ip := range g.w.lbIPs {
		c := client{ip: ip, ua: "ELB-HealthChecker/2.0"}
		var probe func(at int64)
		probe = func(at int64) {
			g.emit(g.newRequest(sinkNginx, &healthRoute, c, at))
			second := at + g.rnd.Int64N(400)
			g.schedule(second, func(at int64) { g.emit(g.newRequest(sinkNginx, &healthRoute, c, at)) })
			g.schedule(at+30_000, probe)
		}
		g.schedule(g.start+int64(i)*15_000+g.rnd.Int64N(1000), probe)
	}
}

// scanner tries a leaked, unknown API key against the transfers API: its
// lines carry a raw key and no partner id.
func (g *gen) scanner() {
	rt := routeByTmpl(nginxJSONRoutes, "GET", "/api/v1/bookings/{tagName}")
	c := client{ip: g.w.scanIPs[0], ua: "python-httpx/0.27.0"}
	at := g.at(0.40)
	for i := 0; i < 6; i++ {
		t := at + int64(i)*90_000
		g.schedule(t, func(at int64) {
			r := g.newRequest(sinkNginxJSON, rt, c, at)
			r.apiKey = g.w.scanKey
			r.status, r.code, r.forced = 401, "invalid_credentials", true
			g.emit(r)
		})
	}
}

func routeByTmpl(routes []route, method, tmpl string) *route {
	for i := range routes {
		if routes[i].method == method && routes[i].tmpl == tmpl {
			return &routes[i]
		}
	}
	panic("loggen: no route " + method + " " + tmpl) // a typo in this file, never input
}

// step is one attempt of a scripted sequence.
type step struct {
	gap    int64 // ms after the previous attempt
	status int   // 0: drawn; otherwise preset (limits may still throttle unless forced)
	code   string
	flags  string
	forced bool
}

type attemptRec struct {
	at         int64
	status     int
	retryAfter int
	idem, id   string
	body       bool // its error body is logged
}

// seqRun is a scripted sequence of attempts and what was emitted for it.
type seqRun struct {
	name  string
	storm bool
	proto *request
	reqs  []attemptRec
}

// script schedules the attempts of a sequence starting at time at.
func (g *gen) script(name string, storm bool, at int64, proto *request, steps []step) {
	run := &seqRun{name: name, storm: storm, proto: proto}
	g.runs = append(g.runs, run)
	t := at
	for _, st := range steps {
		t += st.gap
		g.schedule(t, func(at int64) {
			r := g.retryOf(proto, at)
			r.status, r.code, r.flags, r.forced = st.status, st.code, st.flags, st.forced
			r.wantBody, r.run = true, run
			g.emit(r)
		})
	}
}

func repeat(n int, gap, jit int64, rnd *rand.Rand, s step) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = s
		if i > 0 {
			out[i].gap = gap + rnd.Int64N(2*jit+1) - jit
		}
	}
	return out
}

// scenarios scripts the retry storms and the well-behaved retries the
// retry-storm report is measured against.
func (g *gen) scenarios() {
	w, rnd := g.w, g.rnd
	proto := func(sink sinkID, routes []route, method, tmpl, path string, c client) *request {
		r := g.newRequest(sink, routeByTmpl(routes, method, tmpl), c, g.start)
		r.path = path
		return r
	}

	// Envoy: a sync job hammers a persona through 503s without any backoff.
	c := client{ip: "198.51.100.77", ua: "persona-sync/0.9 python-httpx/0.27.0"}
	p := proto(sinkEnvoy, envoyRoutes, "GET", "/v1/personas/{id}", "/v1/personas/"+newUUID(rnd), c)
	steps := repeat(12, 100, 20, rnd, step{status: 503, flags: "UF", forced: true})
	steps = append(steps, repeat(10, 100, 20, rnd, step{gap: 100, status: 503, flags: "URX", forced: true})...)
	steps = append(steps, repeat(2, 100, 20, rnd, step{gap: 100, status: 504, flags: "UT", forced: true})...)
	steps = append(steps, step{gap: 120, status: 200, forced: true})
	g.script("envoy-503-hammer", true, g.at(0.60), p, steps)

	// globex ignores Retry-After: 42 on 429s, retrying every half second.
	c = client{partner: w.globex, ip: w.globex.ips[0], ua: w.globex.uas[0]}
	p = proto(sinkGateway, jsonlRoutes, "GET", "/v1/classes", "/v1/classes?category=yoga&page=1", c)
	g.script("globex-ignores-retry-after", true, g.at(0.70), p,
		repeat(20, 500, 50, rnd, step{status: 429, code: "RATE_LIMITED", forced: true}))

	// initech replays a booking POST on 504s without an idempotency key.
	c = client{partner: w.initech, ip: w.initech.ips[1], ua: w.initech.uas[0]}
	p = proto(sinkGateway, jsonlRoutes, "POST", "/v1/sessions/{sessionId}/bookings", "/v1/sessions/4242/bookings", c)
	p.idem = ""
	steps = repeat(14, 250, 30, rnd, step{status: 504, code: "UPSTREAM_TIMEOUT", forced: true})
	steps = append(steps, step{gap: 260, status: 201, forced: true})
	g.script("initech-post-without-idempotency-key", true, g.at(0.75), p, steps)

	// umbrella retries a 422 (pickup in the past) every second: it cannot succeed.
	c = client{partner: w.umbrella, ip: w.umbrella.ips[2], ua: w.umbrella.uas[0]}
	p = proto(sinkNginxJSON, nginxJSONRoutes, "POST", "/api/v1/bookings", "/api/v1/bookings", c)
	p.idem = newUUID(rnd)
	steps = repeat(9, 1000, 100, rnd, step{status: 422, code: "pickup_in_past", forced: true})
	steps = append(steps, step{gap: 1000, status: 400, code: "validation_error", forced: true})
	g.script("umbrella-retries-422", true, g.at(0.80), p, steps)

	// The persona app retries a reply every second through 429s whose body
	// says retryAfter (Envoy logs no idempotency key for the POST).
	c = client{ip: "203.0.113.250", ua: w.appUAs[0]}
	p = proto(sinkEnvoy, envoyRoutes, "POST", "/v1/personas/{id}/replies", "/v1/personas/"+newUUID(rnd)+"/replies", c)
	steps = repeat(11, 1000, 100, rnd, step{status: 429, code: "rate_limited", forced: true})
	steps = append(steps, step{gap: 1000, status: 200, forced: true})
	g.script("persona-app-ignores-retry-after", true, g.at(0.85), p, steps)

	// umbrella polls a contact endpoint from one IP past the WAF's 20 per 5
	// minutes and keeps going through the 403s.
	c = client{partner: w.umbrella, ip: "192.0.2.150", ua: w.umbrella.uas[1]}
	p = proto(sinkAPIGW, apigwRoutes, "GET", "/v1/users/me/contact/{kind}", "/v1/users/me/contact/email", c)
	g.script("umbrella-waf-contact", true, g.at(0.58), p, repeat(32, 3750, 200, rnd, step{status: 200}))

	// initech loops on the token endpoint with a wrong secret; AuthPolicy
	// (10 a minute) starts answering 429.
	c = client{partner: w.initech, ip: w.initech.ips[3], ua: w.initech.uas[1]}
	p = proto(sinkNginxJSON, nginxJSONRoutes, "POST", "/api/v1/auth/token", "/api/v1/auth/token", c)
	g.script("initech-auth-token-loop", true, g.at(0.65), p, repeat(14, 2000, 150, rnd, step{status: 401, code: "invalid_credentials"}))

	// Well-behaved: umbrella backs off 1 s, 2 s, 4 s, 8 s with the same key.
	c = client{partner: w.umbrella, ip: w.umbrella.ips[4], ua: w.umbrella.uas[0]}
	p = proto(sinkGateway, jsonlRoutes, "POST", "/v1/sessions/{sessionId}/bookings", "/v1/sessions/7731/bookings", c)
	p.idem = newUUID(rnd)
	steps = []step{{status: 504, code: "UPSTREAM_TIMEOUT", forced: true}}
	for i := 0; i < 4; i++ {
		st := step{gap: int64(1000<<i) + rnd.Int64N(100), status: 504, code: "UPSTREAM_TIMEOUT", forced: true}
		if i == 3 {
			st.status, st.code = 201, ""
		}
		steps = append(steps, st)
	}
	g.script("umbrella-backs-off", false, g.at(0.65), p, steps)

	// Well-behaved: acme backs off on 500s.
	c = client{partner: w.acme, ip: w.acme.ips[0], ua: w.acme.uas[0]}
	p = proto(sinkNginxJSON, nginxJSONRoutes, "GET", "/api/v1/bookings/{tagName}", "/api/v1/bookings/"+tagName(rnd), c)
	g.script("acme-backs-off", false, g.at(0.90), p, []step{
		{status: 500, forced: true}, {gap: 1000 + rnd.Int64N(100), status: 500, forced: true},
		{gap: 2000 + rnd.Int64N(100), status: 500, forced: true}, {gap: 4000 + rnd.Int64N(100), status: 200, forced: true}})

	// Well-behaved: globex waits out Retry-After once.
	c = client{partner: w.globex, ip: w.globex.ips[5], ua: w.globex.uas[1]}
	p = proto(sinkGateway, jsonlRoutes, "GET", "/v1/classes", "/v1/classes?category=spin&page=2", c)
	g.script("globex-honours-retry-after", false, g.at(0.50), p, []step{
		{status: 429, code: "RATE_LIMITED", forced: true}, {gap: 42_500, status: 200, forced: true}})
}

// result turns an emitted run into its manifest entry: the logical request
// starts at the first failed attempt and goes on while each attempt follows
// a failure within 60 s.
func (run *seqRun) result(g *gen) Sequence {
	p := run.proto
	s := Sequence{Name: run.name, File: sinkFiles[p.sink].name, Partner: p.partnerField, ClientIP: p.ip,
		Method: p.method, Path: p.path, IdempotencyKey: p.idem, Statuses: []int{}, RequestIDs: []string{}, Violations: []string{}}
	if p.partner != nil {
		s.PartnerName = p.partner.name
	}
	if p.sink == sinkAPIGW || p.sink == sinkGateway {
		s.Route = p.rt.tmpl
	}
	recs := run.reqs
	k := 0
	for k < len(recs) && recs[k].status < 400 {
		k++
	}
	if k == len(recs) {
		return s
	}
	chain := recs[k : k+1]
	for i := k + 1; i < len(recs); i++ {
		prev := recs[i-1]
		if prev.status < 400 || recs[i].at-prev.at > 60_000 {
			break
		}
		chain = recs[k : i+1]
	}
	// The violations are the product's own (retry.Violations): one rulebook
	// for the generator's ground truth and the report.
	var gaps []int64
	attempts := make([]retry.Attempt, len(chain))
	for i, a := range chain {
		s.Statuses = append(s.Statuses, a.status)
		s.RequestIDs = append(s.RequestIDs, a.id)
		attempts[i] = retry.Attempt{TimeMs: a.at, RequestID: a.id, Status: uint16(a.status), RetryAfter: int32(max(a.retryAfter, 0))}
		if i > 0 {
			gaps = append(gaps, a.at-chain[i-1].at)
		}
	}
	key := retry.Key{Method: p.method, IdempotencyKey: chain[0].idem}
	for _, v := range retry.Violations(&key, attempts) {
		s.Violations = append(s.Violations, string(v))
	}
	s.Start = time.UnixMilli(chain[0].at).UTC()
	s.End = time.UnixMilli(chain[len(chain)-1].at).UTC()
	s.Attempts = len(chain)
	s.Retries = len(chain) - 1
	if len(gaps) > 0 {
		sorted := append([]int64(nil), gaps...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
		m := len(sorted) / 2
		if len(sorted)%2 == 1 {
			s.MedianGapMs = sorted[m]
		} else {
			s.MedianGapMs = (sorted[m-1] + sorted[m]) / 2
		}
	}
	return s
}
