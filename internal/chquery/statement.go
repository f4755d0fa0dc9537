package chquery

import (
	"fmt"
	"strings"
)

// Statement is one read statement: SQL text with positional placeholders
// (?) and the arguments bound to them, in order. Name says which question
// it answers ("errors.counts", "ratelimit.series", …); the conformance
// suite reports statements by it.
type Statement struct {
	Name string
	SQL  string
	Args []any
}

// Text returns the statement with every argument written in as a
// ClickHouse literal: the same statement as SQL text alone, for tools that
// cannot bind parameters (a Grafana panel, an engine without a client
// protocol). It fails for an argument of a type Literal does not know.
func (s Statement) Text() (string, error) {
	var b strings.Builder
	sql, arg := s.SQL, 0
	for {
		i := strings.IndexByte(sql, '?')
		if i < 0 {
			break
		}
		b.WriteString(sql[:i])
		if arg == len(s.Args) {
			return "", fmt.Errorf("statement %s: more placeholders than its %d arguments", s.Name, len(s.Args))
		}
		lit, err := Literal(s.Args[arg])
		if err != nil {
			return "", fmt.Errorf("statement %s, argument %d: %w", s.Name, arg+1, err)
		}
		b.WriteString(lit)
		arg++
		sql = sql[i+1:]
	}
	if arg != len(s.Args) {
		return "", fmt.Errorf("statement %s: %d arguments for %d placeholders", s.Name, len(s.Args), arg)
	}
	b.WriteString(sql)
	return b.String(), nil
}

// Builder assembles a statement from text and arguments: Arg writes the
// placeholder and records its value in one step, so placeholders and
// arguments can never drift apart. Text given to SQL must hold no '?' and
// no value that came from outside the program: identifiers come from
// Tables and fixed column lists, values go through Arg. The zero Builder is
// empty and ready.
type Builder struct {
	b    strings.Builder
	args []any
}

// SQL appends text holding no placeholder.
func (b *Builder) SQL(parts ...string) *Builder {
	for _, p := range parts {
		b.b.WriteString(p)
	}
	return b
}

// Arg appends a placeholder bound to v.
func (b *Builder) Arg(v any) *Builder {
	b.b.WriteByte('?')
	b.args = append(b.args, v)
	return b
}

// Args appends placeholders bound to vs, separated by ", ".
func (b *Builder) Args(vs ...any) *Builder {
	for i, v := range vs {
		if i > 0 {
			b.b.WriteString(", ")
		}
		b.Arg(v)
	}
	return b
}

// Append appends another builder's text and arguments.
func (b *Builder) Append(o *Builder) *Builder {
	b.b.WriteString(o.b.String())
	b.args = append(b.args, o.args...)
	return b
}

// Statement returns what was built as a statement called name.
func (b *Builder) Statement(name string) Statement {
	return Statement{Name: name, SQL: b.b.String(), Args: append([]any(nil), b.args...)}
}
