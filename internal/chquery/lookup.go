package chquery

import "time"

// RequestRows reads the rows of the request id: at most one per (kind,
// carries a body), the latest by time_ms. Columns: kind, has_body,
// time_ms, method, path, route, status, partner, client_ip, latency_ms,
// bytes_sent, user_agent, idempotency_key, retry_after, rl_limit,
// rl_remaining, rl_reset, error_type, response_flags, err_shape, err_code,
// err_message, err_details, err_field_names, err_field_messages,
// err_retry_after, err_status, err_raw, synthetic, format, source, offset.
// The caller applies the body precedence of foldColumns to them.
func (t Tables) RequestRows(id string) Statement {
	var b Builder
	b.SQL("SELECT kind, toUInt8(err_shape != '') AS has_body, time_ms, method, path, route, status, ", t.Partner(), " AS r_partner, client_ip,",
		" latency_ms, bytes_sent, user_agent, idempotency_key, retry_after, rl_limit, rl_remaining, rl_reset,",
		" error_type, response_flags, err_shape, err_code, err_message, err_details, err_field_names,",
		" err_field_messages, err_retry_after, err_status, err_raw, synthetic, format, source, `offset`",
		" FROM ", t.Requests(), " WHERE request_id = ").Arg(id)
	return b.SQL(" ORDER BY kind, has_body DESC, time_ms DESC, source, `offset` LIMIT 1 BY kind, has_body").Statement("request.rows")
}

// Sequence is the key of a sequence of attempts (retry.Key).
type Sequence struct {
	Partner, ClientIP, Method, Route, IdempotencyKey string
}

// sequence appends the filter of the access records of k in [from, to).
func (t Tables) sequence(b *Builder, k *Sequence, from, to time.Time) *Builder {
	b.SQL("kind = 1 AND ")
	window(b, "time", from, to)
	b.SQL(" AND ", t.Partner(), " = ").Arg(k.Partner)
	b.SQL(" AND client_ip = ").Arg(k.ClientIP)
	b.SQL(" AND method = ").Arg(k.Method)
	b.SQL(" AND route = ").Arg(k.Route)
	return b.SQL(" AND idempotency_key = ").Arg(k.IdempotencyKey)
}

// SequenceAttempts lists the requests of the sequence k whose access
// records lie in [from, to), assembled (see foldColumns), in time order:
// request_id, r_time_ms, r_status, r_flags, r_retry_after, r_code.
func (t Tables) SequenceAttempts(k *Sequence, from, to time.Time) Statement {
	var where Builder
	where.SQL("(")
	t.sequence(&where, k, from, to)
	where.SQL(")\n       OR (kind = 2 AND rid ", t.In(), " (SELECT rid FROM ", t.Requests(), " WHERE ")
	t.sequence(&where, k, from, to)
	where.SQL(" AND ", FailureSQL, "))")
	var having Builder
	having.SQL("a_rows > 0")
	var b Builder
	b.SQL("SELECT request_id, r_time_ms, r_status, r_flags, r_retry_after, r_code FROM (")
	t.assembled(&b, &where, &having, false)
	return b.SQL(")\nORDER BY r_time_ms, request_id").Statement("request.attempts")
}
