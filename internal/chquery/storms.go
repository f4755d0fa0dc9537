package chquery

import "time"

// FailureSQL is a superset of retry.Failed over one row: it may keep rows
// that did not fail (any Envoy flags), never drop one that did. The
// analysis in Go decides.
const FailureSQL = "(status >= 400 OR status = 0 OR response_flags != '')"

// missingKeySQL is retry.Key.MissingIdempotencyKey over one row.
const missingKeySQL = "toUInt8(upper(method) IN ('POST', 'PATCH') AND idempotency_key = '')"

// minuteSQL is the row's minute since the epoch.
const minuteSQL = "toUInt32(intDiv(toUInt32(time), 60))"

// sequenceHash hashes a row's sequence key (retry.Key). Two sequences
// whose hashes collide (odds about 1 in 10^7 for a million sequences)
// would be analysed as one.
func (t Tables) sequenceHash() string {
	return "cityHash64(" + t.Partner() + ", client_ip, method, route, idempotency_key)"
}

// StormRows selects, one row per request, the access records that can
// belong to a logical request with retries, ordered by sequence and time:
// seq (UInt64, the sequence hash), missing_key (UInt8), time_ms,
// request_id, status, flags and effective_retry_after (Int32: the rule of
// fold, retryAfterRule: the larger of the Retry-After header and the error
// body's retryAfter, the inline body winning over a separately logged one;
// -1 without either). With partner set, only its access records.
//
// A retry comes at most 60 s after a failure of its sequence, and every
// attempt of a logical request but the last is a failure, so every attempt
// lies in the same or the next minute as a failure of its sequence: only
// those access records are kept. Dropping the others changes no chain: a
// kept row whose predecessor was dropped follows a success, and the kept
// row before it is over 60 s older. Separately logged error bodies are kept
// when they carry a positive retryAfter and belong to a failed access
// record of the window, wherever their own time lies. Both tests look up
// one set of hashes, built in one pass over the window's failures: each
// failure's (sequence, minute) and (sequence, next minute), and its request
// id. (A hash collision can only keep a row too many, which changes no
// chain either.)
//
// Rows are folded by request id with foldColumns' layer-1 names and rules, so
// copies never count twice; where rows of one request disagree the latest
// of each kind by time_ms wins. Unlike fold, this statement reads only the
// few columns the retry analysis needs, and reads the separately logged
// error bodies in a subquery of their own, only those with a positive
// retryAfter (the others change nothing), so only their few columns are
// read across the whole table.
//
// Written for ClickHouse's quirks: no alias shadows a column at a level
// that reads the table (aliases reach into WHERE and PREWHERE); the UNION
// ALL branches' constants are materialized (18.16 refuses a column constant
// in one branch only).
func (t Tables) StormRows(from, to time.Time, partner string) Statement {
	inWindow := func(b *Builder) *Builder {
		b.SQL("kind = 1 AND ")
		window(b, "time", from, to)
		if partner != "" {
			b.SQL(" AND ", t.Partner(), " = ").Arg(partner)
		}
		return b
	}
	var b Builder
	b.SQL(`
SELECT seq, missing_key, a_time_ms, request_id, a_status, a_flags,
    `, retryAfterRule, ` AS effective_retry_after
FROM
(
    SELECT
        request_id,
        countIf(r_kind = 1) AS a_rows,
        argMaxIf(r_seq, time_ms, r_kind = 1) AS seq,
        argMaxIf(r_missing_key, time_ms, r_kind = 1) AS missing_key,
        maxIf(time_ms, r_kind = 1) AS a_time_ms,
        argMaxIf(r_status, time_ms, r_kind = 1) AS a_status,
        argMaxIf(r_flags, time_ms, r_kind = 1) AS a_flags,
        argMaxIf(r_retry_after, time_ms, r_kind = 1) AS a_retry_after,
        countIf(r_kind = 1 AND r_body = 1) AS a_bodies,
        argMaxIf(r_body_retry_after, time_ms, r_kind = 1 AND r_body = 1) AS a_err_retry_after,
        countIf(r_kind = 2) AS b_rows,
        argMaxIf(r_body_retry_after, time_ms, r_kind = 2) AS b_err_retry_after
    FROM
    (
        SELECT request_id, r_kind, time_ms, r_seq, r_missing_key, r_status, r_flags, r_retry_after, r_body, r_body_retry_after
        FROM
        (
            SELECT request_id, materialize(toUInt8(1)) AS r_kind, time_ms, `, t.sequenceHash(), ` AS r_seq,
                `, missingKeySQL, ` AS r_missing_key, cityHash64(r_seq, `, minuteSQL, `) AS r_probe,
                status AS r_status, response_flags AS r_flags, retry_after AS r_retry_after,
                toUInt8(err_shape != '') AS r_body, err_retry_after AS r_body_retry_after
            FROM `, t.Requests(), `
            PREWHERE `)
	inWindow(&b).SQL(`
            UNION ALL
            SELECT request_id, materialize(toUInt8(2)) AS r_kind, time_ms, materialize(toUInt64(0)) AS r_seq,
                materialize(toUInt8(0)) AS r_missing_key, cityHash64(request_id) AS r_probe,
                materialize(toUInt16(0)) AS r_status, materialize('') AS r_flags, materialize(toInt32(-1)) AS r_retry_after,
                materialize(toUInt8(1)) AS r_body, b_retry_after AS r_body_retry_after
            FROM
            (
                SELECT request_id, time_ms, err_retry_after AS b_retry_after
                FROM `, t.Requests(), `
                PREWHERE kind = 2 AND err_retry_after > 0
            )
        )
        WHERE r_probe `, t.In(), `
            (SELECT arrayJoin([cityHash64(f_seq, f_minute), cityHash64(f_seq, toUInt32(f_minute + 1)), cityHash64(f_request_id)])
             FROM
             (
                 SELECT `, t.sequenceHash(), ` AS f_seq, `, minuteSQL, ` AS f_minute, request_id AS f_request_id
                 FROM `, t.Requests(), `
                 PREWHERE `)
	inWindow(&b).SQL(" AND ", FailureSQL, `
             ))
    )
    GROUP BY request_id
)
WHERE a_rows > 0
ORDER BY seq, a_time_ms, request_id`)
	return b.Statement("retry.storm_rows")
}

// StormKeys reads the sequence key of each request id's access record in
// [from, to) (the latest by time_ms; StormRows read the same window):
// request_id, partner, client_ip, method, route, idempotency_key. ids are
// looked up by the table's primary key, in the window's partitions only.
func (t Tables) StormKeys(ids []string, from, to time.Time) Statement {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	var b Builder
	b.SQL("SELECT request_id, argMax(", t.Partner(), ", time_ms), argMax(client_ip, time_ms), argMax(method, time_ms),",
		" argMax(route, time_ms), argMax(idempotency_key, time_ms) FROM ", t.Requests(),
		" WHERE kind = 1 AND ")
	window(&b, "time", from, to).SQL(" AND request_id IN (").Args(args...).SQL(") GROUP BY request_id")
	return b.Statement("retry.storm_keys")
}
