package ratelimit

import (
	"fmt"
	"slices"

	"github.com/ratescope/ratescope/internal/chquery"
)

// selection is the set of requests a partner limit counts: those matching
// only (the zero Match: all), minus those matching any of except.
type selection struct {
	only   Match
	except []Match
}

func (s selection) key() string { return fmt.Sprintf("%+v|%+v", s.only, s.except) }

// selectionOf returns the requests that plan's limit l counts. A limit with
// a match counts the requests it matches. A token bucket or window limit
// without one counts the plan's other traffic: the requests that no limit
// of the same kind with a match selects — so a per-endpoint policy
// (AuthPolicy on POST /api/v1/auth/token) takes its requests out of the
// catch-all one (ApiPolicy: "all other endpoints"), as API Gateway's
// method throttling overrides a plan's rate for that method. A quota counts
// every request.
func selectionOf(plan *Plan, l *Limit) selection {
	if l.Kind == KindQuota {
		return selection{}
	}
	if !l.Match.IsZero() {
		return selection{only: l.Match}
	}
	var s selection
	for _, o := range plan.Limits {
		if o.Kind == l.Kind && !o.Match.IsZero() && !slices.Contains(s.except, o.Match) {
			s.except = append(s.except, o.Match)
		}
	}
	return s
}

// MaxMatchers bounds the distinct matches of the plans' limits: a request's
// class (which of them it matches) travels as that many bits.
const MaxMatchers = 16

// class is the set of matchers a request matches, as bits (bit i: matcher i).
type class uint64

// classSet is a selection in terms of matcher bits: a request of class c
// is in it when c holds the only bit (or only is 0) and none of except.
type classSet struct {
	only, except class
}

func (s classSet) has(c class) bool {
	return (s.only == 0 || c&s.only != 0) && c&s.except == 0
}

// selections numbers the distinct matches (matchers) and selections of the
// partner limits, and says which selection each plan's limit counts.
type selections struct {
	matchers []Match
	list     []selection
	sets     []classSet // beside list
	index    map[string]int
	of       map[string][]int // plan name → selection of each of its limits
}

func newSelections(plans *Plans) (*selections, error) {
	s := &selections{index: map[string]int{}, of: map[string][]int{}}
	for i := range plans.Plans {
		plan := &plans.Plans[i]
		ids := make([]int, len(plan.Limits))
		for j := range plan.Limits {
			id, err := s.add(selectionOf(plan, &plan.Limits[j]))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", plans.File, plan.Line, err)
			}
			ids[j] = id
		}
		s.of[plan.Name] = ids
	}
	return s, nil
}

func (s *selections) add(sel selection) (int, error) {
	k := sel.key()
	if i, ok := s.index[k]; ok {
		return i, nil
	}
	var set classSet
	var err error
	if !sel.only.IsZero() {
		if set.only, err = s.bit(sel.only); err != nil {
			return 0, err
		}
	}
	for _, m := range sel.except {
		b, err := s.bit(m)
		if err != nil {
			return 0, err
		}
		set.except |= b
	}
	i := len(s.list)
	s.list = append(s.list, sel)
	s.sets = append(s.sets, set)
	s.index[k] = i
	return i, nil
}

// bit returns m's matcher bit, numbering m if it is new.
func (s *selections) bit(m Match) (class, error) {
	i := slices.Index(s.matchers, m)
	if i < 0 {
		if len(s.matchers) == MaxMatchers {
			return 0, fmt.Errorf("more than %d distinct matches in the plans' limits", MaxMatchers)
		}
		i = len(s.matchers)
		s.matchers = append(s.matchers, m)
	}
	return 1 << i, nil
}

// chSelection returns s for chquery.
func (s selection) chSelection() chquery.Selection {
	out := chquery.Selection{Only: s.only.chMatch()}
	for _, m := range s.except {
		out.Except = append(out.Except, m.chMatch())
	}
	return out
}

// chMatchers returns the matchers for chquery.
func (s *selections) chMatchers() []chquery.Match {
	out := make([]chquery.Match, len(s.matchers))
	for i, m := range s.matchers {
		out[i] = m.chMatch()
	}
	return out
}

// chMatch returns m for chquery.
func (m Match) chMatch() chquery.Match {
	return chquery.Match{Method: m.Method, Path: m.Path, PathPrefix: m.PathPrefix}
}
