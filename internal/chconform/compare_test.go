//go:build chdb

package chconform

import (
	"context"
	"strings"
	"testing"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chtest"
)

// TestCompare checks the comparison itself: values both engines print
// differently but mean alike compare equal, and a real difference — in a
// value, in the rows' order under ORDER BY, in the number of rows — is
// caught.
func TestCompare(t *testing.T) {
	ch := chDB(t)
	db := chtest.Open(t)
	ctx := context.Background()
	for _, c := range []struct {
		name, sql string
		args      []any
		rows      int
		differ    string // "" when the engines must agree
	}{
		{name: "floats and text", rows: 1,
			sql: "SELECT toFloat32(0.1), 1 / 3, toFloat64(1e-7), 'a\\tb\\n\\'c', [toUInt64(18446744073709551615)], toInt64(-1), toDateTime(1772323200, 'UTC'), ['x', 'y']"},
		{name: "arguments", rows: 1, sql: "SELECT ?, ?, ?, ?", args: []any{"o'dd \\ ?", uint64(1) << 63, []string{"a", "b"}, int64(-5)}},
		{name: "unordered rows", rows: 3, sql: "SELECT number FROM system.numbers LIMIT 3"},
		{name: "a value", sql: "SELECT version()", differ: "differ"},
		{name: "the order under ORDER BY", rows: 2, differ: "differ",
			sql: "SELECT n FROM (SELECT arrayJoin([1, 2]) AS n, if(toUInt16(splitByChar('.', version())[1]) > 20, 1, -1) AS s) ORDER BY n * s"},
		{name: "a row too many", differ: "differ",
			sql: "SELECT number FROM (SELECT number FROM system.numbers LIMIT 2) WHERE number < if(toUInt16(splitByChar('.', version())[1]) > 20, 2, 1)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b chquery.Builder
			parts := strings.Split(c.sql, "?")
			for i, p := range parts {
				b.SQL(p)
				if i < len(c.args) {
					b.Arg(c.args[i])
				}
			}
			n, err := compare(ctx, db, ch, b.Statement(c.name))
			switch {
			case c.differ == "" && err != nil:
				t.Fatal(err)
			case c.differ != "" && (err == nil || !strings.Contains(err.Error(), c.differ)):
				t.Fatalf("err = %v, want a difference", err)
			case c.differ == "" && n != c.rows:
				t.Errorf("%d rows, want %d", n, c.rows)
			}
		})
	}
}
