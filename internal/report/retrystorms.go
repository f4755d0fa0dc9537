package report

import (
	"context"
	"fmt"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/retry"
)

// RetryStormsQuery selects the retry storms of a window.
type RetryStormsQuery struct {
	From, To   time.Time // the window [From, To): attempts whose access record lies in it
	Partner    string    // when set, only this partner's storms
	Thresholds retry.Thresholds
}

// RetryStorms finds the retry storms of the window (see package retry for
// the rules). It assumes the schema is current (chstore.DB.CheckSchema).
//
// ClickHouse does the bulk work (chquery.Tables.StormRows): it keeps only the access
// records that can belong to a logical request with retries, folds each
// request id's rows into one and streams them ordered by sequence and time.
// Go walks one sequence at a time, so its memory stays bounded by one
// logical request; the storms' partner, client IP, method and route are
// then read from the access records of their first attempts.
func RetryStorms(ctx context.Context, rd *chquery.Reader, q RetryStormsQuery) ([]retry.Storm, error) {
	rows, err := rd.Query(ctx, rd.Tables().StormRows(q.From, q.To, q.Partner))
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
	if err := fillStormKeys(ctx, rd, storms, q.From, q.To); err != nil {
		return nil, fmt.Errorf("find retry storms: %w", err)
	}
	retry.SortStorms(storms)
	return storms, nil
}

// keyLookupChunk is how many request ids one key look-up asks for.
const keyLookupChunk = 1000

// fillStormKeys sets each storm's Key from the access record of its first
// attempt (the latest such row in [from, to), as the sequence hash was
// taken from). The look-ups go by request id, the table's primary key.
func fillStormKeys(ctx context.Context, rd *chquery.Reader, storms []retry.Storm, from, to time.Time) error {
	byID := make(map[string][]int, len(storms))
	ids := make([]string, 0, len(storms))
	for i := range storms {
		id := storms[i].FirstRequestID
		if _, ok := byID[id]; !ok {
			ids = append(ids, id)
		}
		byID[id] = append(byID[id], i)
	}
	for lo := 0; lo < len(ids); lo += keyLookupChunk {
		chunk := ids[lo:min(lo+keyLookupChunk, len(ids))]
		rows, err := rd.Query(ctx, rd.Tables().StormKeys(chunk, from, to))
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
