package ratelimit

import (
	"strings"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
)

// query is a SQL statement under construction with its positional
// arguments, appended in the order their placeholders appear.
type query struct {
	b    strings.Builder
	args []any
}

// sql appends text holding no placeholder.
func (q *query) sql(s string) *query { q.b.WriteString(s); return q }

// arg appends a placeholder bound to v.
func (q *query) arg(v any) *query {
	q.b.WriteByte('?')
	q.args = append(q.args, v)
	return q
}

func (q *query) String() string { return q.b.String() }

// requestPath is the column a Match tests: the request's path as logged
// (query string included, credentials redacted).
const requestPath = "path"

// match appends a boolean expression selecting the requests m matches. The
// query string is ignored: Path matches "/p" and "/p?…"; a PathPrefix never
// holds '?', so it may test the path with its query string.
func (q *query) match(m Match) *query {
	if m.IsZero() {
		return q.sql("1")
	}
	q.sql("(")
	and := false
	sep := func() {
		if and {
			q.sql(" AND ")
		}
		and = true
	}
	if m.Method != "" {
		sep()
		q.sql("upper(method) = ").arg(m.Method)
	}
	if m.Path != "" {
		sep()
		q.sql("(" + requestPath + " = ").arg(m.Path).sql(" OR startsWith(" + requestPath + ", ").arg(m.Path + "?").sql("))")
	}
	if m.PathPrefix != "" {
		sep()
		q.sql("startsWith(" + requestPath + ", ").arg(m.PathPrefix).sql(")")
	}
	return q.sql(")")
}

// selection appends the boolean expression of s.
func (q *query) selection(s selection) *query {
	if len(s.except) == 0 {
		return q.match(s.only)
	}
	q.sql("NOT (")
	for i, m := range s.except {
		if i > 0 {
			q.sql(" OR ")
		}
		q.match(m)
	}
	return q.sql(")")
}

// window appends the filter of access records in [from, to).
func (q *query) window(from, to time.Time) *query {
	return q.sql("kind = 1 AND time >= ").arg(chstore.QueryTime(from)).sql(" AND time < ").arg(chstore.QueryTime(to))
}

// throttledSQL selects 429 responses; quotaSQL (below) tells those of a
// monthly quota apart.
const throttledSQL = "status = 429"

// quotaCode is the code of a quota rejection: API Gateway's error type
// QUOTA_EXCEEDED, or an error body's quota_exceeded (any case).
const quotaCode = "QUOTA_EXCEEDED"

// quotaExceeded appends the expression telling a quota rejection: by the
// access record's gateway error type or own error body, or by an error
// body logged apart within a day of the window.
func (q *query) quotaExceeded(table string, from, to time.Time) *query {
	q.sql("(error_type = '" + quotaCode + "' OR upper(err_code) = '" + quotaCode + "' OR request_id IN (SELECT request_id FROM " + table + " WHERE kind = 2 AND time >= ")
	q.arg(chstore.QueryTime(from.Add(-24 * time.Hour))).sql(" AND time < ").arg(chstore.QueryTime(to.Add(24 * time.Hour)))
	return q.sql(" AND upper(err_code) = '" + quotaCode + "'))")
}
