package ratelimit

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chtest"
)

// TestLoadExamplePlans reads the example plans file the README points to.
func TestLoadExamplePlans(t *testing.T) {
	path := filepath.Join(chtest.RepoRoot(t), "examples", "plans.yaml")
	p, err := LoadPlans(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Warn != 0.8 || p.File != path {
		t.Errorf("warn %v, file %q", p.Warn, p.File)
	}
	want := []Plan{
		{Name: "commercial", Line: 12, Limits: []Limit{
			{Name: "sustained", Kind: KindTokenBucket, Rate: 200, Burst: 400, Line: 13},
			{Name: "mcp", Kind: KindTokenBucket, Rate: 0, Match: Match{PathPrefix: "/v1/mcp"}, Line: 16},
			{Name: "monthly", Kind: KindQuota, Quota: 5_000_000, Line: 19},
		}},
		{Name: "partner-api", Line: 21, Limits: []Limit{
			{Name: "AuthPolicy", Kind: KindWindow, Count: 10, Per: time.Minute, Match: Match{Method: "POST", Path: "/api/v1/auth/token"}, Line: 22},
			{Name: "ApiPolicy", Kind: KindWindow, Count: 60, Per: time.Minute, Line: 26},
		}},
	}
	if !reflect.DeepEqual(p.Plans, want) {
		t.Errorf("plans:\n got %+v\nwant %+v", p.Plans, want)
	}
	if len(p.Partners) != 3 || !reflect.DeepEqual(p.Partners[0], Partner{Name: "acme", Keys: []string{"k-acme01", "k-acme02"}, Plan: "commercial", Line: 31}) {
		t.Errorf("partners: %+v", p.Partners)
	}
	if len(p.IPLimits) != 4 || !reflect.DeepEqual(p.IPLimits[0], Limit{Name: "waf-contact", Kind: KindIPWindow, Count: 20, Per: 5 * time.Minute, Match: Match{PathPrefix: "/v1/users/me/contact/"}, Line: 36}) {
		t.Errorf("ip_limits: %+v", p.IPLimits)
	}
	if !p.Plans[0].Limits[1].Blocks() || p.Plans[0].Limits[0].Blocks() {
		t.Error("Blocks: want only the rate-0 limit")
	}
	if p.Plan("partner-api") != &p.Plans[1] || p.Plan("nope") != nil {
		t.Error("Plan by name")
	}
}

func TestParsePlans(t *testing.T) {
	f := func(name, text string, check func(*Plans) bool) {
		t.Helper()
		p, err := ParsePlans("p.yaml", []byte(text))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		if !check(p) {
			t.Errorf("%s: parsed %+v", name, p)
		}
	}
	const partner = "\npartners: [{name: a, plan: x}]\n"
	f("default warn", "plans: {x: [{name: l, limit: 1, per: 1s}]}"+partner, func(p *Plans) bool { return p.Warn == DefaultWarn })
	f("warn 1", "warn: 1\nplans: {x: [{name: l, limit: 1, per: 1s}]}"+partner, func(p *Plans) bool { return p.Warn == 1 })
	f("fractional rate", "plans: {x: [{name: l, rate: 0.5, burst: 1}]}"+partner, func(p *Plans) bool { return p.Plans[0].Limits[0].Rate == 0.5 })
	f("rate 0 with burst 0", "plans: {x: [{name: l, rate: 0, burst: 0}]}"+partner, func(p *Plans) bool { return p.Plans[0].Limits[0].Blocks() })
	f("underscored numbers", "plans: {x: [{name: l, quota: 5_000_000}]}"+partner, func(p *Plans) bool { return p.Plans[0].Limits[0].Quota == 5e6 })
	f("days", "plans: {x: [{name: l, limit: 1000, per: 1d}]}"+partner, func(p *Plans) bool { return p.Plans[0].Limits[0].Per == 24*time.Hour })
	f("per 1h30m", "plans: {x: [{name: l, limit: 1000, per: 1h30m}]}"+partner, func(p *Plans) bool { return p.Plans[0].Limits[0].Per == 90*time.Minute })
	f("method upper-cased", "plans: {x: [{name: l, limit: 1, per: 1m, match: {method: post}}]}"+partner, func(p *Plans) bool { return p.Plans[0].Limits[0].Match.Method == "POST" })
	f("path with a star is a prefix", "plans: {x: [{name: l, limit: 1, per: 1m, match: {path: /v1/mcp/*}}]}"+partner,
		func(p *Plans) bool { return p.Plans[0].Limits[0].Match == Match{PathPrefix: "/v1/mcp/"} })
	f("ip limits only", "ip_limits: [{name: w, limit: 5, per: 5m}]", func(p *Plans) bool { return len(p.IPLimits) == 1 && p.IPLimits[0].Kind == KindIPWindow })
	f("partner without keys", "plans: {x: [{name: l, quota: 1}]}\npartners: [{name: k-1, keys: [], plan: x}]", func(p *Plans) bool { return p.Partners[0].Name == "k-1" })
	f("partner listing its name as a key", "plans: {x: [{name: l, quota: 1}]}\npartners: [{name: k-1, keys: [k-1], plan: x}]", func(p *Plans) bool { return len(p.Partners) == 1 })
}

// TestPlansErrors checks that every mistake names the file and the line,
// and says what is wrong.
func TestPlansErrors(t *testing.T) {
	f := func(text, want string) {
		t.Helper()
		_, err := ParsePlans("bad.yaml", []byte(text))
		if err == nil {
			t.Errorf("%q: no error, want %q", text, want)
			return
		}
		if err.Error() != want {
			t.Errorf("%q:\n got %q\nwant %q", text, err, want)
		}
	}
	const ok = "plans:\n  x:\n    - {name: l, limit: 1, per: 1m}\n"
	f("", "bad.yaml: empty plans file: want warn, plans, partners and ip_limits")
	f("# nothing\n", "bad.yaml: empty plans file: want warn, plans, partners and ip_limits")
	f("~\n", "bad.yaml: empty plans file: want warn, plans, partners and ip_limits")
	f("- a\n", `bad.yaml:1: plans file: want a mapping of warn, plans, partners, ip_limits, got a list`)
	f("plans: {x: [\n", "bad.yaml:1: did not find expected node content")
	f("plan: {}\n", `bad.yaml:1: plans file: unknown key "plan" (want warn, plans, partners, ip_limits)`)
	f(ok, "bad.yaml: no partners and no ip_limits: nothing to measure")
	f(ok+"partners:\n  - {name: a, plan: y}\n", `bad.yaml:5: partner "a": unknown plan "y" (plans: x)`)
	f(ok+"partners:\n  - {name: a}\n", `bad.yaml:5: partner "a": no plan`)
	f(ok+"partners:\n  - {plan: x}\n", `bad.yaml:5: partners: an entry needs a name`)
	f(ok+"partners:\n  - {name: a, plan: x, key: [k]}\n", `bad.yaml:5: partners: entry: unknown key "key" (want name, keys, plan)`)
	f(ok+"partners:\n  - {name: a, plan: x, keys: k}\n", `bad.yaml:5: partner "a": keys: want a list of key ids, got "k"`)
	f(ok+"partners:\n  - {name: a, plan: x, keys: [k]}\n  - {name: b, plan: x, keys: [k]}\n", `bad.yaml:6: partner "b": id "k" already belongs to partner "a"`)
	f(ok+"partners:\n  - {name: a, plan: x}\n  - {name: a, plan: x}\n", `bad.yaml:6: partners: partner "a" is listed twice`)
	f(ok+"partners: {a: x}\n", `bad.yaml:4: partners: want a list of {name, keys, plan}, got a mapping`)
	f("warn: 0\n"+ok, "bad.yaml:1: warn: 0 is not a level between 0 (excluded) and 1")
	f("warn: 1.5\n"+ok, "bad.yaml:1: warn: 1.5 is not a level between 0 (excluded) and 1")
	f("warn: high\n"+ok, `bad.yaml:1: warn: want a number, got "high"`)

	lim := func(l string) string { return "plans:\n  x:\n    - " + l + "\npartners: [{name: a, plan: x}]\n" }
	f(lim("{name: l}"), `bad.yaml:3: plan "x": limit "l" has no kind: give rate (and burst), limit and per, or quota`)
	f(lim("{limit: 1, per: 1m}"), `bad.yaml:3: plan "x": a limit needs a name`)
	f(lim("{name: l, rate: 5, limit: 5, per: 1m}"), `bad.yaml:3: plan "x": limit "l" has both rate and limit: a limit is one of rate+burst, limit+per or quota`)
	f(lim("{name: l, limit: 0, per: 1m}"), `bad.yaml:3: plan "x": limit "l": limit 0: want a count of at least 1`)
	f(lim("{name: l, limit: -5, per: 1m}"), `bad.yaml:3: plan "x": limit "l": limit -5: want a count of at least 1`)
	f(lim("{name: l, limit: 2.5, per: 1m}"), `bad.yaml:3: plan "x": limit "l": limit: want a whole number, got "2.5"`)
	f(lim("{name: l, limit: 5}"), `bad.yaml:3: plan "x": limit "l": limit needs per (the window: 1m, 5m, 1h, 1d …)`)
	f(lim("{name: l, limit: 5, per: 5 minutes}"), `bad.yaml:3: plan "x": limit "l": per: bad duration "5 minutes": want e.g. 1m, 5m, 1h or 1d`)
	f(lim("{name: l, limit: 5, per: 500ms}"), `bad.yaml:3: plan "x": limit "l": per: bad duration "500ms": want at least 1s`)
	f(lim("{name: l, limit: 5, per: 1.5s}"), `bad.yaml:3: plan "x": limit "l": per: bad duration "1.5s": want whole seconds`)
	f(lim("{name: l, limit: 5, per: 40d}"), `bad.yaml:3: plan "x": limit "l": per: bad duration "40d": want at most 31d`)
	f(lim("{name: l, limit: 5, per: 800h}"), `bad.yaml:3: plan "x": limit "l": per: bad duration "800h": want at most 31d (use a quota for monthly limits)`)
	f(lim("{name: l, limit: 5, per: 60}"), `bad.yaml:3: plan "x": limit "l": per: bad duration "60": want e.g. 1m, 5m, 1h or 1d`)
	f(lim("{name: l, limit: 5, per: 1m, burst: 3}"), `bad.yaml:3: plan "x": limit "l": burst goes with rate, not limit`)
	f(lim("{name: l, rate: 5}"), `bad.yaml:3: plan "x": limit "l": rate needs a burst (the bucket size)`)
	f(lim("{name: l, rate: -1, burst: 5}"), `bad.yaml:3: plan "x": limit "l": rate -1: want a number of requests per second >= 0`)
	f(lim("{name: l, rate: 5, burst: 0}"), `bad.yaml:3: plan "x": limit "l": burst 0: want a bucket size of at least 1`)
	f(lim("{name: l, rate: 0, burst: 10}"), `bad.yaml:3: plan "x": limit "l": rate 0 allows no request: burst must be 0 or left out`)
	f(lim("{name: l, rate: 5, burst: 10, per: 1s}"), `bad.yaml:3: plan "x": limit "l": per goes with limit, not rate (a rate is per second)`)
	f(lim("{name: l, rate: fast, burst: 10}"), `bad.yaml:3: plan "x": limit "l": rate: want a number, got "fast"`)
	f(lim("{name: l, quota: 0}"), `bad.yaml:3: plan "x": limit "l": quota 0: want a count of at least 1`)
	f(lim("{name: l, quota: 100, match: {path: /x}}"), `bad.yaml:3: plan "x": limit "l": a quota counts all of a partner's requests per calendar month: match does not apply`)
	f(lim("{name: l, limit: 5, per: 1m, size: 3}"), `bad.yaml:3: plan "x": limit: unknown key "size" (want name, rate, burst, limit, per, quota, match)`)
	f(lim("{name: l, limit: 5, per: 1m, match: {}}"), `bad.yaml:3: plan "x": limit "l": match: empty match: give method, path or path_prefix, or leave match out`)
	f(lim("{name: l, limit: 5, per: 1m, match: {route: /x}}"), `bad.yaml:3: plan "x": limit "l": match: unknown key "route" (want method, path, path_prefix)`)
	f(lim("{name: l, limit: 5, per: 1m, match: {path: x}}"), `bad.yaml:3: plan "x": limit "l": match: path "x": want a path starting with / and without a query string`)
	f(lim("{name: l, limit: 5, per: 1m, match: {path: '/x?a=1'}}"), `bad.yaml:3: plan "x": limit "l": match: path "/x?a=1": want a path starting with / and without a query string`)
	f(lim("{name: l, limit: 5, per: 1m, match: {path: /a/*/b}}"), `bad.yaml:3: plan "x": limit "l": match: path "/a/*/b": '*' may only end a path`)
	f(lim("{name: l, limit: 5, per: 1m, match: {path: /a, path_prefix: /b}}"), `bad.yaml:3: plan "x": limit "l": match: give path or path_prefix, not both`)
	f(lim("{name: l, limit: 5, per: 1m, match: {method: 'GET /'}}"), `bad.yaml:3: plan "x": limit "l": match: method "GET /": want an HTTP method such as GET or POST`)
	f(lim("{name: l, limit: 5, per: 1m, match: /x}"), `bad.yaml:3: plan "x": limit "l": match: want a mapping of method, path, path_prefix, got "/x"`)
	f("plans:\n  x:\n    - {name: l, limit: 5, per: 1m}\n    - {name: l, quota: 5}\npartners: [{name: a, plan: x}]\n",
		`bad.yaml:4: plan "x": limit "l" is defined twice`)
	f("plans:\n  x: []\npartners: [{name: a, plan: x}]\n", `bad.yaml:2: plan "x": want a list of limits, got an empty list`)
	f("plans:\n  x:\npartners: [{name: a, plan: x}]\n", `bad.yaml:2: plan "x": want a list of limits, got nothing`)
	f("plans: [a]\n", "bad.yaml:1: plans: want a mapping of plan names to lists of limits, got a list")
	f("plans:\n  x:\n    - {name: l, limit: 5, per: 1m}\n  x:\n    - {name: l, limit: 5, per: 1m}\n", `bad.yaml:4: plans: plan "x" is defined twice`)
	f(lim("{name: l, limit: 5, limit: 6, per: 1m}"), `bad.yaml:3: plan "x": limit: key "limit" given twice`)

	ip := func(l string) string { return "ip_limits:\n  - " + l + "\n" }
	f(ip("{name: w, rate: 5, burst: 5}"), `bad.yaml:2: ip_limits: limit "w": a per-IP limit is a count per window: give limit and per`)
	f(ip("{name: w, quota: 5}"), `bad.yaml:2: ip_limits: limit "w": a per-IP limit is a count per window: give limit and per`)
	f(ip("{name: w, limit: 5, per: 5m, match: {path_prefix: v1}}"), `bad.yaml:2: ip_limits: limit "w": match: path_prefix "v1": want a path starting with / and without a query string`)
	f("ip_limits:\n  - {name: w, limit: 5, per: 5m}\n  - {name: w, limit: 6, per: 5m}\n", `bad.yaml:3: ip_limits: limit "w" is defined twice`)
	f("ip_limits: {name: w}\n", `bad.yaml:1: ip_limits: want a list of limits, got a mapping`)
	var many strings.Builder
	many.WriteString("ip_limits:\n")
	for i := range MaxMatchers + 1 {
		many.WriteString("  - {name: w" + string(rune('a'+i)) + ", limit: 5, per: 5m}\n")
	}
	f(many.String(), "bad.yaml:18: ip_limits: more than 16 per-IP limits")
}

func TestLoadPlansFiles(t *testing.T) {
	dir := t.TempDir()
	f := func(path, want string) {
		t.Helper()
		_, err := LoadPlans(path)
		if err == nil || err.Error() != want {
			t.Errorf("LoadPlans(%s) = %v, want %q", path, err, want)
		}
	}
	f(dir, "plans file "+dir+" is a directory")
	f(filepath.Join(dir, "nope.yaml"), "plans file "+filepath.Join(dir, "nope.yaml")+" does not exist")
	f("testdata/empty.yaml", "testdata/empty.yaml: empty plans file: want warn, plans, partners and ip_limits")
	f("testdata/comments.yaml", "testdata/comments.yaml: empty plans file: want warn, plans, partners and ip_limits")
	if os.Getuid() != 0 { // root reads anything
		unreadable := filepath.Join(dir, "secret.yaml")
		if err := os.WriteFile(unreadable, []byte("warn: 0.8\n"), 0o200); err != nil {
			t.Fatal(err)
		}
		f(unreadable, "plans file: open "+unreadable+": permission denied")
	}
}

func TestParsePer(t *testing.T) {
	f := func(in string, want time.Duration) {
		t.Helper()
		got, err := ParsePer(in)
		if err != nil || got != want {
			t.Errorf("ParsePer(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	f("1s", time.Second)
	f("1m", time.Minute)
	f("5m", 5*time.Minute)
	f("1h", time.Hour)
	f("1d", 24*time.Hour)
	f("31d", MaxPer)
	f("744h", MaxPer)
	for _, bad := range []string{"", "d", "0s", "-1m", "1.5d", "32d", "99999999999999999999d", "1w", "m", "0d"} {
		if d, err := ParsePer(bad); err == nil {
			t.Errorf("ParsePer(%q) = %v, want an error", bad, d)
		}
	}
	for d, want := range map[time.Duration]string{time.Minute: "1m", 5 * time.Minute: "5m", time.Hour: "1h", 48 * time.Hour: "2d", 90 * time.Second: "90s"} {
		if got := formatPer(d); got != want {
			t.Errorf("formatPer(%v) = %q, want %q", d, got, want)
		}
	}
}
