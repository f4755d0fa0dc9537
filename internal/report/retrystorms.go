package report

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/retry"
)

// RetryStormsQuery selects the retry storms of a window.
type RetryStormsQuery struct {
	From, To   time.Time // the window [From, To): attempts whose access record lies in it
	Partner    string    // when set, only this partner's storms
	Thresholds retry.Thresholds
}

// failureSQL is a superset of retry.Failed over one row: it may keep rows
// that did not fail (any Envoy flags), never drop one that did. The
// analysis in Go decides.
const failureSQL = "(status >= 400 OR status = 0 OR response_flags != '')"

// sequenceHashSQL hashes a row's sequence key (retry.Key). Two sequences
// whose hashes collide (odds about 1 in 10^7 for a million sequences) would
// be analysed as one.
const sequenceHashSQL = "cityHash64(partner, client_ip, method, route, idempotency_key)"

// missingKeySQL is retry.Key.MissingIdempotencyKey over one row.
const missingKeySQL = "toUInt8(upper(method) IN ('POST', 'PATCH') AND idempotency_key = '')"

// minuteSQL is the row's minute since the epoch.
const minuteSQL = "toUInt32(intDiv(toUInt32(time), 60))"

// stormRowsSQL selects, one row per request id, the access records that can
// belong to a logical request with retries, ordered by sequence and time:
// seq (UInt64, the sequence hash), missing_key (UInt8), time_ms,
// request_id, status, flags and effective_retry_after (Int32: the largest
// of the Retry-After header and the retryAfter of the inline or separately
// logged error body; -1 without any). Its parameters are stormArgs.
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
// Rows are folded by request id, so duplicates never count twice; where
// rows of one request disagree the latest of each kind by time_ms wins.
//
// Written for ClickHouse's quirks: no alias shadows a column at a level
// that reads the table (aliases reach into WHERE and PREWHERE); the error
// bodies are read in a subquery of their own, so only their few columns
// are read across the whole table; the UNION ALL branches' constants are
// materialized (18.16 refuses a column constant in one branch only).
func stormRowsSQL(db *chstore.DB, partner bool) string {
	inWindow := "kind = 1 AND time >= ? AND time < ?"
	if partner {
		inWindow += " AND " + db.PartnerExpr("partner") + " = ?" // the partner's name (chstore.PartnerExpr)
	}
	return strings.NewReplacer(
		"{requests}", db.Table("requests"),
		"{inWindow}", inWindow,
		"{failure}", failureSQL,
		"{seq}", sequenceHashSQL,
		"{missingKey}", missingKeySQL,
		"{minute}", minuteSQL,
	).Replace(`
SELECT seq, missing_key, a_time_ms, request_id, a_status, a_flags,
    toInt32(greatest(a_retry_after, if(b_rows > 0, b_retry_after, -1))) AS effective_retry_after
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
        countIf(r_kind = 2) AS b_rows,
        argMaxIf(r_retry_after, time_ms, r_kind = 2) AS b_retry_after
    FROM
    (
        SELECT request_id, r_kind, time_ms, r_seq, r_missing_key, r_status, r_flags, r_retry_after
        FROM
        (
            SELECT request_id, materialize(toUInt8(1)) AS r_kind, time_ms, {seq} AS r_seq,
                {missingKey} AS r_missing_key, cityHash64(r_seq, {minute}) AS r_probe,
                status AS r_status, response_flags AS r_flags, greatest(retry_after, err_retry_after) AS r_retry_after
            FROM {requests}
            PREWHERE {inWindow}
            UNION ALL
            SELECT request_id, materialize(toUInt8(2)) AS r_kind, time_ms, materialize(toUInt64(0)) AS r_seq,
                materialize(toUInt8(0)) AS r_missing_key, cityHash64(request_id) AS r_probe,
                materialize(toUInt16(0)) AS r_status, materialize('') AS r_flags, b_retry_after AS r_retry_after
            FROM
            (
                SELECT request_id, time_ms, err_retry_after AS b_retry_after
                FROM {requests}
                PREWHERE kind = 2 AND err_retry_after > 0
            )
        )
        WHERE r_probe IN
            (SELECT arrayJoin([cityHash64(f_seq, f_minute), cityHash64(f_seq, toUInt32(f_minute + 1)), cityHash64(f_request_id)])
             FROM
             (
                 SELECT {seq} AS f_seq, {minute} AS f_minute, request_id AS f_request_id
                 FROM {requests}
                 PREWHERE {inWindow} AND {failure}
             ))
    )
    GROUP BY request_id
)
WHERE a_rows > 0
ORDER BY seq, a_time_ms, request_id`)
}

// stormArgs returns the parameters of stormRowsSQL: the window (and
// partner) of its two reads of the access records.
func stormArgs(q *RetryStormsQuery) []any {
	from, to := chstore.QueryTime(q.From), chstore.QueryTime(q.To)
	var args []any
	for range 2 {
		args = append(args, from, to)
		if q.Partner != "" {
			args = append(args, q.Partner)
		}
	}
	return args
}

// RetryStorms finds the retry storms of the window (see package retry for
// the rules). It assumes the schema is current (chstore.DB.CheckSchema).
//
// ClickHouse does the bulk work (stormRowsSQL): it keeps only the access
// records that can belong to a logical request with retries, folds each
// request id's rows into one and streams them ordered by sequence and time.
// Go walks one sequence at a time, so its memory stays bounded by one
// logical request; the storms' partner, client IP, method and route are
// then read from the access records of their first attempts.
func RetryStorms(ctx context.Context, db *chstore.DB, q RetryStormsQuery) ([]retry.Storm, error) {
	rows, err := db.Conn.Query(ctx, stormRowsSQL(db, q.Partner != ""), stormArgs(&q)...)
	if err != nil {
		return nil, fmt.Errorf("find retry storms: %w", err)
	}
	defer rows.Close()
	an := retry.NewAnalyzer(q.Thresholds)
	var (
		seq        uint64
		missingKey uint8
		a          retry.Attempt
		orderErr   error
	)
	for rows.Next() {
		if err := rows.Scan(&seq, &missingKey, &a.TimeMs, &a.RequestID, &a.Status, &a.Flags, &a.RetryAfter); err != nil {
			return nil, fmt.Errorf("find retry storms: %w", err)
		}
		if err := an.AddSeq(seq, missingKey != 0, &a); err != nil && orderErr == nil {
			orderErr = err // ClickHouse broke the promised order: say so once all is read
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find retry storms: %w", err)
	}
	if orderErr != nil {
		return nil, fmt.Errorf("find retry storms: %w", orderErr)
	}
	storms := an.Storms()
	if err := fillStormKeys(ctx, db, storms); err != nil {
		return nil, fmt.Errorf("find retry storms: %w", err)
	}
	retry.SortStorms(storms)
	return storms, nil
}

// keyLookupChunk is how many request ids one key look-up asks for.
const keyLookupChunk = 1000

// fillStormKeys sets each storm's Key from the access record of its first
// attempt (the latest such row, as the sequence hash was taken from). The
// look-ups go by request id, the table's primary key.
func fillStormKeys(ctx context.Context, db *chstore.DB, storms []retry.Storm) error {
	byID := make(map[string][]int, len(storms))
	ids := make([]any, 0, len(storms))
	for i := range storms {
		id := storms[i].FirstRequestID
		if _, ok := byID[id]; !ok {
			ids = append(ids, id)
		}
		byID[id] = append(byID[id], i)
	}
	for lo := 0; lo < len(ids); lo += keyLookupChunk {
		chunk := ids[lo:min(lo+keyLookupChunk, len(ids))]
		q := "SELECT request_id, " + db.PartnerExpr("argMax(partner, time_ms)") + ", argMax(client_ip, time_ms), argMax(method, time_ms)," +
			" argMax(route, time_ms), argMax(idempotency_key, time_ms) FROM " + db.Table("requests") +
			" WHERE kind = 1 AND request_id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ") + ")" +
			" GROUP BY request_id"
		rows, err := db.Conn.Query(ctx, q, chunk...)
		if err != nil {
			return fmt.Errorf("read storm keys: %w", err)
		}
		var (
			id string
			k  retry.Key
		)
		for rows.Next() {
			if err := rows.Scan(&id, &k.Partner, &k.ClientIP, &k.Method, &k.Route, &k.IdempotencyKey); err != nil {
				rows.Close()
				return fmt.Errorf("read storm keys: %w", err)
			}
			for _, i := range byID[id] {
				storms[i].Key = k
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("read storm keys: %w", err)
		}
	}
	return nil
}
