package loggen

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
)

// apiKey is a partner's API key: the id gateways log (apiKeyId) and the raw
// key, a secret that must never reach storage.
type apiKey struct {
	id     string
	secret string
}

// partner is one API customer.
type partner struct {
	name   string
	plan   string
	keys   []apiKey // keys[1], when present, replaces keys[0] half-way through the sample
	tokens []string // bearer tokens (gateway.jsonl); tokens[1] replaces tokens[0] half-way through
	ips    []string
	uas    []string
	oauth  bool // logged by client_id rather than partner in gateway.jsonl
	// goodShare is the share of the partner's client IPs that back off
	// properly (1 s, 2 s, 4 s, 8 s) on retryable failures; the rest never retry.
	goodShare float64
}

// key returns the API key in use at fraction f of the sample.
func (p *partner) key(f float64) apiKey {
	if len(p.keys) > 1 && f >= 0.5 {
		return p.keys[1]
	}
	return p.keys[0]
}

// token returns the bearer token in use at fraction f of the sample.
func (p *partner) token(f float64) string {
	if len(p.tokens) == 0 {
		return ""
	}
	if len(p.tokens) > 1 && f >= 0.5 {
		return p.tokens[1]
	}
	return p.tokens[0]
}

// world is the fictional API's customers and clients. It is built from the
// seed alone, so secrets do not change when Requests or Span do.
type world struct {
	acme, globex, initech, umbrella, hooli *partner
	partners                               []*partner // in manifest order

	anonIPs   []string // mobile and web users (CGNAT and IPv6 ranges)
	appUAs    []string // persona app, web browsers
	webUAs    []string
	scanUAs   []string
	scanKey   string // a raw key that maps to no partner (a scanner trying a leaked key)
	lbIPs     []string
	scanIPs   []string
	upstreams []string
}

const (
	planCommercial = "commercial"
	planPartnerAPI = "partner-api"
	planTrial      = "trial"
)

func newWorld(seed int64) *world {
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed_0f_3a7e5c09e))
	w := &world{}
	mk := func(name, plan string, keyIDs []string, tokens int, ips []string, uas []string, good float64) *partner {
		p := &partner{name: name, plan: plan, ips: ips, uas: uas, goodShare: good}
		for _, id := range keyIDs {
			p.keys = append(p.keys, apiKey{id: id, secret: rawKey(r)})
		}
		for i := 0; i < tokens; i++ {
			p.tokens = append(p.tokens, bearerToken(r, name, i))
		}
		return p
	}
	w.acme = mk("acme", planPartnerAPI, []string{"k-acme01", "k-acme02"}, 0,
		ipRange("203.0.113.", 40, 4),
		[]string{"acme-booking-sync/2.4.1 (+https://acme.example)"}, 1)
	w.globex = mk("globex", planCommercial, []string{"k-globex01"}, 2,
		ipRange("203.0.113.", 10, 20),
		[]string{"globex-connector/5.2.0 okhttp/4.12.0", "python-requests/2.31.0"}, 0.3)
	w.initech = mk("initech", planCommercial, []string{"k-initech01"}, 2,
		append(ipRange("198.51.100.", 20, 10), "2001:db8:1::17", "2001:db8:1::18"),
		[]string{"initech-tps/1.0 Go-http-client/1.1", "Go-http-client/2.0"}, 0.2)
	w.umbrella = mk("umbrella", planCommercial, []string{"k-umbrella01"}, 2,
		ipRange("192.0.2.", 100, 16),
		[]string{"umbrella-integration/3.1 (Java/17.0.9)", "Apache-HttpClient/4.5.14 (Java/17.0.9)"}, 0.5)
	w.hooli = mk("hooli", planTrial, []string{"k-hooli01"}, 0,
		ipRange("198.51.100.", 200, 6),
		[]string{"hooli-nucleus/0.3.2 node-fetch/3.3.2"}, 0.3)
	w.umbrella.oauth = true
	w.partners = []*partner{w.acme, w.globex, w.hooli, w.initech, w.umbrella}

	for i := 0; i < 400; i++ {
		if i%10 == 9 {
			w.anonIPs = append(w.anonIPs, fmt.Sprintf("2001:db8:%x:%x::%x", 0x100+r.IntN(64), r.IntN(4096), 1+r.IntN(65535)))
			continue
		}
		w.anonIPs = append(w.anonIPs, fmt.Sprintf("100.%d.%d.%d", 64+r.IntN(4), r.IntN(256), 1+r.IntN(254)))
	}
	w.appUAs = []string{
		"persona-app/3.2.1 (iOS 17.5; iPhone15,2)",
		"persona-app/3.2.1 (Android 14; Pixel 8)",
		"persona-app/3.1.9 (Android 13; SM-S911B)",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
	}
	w.webUAs = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
		"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
		`Mozilla/5.0 (compatible; "Quoted" Bot/1.0)`,
	}
	w.scanUAs = []string{
		"Mozilla/5.0 zgrab/0.x",
		"curl/8.5.0",
		"python-httpx/0.27.0",
	}
	w.scanKey = rawKey(r)
	w.lbIPs = []string{"10.0.1.10", "10.0.2.10"}
	w.scanIPs = []string{"192.0.2.66", "192.0.2.67", "198.51.100.250"}
	w.upstreams = []string{"10.0.3.17:8080", "10.0.3.18:8080", "10.0.4.21:8080"}
	return w
}

func ipRange(prefix string, first, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, first+i)
	}
	return out
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// rawKey returns a raw API key such as "rk_live_3fXq…" (40 characters).
func rawKey(r *rand.Rand) string {
	b := []byte("rk_live_")
	for i := 0; i < 32; i++ {
		b = append(b, base62[r.IntN(len(base62))])
	}
	return string(b)
}

// bearerToken returns a JWT-shaped bearer token for a partner.
func bearerToken(r *rand.Rand, sub string, n int) string {
	const header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" // {"alg":"HS256","typ":"JWT"}
	payload := fmt.Sprintf(`{"sub":"%s","iss":"https://auth.example.com","scope":"sessions members","jti":"%s-%d-%08x"}`, sub, sub, n, r.Uint32())
	sig := make([]byte, 32)
	for i := range sig {
		sig[i] = byte(r.Uint32())
	}
	return header + "." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(sig)
}
