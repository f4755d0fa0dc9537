package rollup

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
)

// ScratchAge is how old a build's scratch table must be before a pass
// takes it for the leftover of a build that died (a process killed between
// creating and dropping it): a build runs its few statements back to back,
// and one whose INSERT runs longer is seen running (CleanScratch).
const ScratchAge = Margin

// CleanScratch drops the scratch tables of rollup builds that are at least
// minAge old (by the server's clock) and that no running query names —
// the leftovers of builds whose process was killed — and returns their
// names. A concurrent pass's scratch table is younger, or named by its
// running INSERT, and is kept. Refresh calls it with ScratchAge.
func CleanScratch(ctx context.Context, db *chstore.DB, minAge time.Duration) ([]string, error) {
	rd := chquery.New(db)
	t := rd.Tables()
	var old []string
	if err := scanStrings(ctx, rd, t.RollupScratch(minAge), func(s string) { old = append(old, s) }); err != nil {
		return nil, fmt.Errorf("list rollup scratch tables: %w", err)
	}
	if len(old) == 0 {
		return nil, nil
	}
	var running []string
	if err := scanStrings(ctx, rd, t.RunningQueries(), func(s string) { running = append(running, s) }); err != nil {
		return nil, fmt.Errorf("list running queries: %w", err)
	}
	var dropped []string
	for _, name := range old {
		if !scratchName(name) || inUse(name, running) {
			continue
		}
		if err := db.Conn.Exec(ctx, "DROP TABLE IF EXISTS "+db.Table(name)); err != nil {
			return dropped, fmt.Errorf("drop leftover rollup scratch table %s: %w", name, err)
		}
		dropped = append(dropped, name)
	}
	return dropped, nil
}

// scratchName reports whether name is one a build gives its scratch
// table: the prefix, then letters, digits and underscores only.
func scratchName(name string) bool {
	rest, ok := strings.CutPrefix(name, chquery.RollupScratchPrefix)
	if !ok || rest == "" {
		return false
	}
	for _, c := range rest {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// inUse reports whether a running query names table.
func inUse(table string, running []string) bool {
	for _, q := range running {
		if strings.Contains(q, table) {
			return true
		}
	}
	return false
}

func scanStrings(ctx context.Context, rd *chquery.Reader, s chquery.Statement, each func(string)) error {
	rows, err := rd.Query(ctx, s)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		each(v)
	}
	return rows.Err()
}
