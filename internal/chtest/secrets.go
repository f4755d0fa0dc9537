package chtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/ratescope/ratescope/internal/chstore"
)

// AssertNoSecrets scans every String and Array(String) column of every
// table in db's database for each secret and fails the test for any found.
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
		var cond string
		switch c.typ {
		case "String":
			cond = fmt.Sprintf("position(`%s`, ?) > 0", c.name)
		case "Array(String)":
			cond = fmt.Sprintf("arrayExists(x -> position(x, ?) > 0, `%s`)", c.name)
		default:
			continue
		}
		scanned++
		for _, s := range secrets {
			var n uint64
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
