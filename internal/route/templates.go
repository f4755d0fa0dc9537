package route

import (
	"fmt"
	"strings"
)

// Templates are route templates given in the configuration, such as
// /api/v1/bookings/{ref} or /v1/users/me/contact/{kind}. A template matches
// a path with the same number of segments whose literal segments are equal;
// a {name} segment matches any one non-empty segment. When several match,
// the one with the most literal segments wins, then the one listed first.
// A path no template matches falls back to Template.
//
// A *Templates is read-only after Compile and safe for concurrent use; the
// nil *Templates matches nothing.
type Templates struct {
	list []compiled
}

type compiled struct {
	text     string
	segs     []string // "" for a {name} segment
	literals int
}

// Compile checks and compiles templates. A template must start with '/'
// and a brace segment must be a whole segment ({name}).
func Compile(templates []string) (*Templates, error) {
	t := &Templates{}
	for _, s := range templates {
		if !strings.HasPrefix(s, "/") {
			return nil, fmt.Errorf("route template %q: must start with /", s)
		}
		c := compiled{text: s}
		for _, seg := range strings.Split(s[1:], "/") {
			open, close := strings.IndexByte(seg, '{'), strings.IndexByte(seg, '}')
			switch {
			case open == 0 && close == len(seg)-1 && len(seg) > 2:
				c.segs = append(c.segs, "")
			case open >= 0 || close >= 0:
				return nil, fmt.Errorf("route template %q: segment %q: a placeholder must be a whole segment, like {id}", s, seg)
			default:
				c.segs = append(c.segs, seg)
				c.literals++
			}
		}
		t.list = append(t.list, c)
	}
	return t, nil
}

// Len is the number of templates.
func (t *Templates) Len() int {
	if t == nil {
		return 0
	}
	return len(t.list)
}

// Append appends to dst the route of path: the best matching configured
// template, else the derived one (Template).
func (t *Templates) Append(dst, path []byte) []byte {
	if m := t.Match(path); m != "" {
		return append(dst, m...)
	}
	return Template(dst, path)
}

// Match returns the best configured template matching path, or "".
func (t *Templates) Match(path []byte) string {
	if t == nil || len(t.list) == 0 {
		return ""
	}
	path = stripQuery(path)
	if len(path) == 0 || path[0] != '/' {
		return ""
	}
	best, bestLit := -1, -1
	for i := range t.list {
		c := &t.list[i]
		if c.literals > bestLit && c.matches(path[1:]) {
			best, bestLit = i, c.literals
		}
	}
	if best < 0 {
		return ""
	}
	return t.list[best].text
}

func (c *compiled) matches(rest []byte) bool {
	for i, seg := range c.segs {
		j := 0
		for j < len(rest) && rest[j] != '/' {
			j++
		}
		part := rest[:j]
		if seg == "" {
			if len(part) == 0 {
				return false
			}
		} else if string(part) != seg {
			return false
		}
		if j == len(rest) {
			return i == len(c.segs)-1
		}
		rest = rest[j+1:]
	}
	return false
}
