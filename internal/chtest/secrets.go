package chtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ratescope/ratescope/internal/chstore"
)

// AssertNoSecrets scans every text column (String, FixedString, their
// LowCardinality and Nullable forms, arrays of them) of every table in
// db's database for each secret and fails the test for any found.
func AssertNoSecrets(t testing.TB, db *chstore.DB, secrets []string) {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Conn.Query(ctx, "SELECT table, name, type FROM system.columns WHERE database = ?", db.Name)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ table, name, typ string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.name, &c.typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	scanned := 0
	for _, c := range cols {
		cond, ok := containsCond(c.name, c.typ)
		if !ok {
			continue
		}
		scanned++
		if len(secrets) == 0 {
			continue
		}
		// One query per column for all the secrets; per secret only on a hit.
		conds := make([]string, len(secrets))
		args := make([]any, len(secrets))
		for i, s := range secrets {
			conds[i], args[i] = cond, s
		}
		var n uint64
		q := fmt.Sprintf("SELECT count() FROM %s WHERE %s", db.Table(c.table), strings.Join(conds, " OR "))
		if err := db.Conn.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n == 0 {
			continue
		}
		for _, s := range secrets {
			q := fmt.Sprintf("SELECT count() FROM %s WHERE %s", db.Table(c.table), cond)
			if err := db.Conn.QueryRow(ctx, q, s).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if n > 0 {
				t.Errorf("secret %q stored in %s.%s (%d rows)", s, c.table, c.name, n)
			}
		}
	}
	if scanned < 20 {
		t.Fatalf("scanned only %d string columns: the schema query found too little", scanned)
	}
}

// containsCond is the SQL condition "column holds the ? parameter" for a
// column of type typ that holds text: String, FixedString, their
// LowCardinality and Nullable forms, and arrays of them.
func containsCond(name, typ string) (string, bool) {
	inner := typ
	array := false
	if s, ok := strings.CutPrefix(inner, "Array("); ok {
		inner, array = strings.TrimSuffix(s, ")"), true
	}
	for _, w := range []string{"LowCardinality(", "Nullable("} {
		if s, ok := strings.CutPrefix(inner, w); ok {
			inner = strings.TrimSuffix(s, ")")
		}
	}
	if inner != "String" && !strings.HasPrefix(inner, "FixedString(") {
		return "", false
	}
	if array {
		return fmt.Sprintf("arrayExists(x -> position(ifNull(toString(x), ''), ?) > 0, `%s`)", name), true
	}
	return fmt.Sprintf("position(ifNull(toString(`%s`), ''), ?) > 0", name), true
}
