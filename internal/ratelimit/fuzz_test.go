package ratelimit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratescope/ratescope/internal/chtest"
)

// FuzzParsePlans checks that ParsePlans never panics, that every error
// names the file, and that what it accepts holds together: a known kind
// with positive sizes per limit, every partner on a plan that exists, a
// warn level in (0, 1].
func FuzzParsePlans(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join(chtest.RepoRoot(f), "examples", "plans.yaml")); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		"",
		"warn: 0.9\nip_limits: [{name: w, limit: 5, per: 5m, match: {path_prefix: /x}}]",
		"plans: {x: [{name: l, rate: 0}]}\npartners: [{name: a, keys: [b, c], plan: x}]",
		"plans: {x: [{name: l, limit: 3, per: 1d, match: {method: get, path: /a/*}}]}\npartners: [{name: a, plan: x}]",
		"plans: {x: [{name: l, quota: 1}, {name: l, quota: 2}]}",
		"plans: &a {x: *a}",
		"partners: [{name: a, plan: x}, {name: a, plan: x}]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePlans("f.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		if !(p.Warn > 0 && p.Warn <= 1) {
			t.Errorf("warn %v", p.Warn)
		}
		check := func(l Limit) {
			switch l.Kind {
			case KindTokenBucket:
				if l.Rate < 0 || (l.Rate > 0 && l.Burst < 1) || (l.Rate == 0 && l.Burst != 0) {
					t.Errorf("bucket %+v", l)
				}
			case KindWindow, KindIPWindow:
				if l.Count < 1 || l.Per < 1e9 || l.Per > MaxPer {
					t.Errorf("window %+v", l)
				}
			case KindQuota:
				if l.Quota < 1 || !l.Match.IsZero() {
					t.Errorf("quota %+v", l)
				}
			default:
				t.Errorf("kind %q", l.Kind)
			}
			if l.Name == "" {
				t.Errorf("unnamed limit %+v", l)
			}
		}
		for _, pl := range p.Plans {
			for _, l := range pl.Limits {
				check(l)
			}
		}
		for _, l := range p.IPLimits {
			check(l)
		}
		for _, pa := range p.Partners {
			if p.Plan(pa.Plan) == nil {
				t.Errorf("partner %q on unknown plan %q", pa.Name, pa.Plan)
			}
		}
		if _, err := newSelections(p); err != nil && !strings.HasPrefix(err.Error(), "f.yaml") {
			t.Errorf("selections: %v", err)
		}
	})
}
