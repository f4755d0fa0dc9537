package ratelimit

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ratescope/ratescope/internal/readlimit"
	"github.com/ratescope/ratescope/internal/yamlnode"
)

// Kind is what a limit counts.
type Kind string

// The kinds of limit.
const (
	// KindTokenBucket is a bucket of Burst tokens refilled at Rate per
	// second; each request takes one (API Gateway usage-plan throttling).
	KindTokenBucket Kind = "token_bucket"
	// KindWindow is at most Count requests in any window of Per.
	KindWindow Kind = "window"
	// KindQuota is at most Quota requests per calendar month (UTC).
	KindQuota Kind = "quota"
	// KindIPWindow is a window limit counted per client IP (ip_limits).
	KindIPWindow Kind = "ip_window"
)

// Default warn level: a utilization at or above it is "near".
const DefaultWarn = 0.8

// MaxPer is the longest window a window limit may have; monthly limits are
// quotas.
const MaxPer = 31 * 24 * time.Hour

// Match selects the requests a limit counts. The zero Match selects every
// request.
type Match struct {
	// Method, upper-case, when not empty: the request's method must be it.
	Method string
	// Path, when not empty: the request's path without its query string
	// must equal it.
	Path string
	// PathPrefix, when not empty: the request's path must start with it.
	PathPrefix string
}

// IsZero reports whether m selects every request.
func (m Match) IsZero() bool { return m == Match{} }

// Limit is one limit of a plan, or a per-IP limit.
type Limit struct {
	Name string
	Kind Kind
	// Token bucket: tokens per second and bucket size. Rate 0 (with Burst
	// 0) allows no request at all.
	Rate  float64
	Burst int64
	// Window: at most Count requests in any window of Per (whole seconds).
	Count int64
	Per   time.Duration
	// Quota: at most Quota requests per calendar month.
	Quota int64
	// Match selects the requests the limit counts (never set on quotas).
	Match Match
	// Line is the limit's line in the plans file.
	Line int
}

// Blocks reports whether the limit allows no request at all (a token
// bucket of rate 0, as API Gateway's "0 RPS" method throttling).
func (l *Limit) Blocks() bool { return l.Kind == KindTokenBucket && l.Rate == 0 }

// Plan is a named list of limits.
type Plan struct {
	Name   string
	Limits []Limit
	Line   int
}

// Partner maps the partner ids that appear in the logs (its key ids, and
// its name itself) to a partner name and its plan.
type Partner struct {
	Name string
	Keys []string
	Plan string
	Line int
}

// Plans is a parsed, validated plans file.
type Plans struct {
	// File is the file's name as given, for messages.
	File string
	// Warn is the warn level (DefaultWarn when the file does not set it).
	Warn float64
	// Plans in file order.
	Plans []Plan
	// Partners in file order.
	Partners []Partner
	// IPLimits are counted per client IP, in file order; each is of kind
	// KindIPWindow.
	IPLimits []Limit
}

// Plan returns the plan with the given name, or nil.
func (p *Plans) Plan(name string) *Plan {
	for i := range p.Plans {
		if p.Plans[i].Name == name {
			return &p.Plans[i]
		}
	}
	return nil
}

// MaxPlansBytes bounds a plans file: LoadPlans refuses a longer one
// (thousands of partners fit in far less).
const MaxPlansBytes = 8 << 20

// LoadPlans reads and validates the plans file at path. Every error names
// the file, and the line where the file says something wrong.
func LoadPlans(path string) (*Plans, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("plans file %s does not exist", path)
		}
		return nil, fmt.Errorf("plans file: %w", err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("plans file %s is a directory", path)
	}
	data, err := readlimit.File(path, "plans file", MaxPlansBytes)
	if errors.Is(err, readlimit.ErrTooLarge) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("plans file: %w", err)
	}
	return ParsePlans(path, data)
}

// ParsePlans parses and validates a plans file's content; name is the file
// name used in messages ("FILE:LINE: …").
func ParsePlans(name string, data []byte) (*Plans, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// "yaml: line 4: …" → "FILE:4: …", as every other message.
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if rest, ok := strings.CutPrefix(msg, "line "); ok {
			if n, after, ok := strings.Cut(rest, ": "); ok && strings.Trim(n, "0123456789") == "" {
				return nil, fmt.Errorf("%s:%s: %s", name, n, after)
			}
		}
		return nil, fmt.Errorf("%s: %s", name, msg)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty plans file: want warn, plans, partners and ip_limits", name)
	}
	return ParsePlansNode(name, doc.Content[0])
}

// ParsePlansNode validates a plans document already parsed into YAML nodes
// (the rate-limit part of ratescope.yaml, internal/config); messages name
// name and the nodes' lines.
func ParsePlansNode(name string, root *yaml.Node) (*Plans, error) {
	p := &parser{file: name}
	return p.file1(root)
}

// parser walks a plans file's YAML nodes, so every message can name the
// line it is about.
type parser struct {
	file string
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) error {
	return yamlnode.Errorf(p.file, n, format, args...)
}

// fields returns a mapping node's values by key, rejecting keys not in
// known.
func (p *parser) fields(n *yaml.Node, what string, known ...string) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errorf(n, "%s: want a mapping of %s, got %s", what, strings.Join(known, ", "), yamlnode.Describe(n))
	}
	m := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(known, k.Value) {
			return nil, p.errorf(k, "%s: unknown key %q (want %s)", what, k.Value, strings.Join(known, ", "))
		}
		if _, dup := m[k.Value]; dup {
			return nil, p.errorf(k, "%s: key %q given twice", what, k.Value)
		}
		m[k.Value] = v
	}
	return m, nil
}

func (p *parser) file1(root *yaml.Node) (*Plans, error) {
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, fmt.Errorf("%s: empty plans file: want warn, plans, partners and ip_limits", p.file)
	}
	top, err := p.fields(root, "plans file", "warn", "plans", "partners", "ip_limits")
	if err != nil {
		return nil, err
	}
	out := &Plans{File: p.file, Warn: DefaultWarn}
	if n := top["warn"]; n != nil {
		w, err := p.number(n, "warn")
		if err != nil {
			return nil, err
		}
		if !(w > 0 && w <= 1) {
			return nil, p.errorf(n, "warn: %v is not a level between 0 (excluded) and 1", w)
		}
		out.Warn = w
	}
	if n := top["plans"]; n != nil && !yamlnode.IsNull(n) {
		if n.Kind != yaml.MappingNode {
			return nil, p.errorf(n, "plans: want a mapping of plan names to lists of limits, got %s", yamlnode.Describe(n))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			plan, err := p.plan(n.Content[i], n.Content[i+1])
			if err != nil {
				return nil, err
			}
			if out.Plan(plan.Name) != nil {
				return nil, p.errorf(n.Content[i], "plans: plan %q is defined twice", plan.Name)
			}
			out.Plans = append(out.Plans, plan)
		}
	}
	if n := top["partners"]; n != nil && !yamlnode.IsNull(n) {
		if n.Kind != yaml.SequenceNode {
			return nil, p.errorf(n, "partners: want a list of {name, keys, plan}, got %s", yamlnode.Describe(n))
		}
		owner := map[string]string{} // logged id → partner name
		for _, e := range n.Content {
			pa, err := p.partner(e, out)
			if err != nil {
				return nil, err
			}
			if slices.ContainsFunc(out.Partners, func(o Partner) bool { return o.Name == pa.Name }) {
				return nil, p.errorf(e, "partners: partner %q is listed twice", pa.Name)
			}
			for _, id := range append([]string{pa.Name}, pa.Keys...) {
				if o, ok := owner[id]; ok && o != pa.Name {
					return nil, p.errorf(e, "partner %q: id %q already belongs to partner %q", pa.Name, id, o)
				}
				owner[id] = pa.Name
			}
			out.Partners = append(out.Partners, pa)
		}
	}
	if n := top["ip_limits"]; n != nil && !yamlnode.IsNull(n) {
		if n.Kind != yaml.SequenceNode {
			return nil, p.errorf(n, "ip_limits: want a list of limits, got %s", yamlnode.Describe(n))
		}
		for _, e := range n.Content {
			l, err := p.limit(e, "ip_limits")
			if err != nil {
				return nil, err
			}
			if l.Kind != KindWindow {
				return nil, p.errorf(e, "ip_limits: limit %q: a per-IP limit is a count per window: give limit and per", l.Name)
			}
			l.Kind = KindIPWindow
			if len(out.IPLimits) == MaxMatchers {
				return nil, p.errorf(e, "ip_limits: more than %d per-IP limits", MaxMatchers)
			}
			if slices.ContainsFunc(out.IPLimits, func(o Limit) bool { return o.Name == l.Name }) {
				return nil, p.errorf(e, "ip_limits: limit %q is defined twice", l.Name)
			}
			out.IPLimits = append(out.IPLimits, l)
		}
	}
	if len(out.Partners) == 0 && len(out.IPLimits) == 0 {
		return nil, fmt.Errorf("%s: no partners and no ip_limits: nothing to measure", p.file)
	}
	return out, nil
}

func (p *parser) plan(key, val *yaml.Node) (Plan, error) {
	plan := Plan{Name: key.Value, Line: key.Line}
	if plan.Name == "" {
		return plan, p.errorf(key, "plans: a plan needs a name")
	}
	if val.Kind != yaml.SequenceNode || len(val.Content) == 0 {
		got := yamlnode.Describe(val)
		if val.Kind == yaml.SequenceNode {
			got = "an empty list"
		}
		return plan, p.errorf(val, "plan %q: want a list of limits, got %s", plan.Name, got)
	}
	what := fmt.Sprintf("plan %q", plan.Name)
	for _, e := range val.Content {
		l, err := p.limit(e, what)
		if err != nil {
			return plan, err
		}
		if slices.ContainsFunc(plan.Limits, func(o Limit) bool { return o.Name == l.Name }) {
			return plan, p.errorf(e, "%s: limit %q is defined twice", what, l.Name)
		}
		plan.Limits = append(plan.Limits, l)
	}
	return plan, nil
}

func (p *parser) limit(n *yaml.Node, what string) (Limit, error) {
	f, err := p.fields(n, what+": limit", "name", "rate", "burst", "limit", "per", "quota", "match")
	if err != nil {
		return Limit{}, err
	}
	l := Limit{Line: n.Line}
	nameNode := f["name"]
	if nameNode == nil {
		return l, p.errorf(n, "%s: a limit needs a name", what)
	}
	if l.Name, err = p.text(nameNode, what+": name"); err != nil {
		return l, err
	}
	if l.Name == "" {
		return l, p.errorf(nameNode, "%s: a limit needs a name", what)
	}
	what = fmt.Sprintf("%s: limit %q", what, l.Name)
	var kinds []string
	for _, k := range []string{"rate", "limit", "quota"} {
		if f[k] != nil {
			kinds = append(kinds, k)
		}
	}
	switch len(kinds) {
	case 0:
		return l, p.errorf(n, "%s has no kind: give rate (and burst), limit and per, or quota", what)
	case 1:
	default:
		return l, p.errorf(n, "%s has both %s and %s: a limit is one of rate+burst, limit+per or quota", what, kinds[0], kinds[1])
	}
	switch kinds[0] {
	case "rate":
		l.Kind = KindTokenBucket
		if f["per"] != nil {
			return l, p.errorf(f["per"], "%s: per goes with limit, not rate (a rate is per second)", what)
		}
		if l.Rate, err = p.number(f["rate"], what+": rate"); err != nil {
			return l, err
		}
		if l.Rate < 0 || math.IsInf(l.Rate, 0) || math.IsNaN(l.Rate) {
			return l, p.errorf(f["rate"], "%s: rate %v: want a number of requests per second >= 0", what, f["rate"].Value)
		}
		b := f["burst"]
		switch {
		case b != nil:
			if l.Burst, err = p.integer(b, what+": burst"); err != nil {
				return l, err
			}
			if l.Rate > 0 && l.Burst <= 0 {
				return l, p.errorf(b, "%s: burst %d: want a bucket size of at least 1", what, l.Burst)
			}
			if l.Rate == 0 && l.Burst != 0 {
				return l, p.errorf(b, "%s: rate 0 allows no request: burst must be 0 or left out", what)
			}
		case l.Rate > 0:
			return l, p.errorf(n, "%s: rate needs a burst (the bucket size)", what)
		}
	case "limit":
		l.Kind = KindWindow
		if f["burst"] != nil {
			return l, p.errorf(f["burst"], "%s: burst goes with rate, not limit", what)
		}
		if l.Count, err = p.integer(f["limit"], what+": limit"); err != nil {
			return l, err
		}
		if l.Count <= 0 {
			return l, p.errorf(f["limit"], "%s: limit %d: want a count of at least 1", what, l.Count)
		}
		per := f["per"]
		if per == nil {
			return l, p.errorf(n, "%s: limit needs per (the window: 1m, 5m, 1h, 1d …)", what)
		}
		if l.Per, err = p.duration(per, what+": per"); err != nil {
			return l, err
		}
	case "quota":
		l.Kind = KindQuota
		for _, k := range []string{"burst", "per", "match"} {
			if f[k] != nil {
				return l, p.errorf(f[k], "%s: a quota counts all of a partner's requests per calendar month: %s does not apply", what, k)
			}
		}
		if l.Quota, err = p.integer(f["quota"], what+": quota"); err != nil {
			return l, err
		}
		if l.Quota <= 0 {
			return l, p.errorf(f["quota"], "%s: quota %d: want a count of at least 1", what, l.Quota)
		}
	}
	if m := f["match"]; m != nil {
		if l.Match, err = p.match(m, what+": match"); err != nil {
			return l, err
		}
	}
	return l, nil
}

func (p *parser) match(n *yaml.Node, what string) (Match, error) {
	f, err := p.fields(n, what, "method", "path", "path_prefix")
	if err != nil {
		return Match{}, err
	}
	var m Match
	if v := f["method"]; v != nil {
		if m.Method, err = p.text(v, what+": method"); err != nil {
			return m, err
		}
		m.Method = strings.ToUpper(m.Method)
		if m.Method == "" || strings.IndexFunc(m.Method, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
			return m, p.errorf(v, "%s: method %q: want an HTTP method such as GET or POST", what, v.Value)
		}
	}
	for _, k := range []string{"path", "path_prefix"} {
		v := f[k]
		if v == nil {
			continue
		}
		s, err := p.text(v, what+": "+k)
		if err != nil {
			return m, err
		}
		if !strings.HasPrefix(s, "/") || strings.ContainsAny(s, "?#") {
			return m, p.errorf(v, "%s: %s %q: want a path starting with / and without a query string", what, k, s)
		}
		if k == "path" {
			// "/v1/mcp/*", as the seed pages write it, is a prefix.
			if prefix, ok := strings.CutSuffix(s, "*"); ok {
				m.PathPrefix = prefix
			} else {
				m.Path = s
			}
		} else {
			m.PathPrefix = s
		}
		if strings.Contains(strings.TrimSuffix(s, "*"), "*") {
			return m, p.errorf(v, "%s: %s %q: '*' may only end a path", what, k, s)
		}
	}
	if f["path"] != nil && f["path_prefix"] != nil {
		return m, p.errorf(n, "%s: give path or path_prefix, not both", what)
	}
	if m.IsZero() {
		return m, p.errorf(n, "%s: empty match: give method, path or path_prefix, or leave match out", what)
	}
	return m, nil
}

func (p *parser) partner(n *yaml.Node, out *Plans) (Partner, error) {
	f, err := p.fields(n, "partners: entry", "name", "keys", "plan")
	if err != nil {
		return Partner{}, err
	}
	pa := Partner{Line: n.Line}
	if f["name"] == nil {
		return pa, p.errorf(n, "partners: an entry needs a name")
	}
	if pa.Name, err = p.text(f["name"], "partners: name"); err != nil {
		return pa, err
	}
	if pa.Name == "" {
		return pa, p.errorf(f["name"], "partners: an entry needs a name")
	}
	what := fmt.Sprintf("partner %q", pa.Name)
	if k := f["keys"]; k != nil && !yamlnode.IsNull(k) {
		if k.Kind != yaml.SequenceNode {
			return pa, p.errorf(k, "%s: keys: want a list of key ids, got %s", what, yamlnode.Describe(k))
		}
		for _, e := range k.Content {
			s, err := p.text(e, what+": keys")
			if err != nil {
				return pa, err
			}
			if s == "" {
				return pa, p.errorf(e, "%s: keys: empty key id", what)
			}
			pa.Keys = append(pa.Keys, s)
		}
	}
	pn := f["plan"]
	if pn == nil {
		return pa, p.errorf(n, "%s: no plan", what)
	}
	if pa.Plan, err = p.text(pn, what+": plan"); err != nil {
		return pa, err
	}
	if out.Plan(pa.Plan) == nil {
		names := make([]string, len(out.Plans))
		for i, pl := range out.Plans {
			names[i] = pl.Name
		}
		return pa, p.errorf(pn, "%s: unknown plan %q (plans: %s)", what, pa.Plan, strings.Join(names, ", "))
	}
	return pa, nil
}

func (p *parser) text(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode || yamlnode.IsNull(n) {
		return "", p.errorf(n, "%s: want a string, got %s", what, yamlnode.Describe(n))
	}
	return n.Value, nil
}

func (p *parser) number(n *yaml.Node, what string) (float64, error) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		if v, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil {
			return v, nil
		}
		var v float64
		if err := n.Decode(&v); err == nil {
			return v, nil
		}
	}
	return 0, p.errorf(n, "%s: want a number, got %s", what, yamlnode.Describe(n))
}

func (p *parser) integer(n *yaml.Node, what string) (int64, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		var v int64
		if err := n.Decode(&v); err == nil {
			return v, nil
		}
	}
	return 0, p.errorf(n, "%s: want a whole number, got %s", what, yamlnode.Describe(n))
}

func (p *parser) duration(n *yaml.Node, what string) (time.Duration, error) {
	s, err := p.text(n, what)
	if err != nil {
		return 0, err
	}
	d, err := ParsePer(s)
	if err != nil {
		return 0, p.errorf(n, "%s: %v", what, err)
	}
	return d, nil
}

// ParsePer parses a window length: a Go duration ("1m", "5m", "1h30m") or
// a number of days ("1d"), a whole number of seconds from 1s to MaxPer.
func ParsePer(s string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok && days != "" && strings.Trim(days, "0123456789") == "" {
		n, err := strconv.Atoi(days)
		if err != nil || n > int(MaxPer/(24*time.Hour)) {
			return 0, fmt.Errorf("bad duration %q: want at most %s", s, formatPer(MaxPer))
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("bad duration %q: want e.g. 1m, 5m, 1h or 1d", s)
		}
	}
	switch {
	case d < time.Second:
		return 0, fmt.Errorf("bad duration %q: want at least 1s", s)
	case d%time.Second != 0:
		return 0, fmt.Errorf("bad duration %q: want whole seconds", s)
	case d > MaxPer:
		return 0, fmt.Errorf("bad duration %q: want at most %s (use a quota for monthly limits)", s, formatPer(MaxPer))
	}
	return d, nil
}

// formatPer renders a window length compactly: 1m, 5m, 1h, 1d, 90s.
func formatPer(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}
