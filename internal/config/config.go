// Package config reads ratescope.yaml, the one configuration file: the
// partners (a name and every identifier that names it), the rate-limit
// plans and per-IP limits, route templates, and the field mapping of a
// custom JSON access log. A plans file (report rate-limits --plans) is a
// valid subset of it.
//
// Every validation error names the file and the line: "FILE:LINE: …".
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/ratelimit"
	"github.com/ratescope/ratescope/internal/readlimit"
	"github.com/ratescope/ratescope/internal/route"
	"github.com/ratescope/ratescope/internal/yamlnode"
)

// Config is a parsed, validated ratescope.yaml.
type Config struct {
	// File is the file's name as given, for messages.
	File string
	// Partners in file order.
	Partners []Partner
	// Plans holds the rate-limit part (warn, plans, the partners that have
	// a plan, ip_limits); nil when the file defines no limits.
	Plans *ratelimit.Plans
	// RouteTemplates as written, and compiled.
	RouteTemplates []string
	Routes         *route.Templates
	// Fields is the custom JSON field mapping as written, and compiled
	// (nil when there is none).
	Fields  map[string]accesslog.FieldSpec
	Mapping *accesslog.Mapping
	// QuotaStart, when set, is when monthly-quota counting started (the
	// data before it is not the partner's usage); zero: the data's own
	// first request decides.
	QuotaStart time.Time
	// Cluster, when set, names the ClickHouse cluster (a <remote_servers>
	// entry) `ingest migrate` creates the schema on: docs/cluster.md.
	Cluster string
}

// Partner is a partner and every identifier its requests are logged under:
// API key ids, OAuth client ids, gateway consumer names, and the kh-… caller
// ids the secret scrubber derives from raw keys.
type Partner struct {
	Name string
	IDs  []string // every identifier but the name, in file order
	Plan string   // "" when the partner has no rate-limit plan
	Line int
}

// Names maps every identifier (and each name itself) to its partner's name.
func (c *Config) Names() map[string]string {
	m := map[string]string{}
	if c == nil {
		return m
	}
	for _, p := range c.Partners {
		m[p.Name] = p.Name
		for _, id := range p.IDs {
			m[id] = p.Name
		}
	}
	return m
}

// Load reads and validates the configuration file at path.
func Load(path string) (*Config, error) { return LoadAs(path, "configuration file") }

// LoadAs is Load with what the file is called in messages ("plans file"
// for report rate-limits --plans).
func LoadAs(path, what string) (*Config, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s %s does not exist", what, path)
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s %s is a directory", what, path)
	}
	// Capped as a plans file is: a configuration is small.
	data, err := readlimit.File(path, what, ratelimit.MaxPlansBytes)
	if errors.Is(err, readlimit.ErrTooLarge) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return Parse(path, data)
}

// clusterRE is what a cluster name may be: a plain identifier.
var clusterRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// topKeys are the sections of the file.
var topKeys = []string{"warn", "plans", "partners", "ip_limits", "routes", "fields", "quota_start", "cluster"}

// partnerKeys are the keys of a partners entry; the id lists all name
// identifiers of the partner.
var partnerKeys = []string{"name", "keys", "client_ids", "consumers", "hashes", "ids", "plan"}

// Parse parses and validates a configuration file's content; name is the
// file name used in messages.
func Parse(name string, data []byte) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if rest, ok := strings.CutPrefix(msg, "line "); ok {
			if n, after, ok := strings.Cut(rest, ": "); ok && strings.Trim(n, "0123456789") == "" {
				return nil, fmt.Errorf("%s:%s: %s", name, n, after)
			}
		}
		return nil, fmt.Errorf("%s: %s", name, msg)
	}
	c := &Config{File: name}
	if len(doc.Content) == 0 || yamlnode.IsNull(doc.Content[0]) {
		return c, nil // an empty file configures nothing
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errorf(name, root, "want a mapping of %s", strings.Join(topKeys, ", "))
	}
	top := map[string]*yaml.Node{}
	keyNode := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if !slices.Contains(topKeys, k.Value) {
			return nil, errorf(name, k, "unknown key %q (want %s)", k.Value, strings.Join(topKeys, ", "))
		}
		if _, dup := top[k.Value]; dup {
			return nil, errorf(name, k, "key %q given twice", k.Value)
		}
		top[k.Value], keyNode[k.Value] = v, k
	}
	limitsDoc := &yaml.Node{Kind: yaml.MappingNode, Line: root.Line, Column: root.Column}
	for _, k := range []string{"warn", "plans", "ip_limits"} {
		if v := top[k]; v != nil {
			limitsDoc.Content = append(limitsDoc.Content, keyNode[k], v)
		}
	}
	if n := top["partners"]; n != nil && !yamlnode.IsNull(n) {
		planned, err := c.partners(n)
		if err != nil {
			return nil, err
		}
		if len(planned.Content) > 0 {
			limitsDoc.Content = append(limitsDoc.Content, keyNode["partners"], planned)
		}
	}
	if len(limitsDoc.Content) > 0 && (top["plans"] != nil || top["ip_limits"] != nil || hasPlanned(c)) {
		plans, err := ratelimit.ParsePlansNode(name, limitsDoc)
		if err != nil {
			return nil, err
		}
		c.Plans = plans
	}
	if n := top["routes"]; n != nil && !yamlnode.IsNull(n) {
		if err := c.routes(n); err != nil {
			return nil, err
		}
	}
	if n := top["fields"]; n != nil && !yamlnode.IsNull(n) {
		if err := c.fields(n); err != nil {
			return nil, err
		}
	}
	if n := top["quota_start"]; n != nil && !yamlnode.IsNull(n) {
		t, err := parseDay(n.Value)
		if err != nil {
			return nil, errorf(name, n, "quota_start: %v", err)
		}
		c.QuotaStart = t
	}
	if n := top["cluster"]; n != nil && !yamlnode.IsNull(n) {
		if n.Kind != yaml.ScalarNode || !clusterRE.MatchString(n.Value) {
			return nil, errorf(name, n, "cluster: want the name of a ClickHouse cluster (letters, digits and underscores)")
		}
		c.Cluster = n.Value
	}
	return c, nil
}

func hasPlanned(c *Config) bool {
	return slices.ContainsFunc(c.Partners, func(p Partner) bool { return p.Plan != "" })
}

// partners reads the partners list into c.Partners and returns the list
// the rate-limit parser validates: the partners with a plan, as
// {name, keys: every identifier, plan}, with their lines kept.
func (c *Config) partners(n *yaml.Node) (*yaml.Node, error) {
	planned := &yaml.Node{Kind: yaml.SequenceNode, Line: n.Line, Column: n.Column}
	if n.Kind != yaml.SequenceNode {
		return nil, errorf(c.File, n, "partners: want a list of {name, keys, client_ids, consumers, hashes, plan}, got %s", yamlnode.Describe(n))
	}
	owner := map[string]string{}
	for _, e := range n.Content {
		if e.Kind != yaml.MappingNode {
			return nil, errorf(c.File, e, "partners: want an entry {name, keys, …}, got %s", yamlnode.Describe(e))
		}
		p := Partner{Line: e.Line}
		var nameNode, planNode *yaml.Node
		var idNodes []*yaml.Node
		seen := map[string]bool{}
		for i := 0; i+1 < len(e.Content); i += 2 {
			k, v := e.Content[i], e.Content[i+1]
			if !slices.Contains(partnerKeys, k.Value) {
				return nil, errorf(c.File, k, "partners: unknown key %q (want %s)", k.Value, strings.Join(partnerKeys, ", "))
			}
			if seen[k.Value] {
				return nil, errorf(c.File, k, "partners: key %q given twice", k.Value)
			}
			seen[k.Value] = true
			switch k.Value {
			case "name":
				nameNode = v
			case "plan":
				planNode = v
			default:
				if yamlnode.IsNull(v) {
					continue
				}
				if v.Kind != yaml.SequenceNode {
					return nil, errorf(c.File, v, "partners: %s: want a list of identifiers, got %s", k.Value, yamlnode.Describe(v))
				}
				for _, id := range v.Content {
					if id.Kind != yaml.ScalarNode || yamlnode.IsNull(id) || id.Value == "" {
						return nil, errorf(c.File, id, "partners: %s: want an identifier, got %s", k.Value, yamlnode.Describe(id))
					}
					idNodes = append(idNodes, id)
				}
			}
		}
		if nameNode == nil || nameNode.Kind != yaml.ScalarNode || nameNode.Value == "" {
			return nil, errorf(c.File, e, "partners: an entry needs a name")
		}
		p.Name = nameNode.Value
		for _, id := range idNodes {
			if id.Value == p.Name || slices.Contains(p.IDs, id.Value) {
				continue
			}
			p.IDs = append(p.IDs, id.Value)
		}
		for _, id := range append([]string{p.Name}, p.IDs...) {
			if o, ok := owner[id]; ok {
				if o == p.Name {
					return nil, errorf(c.File, e, "partners: partner %q is listed twice", p.Name)
				}
				return nil, errorf(c.File, e, "partner %q: id %q already belongs to partner %q", p.Name, id, o)
			}
			owner[id] = p.Name
		}
		if planNode != nil && !yamlnode.IsNull(planNode) {
			p.Plan = planNode.Value
			keys := &yaml.Node{Kind: yaml.SequenceNode, Line: e.Line, Column: e.Column}
			keys.Content = append(keys.Content, idNodes...)
			planned.Content = append(planned.Content, &yaml.Node{Kind: yaml.MappingNode, Line: e.Line, Column: e.Column,
				Content: []*yaml.Node{scalar("name", e), nameNode, scalar("keys", e), keys, scalar("plan", e), planNode}})
		}
		c.Partners = append(c.Partners, p)
	}
	return planned, nil
}

func (c *Config) routes(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return errorf(c.File, n, "routes: want a list of route templates such as /v1/bookings/{id}, got %s", yamlnode.Describe(n))
	}
	for _, e := range n.Content {
		if e.Kind != yaml.ScalarNode || yamlnode.IsNull(e) {
			return errorf(c.File, e, "routes: want a route template such as /v1/bookings/{id}, got %s", yamlnode.Describe(e))
		}
		if _, err := route.Compile([]string{e.Value}); err != nil {
			return errorf(c.File, e, "routes: %v", err)
		}
		if slices.Contains(c.RouteTemplates, e.Value) {
			return errorf(c.File, e, "routes: %q is listed twice", e.Value)
		}
		c.RouteTemplates = append(c.RouteTemplates, e.Value)
	}
	t, err := route.Compile(c.RouteTemplates)
	if err != nil {
		return fmt.Errorf("%s: routes: %w", c.File, err)
	}
	c.Routes = t
	return nil
}

func (c *Config) fields(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errorf(c.File, n, "fields: want a mapping such as {time: ts, status: code, latency: {key: dur, unit: s}}, got %s", yamlnode.Describe(n))
	}
	c.Fields = map[string]accesslog.FieldSpec{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var spec accesslog.FieldSpec
		switch {
		case v.Kind == yaml.ScalarNode && !yamlnode.IsNull(v):
			spec.Key = v.Value
		case v.Kind == yaml.MappingNode:
			for j := 0; j+1 < len(v.Content); j += 2 {
				switch v.Content[j].Value {
				case "key":
					spec.Key = v.Content[j+1].Value
				case "unit":
					spec.Unit = v.Content[j+1].Value
				default:
					return errorf(c.File, v.Content[j], "fields: %s: unknown key %q (want key, unit)", k.Value, v.Content[j].Value)
				}
			}
		default:
			return errorf(c.File, v, "fields: %s: want the log's key, or {key, unit}, got %s", k.Value, yamlnode.Describe(v))
		}
		if _, dup := c.Fields[k.Value]; dup {
			return errorf(c.File, k, "fields: %s given twice", k.Value)
		}
		c.Fields[k.Value] = spec
		// Validate one at a time so the message can name this line.
		if _, err := accesslog.NewMapping(c.Fields); err != nil {
			return errorf(c.File, k, "fields: %v", err)
		}
	}
	m, err := accesslog.NewMapping(c.Fields)
	if err != nil {
		return errorf(c.File, n, "fields: %v", err)
	}
	c.Mapping = m
	return nil
}

func parseDay(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: want a date (2026-12-01) or an RFC 3339 time", s)
}

func scalar(v string, at *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Line: at.Line, Column: at.Column}
}

func errorf(file string, n *yaml.Node, format string, args ...any) error {
	return yamlnode.Errorf(file, n, format, args...)
}
