package loggen

import (
	"container/heap"
	"context"
	"math"
	"math/rand/v2"
	"time"
)

// task is something to do at a time: emit a request, start a scenario.
type task struct {
	at  int64
	seq uint64
	fn  func(at int64)
}

type taskHeap []task

func (h taskHeap) Len() int { return len(h) }
func (h taskHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h taskHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *taskHeap) Push(x any)   { *h = append(*h, x.(task)) }
func (h *taskHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// gen holds the state of one generation run. Tasks run in time order (ties
// in scheduling order) and draw from one random source, so a Config always
// produces the same bytes.
type gen struct {
	cfg               Config
	start, end, span  int64
	rnd               *rand.Rand
	w                 *world
	sinks             [numSinks]*sink
	acc               *accum
	tasks             taskHeap
	seq               uint64
	buf               []byte
	rotateAt          int64 // apigw lines before go to the gzipped archive
	v2At              int64 // apigw's log format changes here
	overlapFrom       int64 // apigw.log lines in [overlapFrom, overlapTo) are copied to the overlap file
	overlapTo         int64
	waf               map[string]*slidingWindow
	minute            map[string]*fixedWindow
	quota             map[*partner]*fixedMonth
	runs              []*seqRun
	malformedEvery    int
	duplicateEvery    int
	partnerWeightsAPI []weighted
	partnerWeightsOth []weighted
}

type weighted struct {
	p *partner
	w int
}

type fixedMonth struct {
	month, n int64
}

func (g *gen) frac(at int64) float64 { return float64(at-g.start) / float64(g.span) }

func (g *gen) at(f float64) int64 { return g.start + int64(f*float64(g.span)) }

// schedule runs fn at time at; anything after the sample's end is dropped.
func (g *gen) schedule(at int64, fn func(int64)) {
	if at > g.end {
		return
	}
	g.seq++
	heap.Push(&g.tasks, task{at: at, seq: g.seq, fn: fn})
}

func (g *gen) run(ctx context.Context) error {
	for n := 0; g.tasks.Len() > 0; n++ {
		if n%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		t := heap.Pop(&g.tasks).(task)
		if g.cfg.Pace != nil {
			if err := g.cfg.Pace(ctx, time.UnixMilli(t.at).UTC()); err != nil {
				return err
			}
		}
		t.fn(t.at)
		if g.cfg.Pace != nil {
			for _, s := range g.sinks {
				s.flush()
			}
		}
	}
	return nil
}

func (g *gen) jitter(ms int64) int64 {
	if ms <= 0 {
		return 0
	}
	return g.rnd.Int64N(2*ms+1) - ms
}

func pickPartner(ws []weighted, r *rand.Rand) *partner {
	total := 0
	for _, x := range ws {
		total += x.w
	}
	n := r.IntN(total)
	for _, x := range ws {
		if n < x.w {
			return x.p
		}
		n -= x.w
	}
	return ws[len(ws)-1].p
}

// client is who sends a request: a partner's server or an anonymous user.
type client struct {
	partner *partner
	ip, ua  string
	good    bool // backs off 1 s, 2 s, 4 s, 8 s on retryable failures
}

func (g *gen) partnerClient(p *partner) client {
	ip := p.ips[g.rnd.IntN(len(p.ips))]
	return client{partner: p, ip: ip, ua: p.uas[g.rnd.IntN(len(p.uas))], good: float64(fnv64([]byte(ip))%100) < p.goodShare*100}
}

func (g *gen) anonClient(uas []string) client {
	ip := g.w.anonIPs[g.rnd.IntN(len(g.w.anonIPs))]
	return client{ip: ip, ua: uas[g.rnd.IntN(len(uas))], good: fnv64([]byte(ip))%2 == 0}
}

// newRequest makes a request of rt from c at time at for the file sink,
// with a fresh request id in that format's style.
func (g *gen) newRequest(sink sinkID, rt *route, c client, at int64) *request {
	r := &request{at: at, sink: sink, rt: rt, method: rt.method, path: rt.path(g.rnd), partner: c.partner,
		ip: c.ip, ua: c.ua, retryAfter: -1, rlLimit: -1, rlRemaining: -1, rlReset: -1}
	f := g.frac(at)
	switch sink {
	case sinkAPIGW:
		r.id = newUUID(g.rnd)
		if c.partner != nil {
			r.partnerField = c.partner.key(f).id
		}
	case sinkNginxJSON:
		r.id = newHex32(g.rnd)
		if c.partner != nil {
			k := c.partner.key(f)
			r.partnerField, r.apiKey = k.id, k.secret
		}
	case sinkEnvoy:
		r.id = newUUID(g.rnd)
	case sinkGateway:
		r.id = newReqID(g.rnd, at)
		if c.partner != nil {
			r.partnerField = c.partner.name
			if g.rnd.IntN(10) < 3 {
				r.auth = c.partner.token(f)
			}
		}
	}
	if rt.idem && sink != sinkAPIGW && g.rnd.IntN(10) < 9 {
		r.idem = newUUID(g.rnd)
	}
	return r
}

// retryOf returns the next attempt of r at time at: same client, method,
// path and idempotency key, a new request id, the outcome drawn afresh.
func (g *gen) retryOf(r *request, at int64) *request {
	n := *r
	n.at = at
	n.status, n.code, n.forced = 0, "", false
	n.body, n.place = nil, placeNone
	n.errType, n.flags, n.upstream = "", "", ""
	n.retryAfter, n.rlLimit, n.rlRemaining, n.rlReset = -1, -1, -1, -1
	switch r.sink {
	case sinkAPIGW, sinkEnvoy:
		n.id = newUUID(g.rnd)
	case sinkNginxJSON:
		n.id = newHex32(g.rnd)
	case sinkGateway:
		n.id = newReqID(g.rnd, at)
	}
	return &n
}

func retryable(status int) bool {
	switch status {
	case 429, 500, 502, 503, 504:
		return true
	}
	return false
}

// attempt emits r and, for a client that backs off, schedules its retry
// after 1 s, 2 s, 4 s, 8 s (or the Retry-After it was given, if longer).
// Only reads and writes with an idempotency key are retried.
func (g *gen) attempt(r *request, c client, n int) {
	g.emit(r)
	if !c.good || n >= 4 || !retryable(r.status) || r.sink == sinkNginx || r.errType == "QUOTA_EXCEEDED" {
		return // a monthly quota does not come back within seconds
	}
	if r.method != "GET" && r.idem == "" {
		return
	}
	wait := int64(1000<<n) + g.rnd.Int64N(250)
	if ra := r.loggedRetryAfter(); ra >= 0 && wait < int64(ra)*1000 {
		wait = int64(ra)*1000 + 200 + g.rnd.Int64N(800)
	}
	next := g.retryOf(r, r.at+wait)
	g.schedule(next.at, func(int64) { g.attempt(next, c, n+1) })
}

// headerLimit is the per-minute limit the gateways announce in
// X-RateLimit-Limit for a partner: its plan's per-minute policy, or its
// token bucket's rate over a minute.
func headerLimit(p *partner) int64 {
	for _, l := range planByName(p.plan).limits {
		switch {
		case l.limit > 0 && l.per == time.Minute && l.method == "":
			return l.limit
		case l.rate > 0:
			return int64(l.rate * 60)
		}
	}
	return 600
}

// count counts a request at time at in key's fixed one-minute window and
// returns the count so far and the window's end.
func (g *gen) count(key string, at int64) (n, end int64) {
	fw := g.minute[key]
	if fw == nil {
		fw = &fixedWindow{}
		g.minute[key] = fw
	}
	return fw.add(at, 60_000)
}

// decide applies the gateways' limits to r and draws its outcome.
func (g *gen) decide(r *request) {
	throttle := func(status int, errType, code string) {
		if !r.forced {
			r.status, r.errType, r.code = status, errType, code
		}
	}
	switch r.sink {
	case sinkAPIGW:
		for i := range ipLimitDefs {
			d := &ipLimitDefs[i]
			if !d.matches(r.method, r.path) {
				continue
			}
			w := g.waf[r.ip+"|"+d.name]
			if w == nil {
				w = &slidingWindow{per: d.per.Milliseconds()}
				g.waf[r.ip+"|"+d.name] = w
			}
			if w.add(r.at) > d.limit {
				throttle(403, "WAF_FILTERED", "")
			}
		}
		if r.errType == "" && r.rt.tmpl == "/v1/mcp" && r.partnerField != "" {
			// MCP is throttled to 0 RPS for keyed clients (seed 000).
			throttle(429, "THROTTLED", "")
		}
		if r.errType == "" && r.partner != nil && r.partner.plan == planTrial {
			q := g.quota[r.partner]
			if q == nil {
				q = &fixedMonth{}
				g.quota[r.partner] = q
			}
			if k := monthKey(r.at); k != q.month {
				q.month, q.n = k, 0
			}
			q.n++
			if q.n > trialQuota {
				throttle(429, "QUOTA_EXCEEDED", "")
			}
		}
	case sinkNginxJSON:
		if r.partner == nil {
			break
		}
		// The transfers API's own AuthPolicy applies to everyone; the other
		// routes are limited per minute by the partner's plan.
		limit, policy := headerLimit(r.partner), "ApiPolicy"
		if r.rt.tmpl == "/api/v1/auth/token" {
			limit, policy = 10, "AuthPolicy"
		}
		n, end := g.count(r.partner.name+"|"+policy, r.at)
		r.rlLimit, r.rlRemaining, r.rlReset = limit, max(limit-n, 0), end/1000
		if n > limit {
			code := "rate_limit_exceeded"
			if r.rt.be == beMVMNT {
				code = "RATE_LIMIT_EXCEEDED"
			}
			throttle(429, "", code)
			if !r.forced {
				r.retryAfter = int((end - r.at + 999) / 1000)
			}
		}
	case sinkGateway:
		if r.partner == nil {
			break
		}
		limit := headerLimit(r.partner)
		n, end := g.count(r.partner.name+"|sessions", r.at)
		r.rlLimit, r.rlRemaining, r.rlReset = limit, max(limit-n, 0), (end-r.at+999)/1000
		if n > limit {
			throttle(429, "", "RATE_LIMITED")
		}
	}
	if r.status == 0 {
		o := r.rt.pick(g.rnd)
		r.status, r.code = o.status, o.code
		if r.sink == sinkEnvoy {
			switch x := g.rnd.IntN(1000); {
			case x < 3:
				r.status, r.code, r.flags = 429, "", "RL"
			case x < 7:
				r.status, r.code, r.flags = 503, "", "UF"
			case x < 9:
				r.status, r.code, r.flags = 503, "", "URX"
			case x < 11:
				r.status, r.code, r.flags = 504, "", "UT"
			}
		}
	}
	if r.sink == sinkGateway && r.status == 429 {
		r.rlRemaining = 0
	}
}

// finish fills in what follows from the outcome: the body and where it is
// logged, sizes, latency, Retry-After.
func (g *gen) finish(r *request) {
	if r.status >= 400 && r.errType == "" && r.flags == "" {
		r.body = makeBody(g.rnd, r.rt.be, r.rt, r.status, r.code, r.id)
	}
	if r.body != nil {
		x := g.rnd.IntN(100)
		switch r.sink {
		case sinkAPIGW, sinkEnvoy:
			r.place = placeErrorLog
			if x < 15 {
				r.place = placeNone
			}
		case sinkNginxJSON:
			switch {
			case x < 45:
				r.place = placeEmbedded
			case x < 85:
				r.place = placeBare
			default:
				r.place = placeNone
			}
		case sinkGateway:
			switch {
			case x < 50:
				r.place = placeEmbedded
			case x < 85:
				r.place = placeBare
			default:
				r.place = placeNone
			}
		}
		if r.place == placeBare && !r.body.bare() {
			r.place = placeErrorLog
		}
		if r.wantBody && r.place == placeNone {
			r.place = placeErrorLog
		}
	}
	if r.sink == sinkGateway && r.status == 429 && r.retryAfter < 0 {
		if r.body != nil && r.body.retryAfter >= 0 {
			r.retryAfter = r.body.retryAfter
		} else {
			r.retryAfter = int(max(r.rlReset, 1))
		}
	}
	// Latency: a log-normal around the backend's typical time.
	base := 45.0
	switch r.rt.be {
	case beMoonborn:
		base = 900
	case bePayments:
		base = 250
	case beWebsite:
		base = 8
	case beMovmo:
		base = 120
	}
	lat := base * math.Exp(g.rnd.NormFloat64()*0.6)
	switch {
	case r.errType != "" || r.flags == "RL":
		lat = 1 + g.rnd.Float64()*4
	case r.flags == "UT" || r.code == "UPSTREAM_TIMEOUT" || r.code == "provider_timeout":
		lat = 15000 + g.rnd.Float64()*200
	case r.flags == "UF" || r.flags == "URX":
		lat = 5 + g.rnd.Float64()*40
	}
	r.latencyMs = math.Round(lat*10) / 10
	switch {
	case r.body != nil:
		r.bytesOut = len(appendJSON(g.buf[:0], r.body.v))
	case r.status == 204 || r.status == 304:
		r.bytesOut = 0
	case r.rt.tmpl == "/healthz":
		r.bytesOut = 2 // "ok": health checks log identical lines
	case r.flags == "RL":
		r.bytesOut = 18 // "local_rate_limited"
	case r.flags == "UF" || r.flags == "URX":
		r.bytesOut = 91
	case r.flags == "UT":
		r.bytesOut = 24
	case r.status >= 400:
		r.bytesOut = 20 + g.rnd.IntN(150)
	default:
		r.bytesOut = 200 + g.rnd.IntN(6000)
	}
	if r.method == "POST" || r.method == "PATCH" {
		r.bytesIn = 80 + g.rnd.IntN(900)
	}
	if r.sink == sinkEnvoy && r.flags != "RL" && r.flags != "UF" {
		r.upstream = g.w.upstreams[g.rnd.IntN(len(g.w.upstreams))]
	}
}

// emit decides r's outcome and writes its line (and error body).
func (g *gen) emit(r *request) {
	g.decide(r)
	g.finish(r)
	sid := r.sink
	if sid == sinkAPIGW && r.at < g.rotateAt {
		sid = sinkArchive
	}
	s := g.sinks[sid]
	g.buf = g.format(g.buf[:0], r, sid)
	if sid == sinkAPIGW {
		s.teeOn = r.at >= g.overlapFrom && r.at < g.overlapTo
	}
	g.before(s, r.at)
	s.put(g.buf, lineRecord, "")
	if sid == sinkNginx {
		g.acc.nginxLine(r.at, g.buf)
	}
	g.after(s, g.buf, r.at)
	// The time as the line carries it: whole seconds in CLF-only lines
	// (nginx, API Gateway before requestTimeEpoch), else milliseconds.
	logged := r.at
	if sid == sinkArchive || sid == sinkNginx || (sid == sinkAPIGW && r.at < g.v2At) {
		logged = r.at - ((r.at%1000)+1000)%1000
	}
	g.acc.record(r, s.file.Name, logged)
	if r.body != nil && (r.place == placeErrorLog || r.place == placeBare) {
		g.writeBody(r)
	}
	if r.run != nil {
		r.run.reqs = append(r.run.reqs, attemptRec{at: r.at, status: r.status, retryAfter: r.loggedRetryAfter(), idem: r.idem, id: r.id,
			body: r.body != nil && r.place != placeNone})
	}
}

func (g *gen) format(dst []byte, r *request, sid sinkID) []byte {
	switch sid {
	case sinkArchive:
		return appendAPIGW(dst, r, false)
	case sinkAPIGW:
		return appendAPIGW(dst, r, r.at >= g.v2At)
	case sinkNginx:
		return appendNginx(dst, r)
	case sinkNginxJSON:
		return appendNginxJSON(dst, r)
	case sinkEnvoy:
		return appendEnvoy(dst, r)
	default:
		return appendGateway(dst, r)
	}
}

// writeBody logs r's error body in app-errors.jsonl, a little after the
// access line (services log when they answer; the gateway a moment later
// or earlier — order is not guaranteed, and ingest must not rely on it).
func (g *gen) writeBody(r *request) {
	at := min(r.at+g.rnd.Int64N(1500), g.end)
	s := g.sinks[sinkAppErrors]
	if r.place == placeBare {
		g.buf = appendJSON(g.buf[:0], r.body.v)
	} else {
		g.buf = appendErrorLog(g.buf[:0], r, at)
	}
	g.before(s, at)
	s.put(g.buf, lineRecord, "")
	g.after(s, g.buf, at)
}

// before writes the malformed lines due in s before a record at time at.
func (g *gen) before(s *sink, at int64) {
	for len(s.inject) > 0 && s.inject[0].at <= at {
		g.writeMalformed(s, s.inject[0].kind, at)
		s.inject = s.inject[1:]
	}
	if g.rnd.IntN(g.malformedEvery) == 0 {
		kinds := malformedKinds[s.id]
		if len(kinds) > 0 {
			g.writeMalformed(s, kinds[g.rnd.IntN(len(kinds))], at)
		}
	}
}

// after repeats an earlier line when one is pending, or picks this one to
// be repeated a few records later.
func (g *gen) after(s *sink, line []byte, at int64) {
	if s.id == sinkNginx {
		return // lines without request ids: a repeat would be another request
	}
	if s.pending != nil {
		s.countdown--
		if s.countdown <= 0 {
			s.repeat()
		}
		return
	}
	planned := len(s.dupAt) > 0 && s.dupAt[0] <= at
	if planned || g.rnd.IntN(g.duplicateEvery) == 0 {
		if planned {
			s.dupAt = s.dupAt[1:]
		}
		s.hold(line, 1+g.rnd.IntN(3))
	}
}
