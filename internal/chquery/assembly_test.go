package chquery

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
)

// TestSingleRowRequestsReadAsFolded: assembled with split reads a request
// of one row from the row and folds only the requests of several; the columns, their
// types and every value must be what folding all of them gives, on
// requests of each make-up — access records with and without their own
// body, orphan bodies, bodies logged apart, disagreeing and identical
// copies.
func TestSingleRowRequestsReadAsFolded(t *testing.T) {
	db := chtest.MigratedDB(t)
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	sec := func(s int) time.Time { return at.Add(time.Duration(s)*time.Second + 123*time.Millisecond) }
	rows := chtest.NewRows().
		// one row each
		Add(chtest.Request{ID: "plain", Time: sec(1), Method: "GET", Path: "/v1/a", Route: "/v1/a", Status: 200, Partner: "acme", LatencyMs: chtest.Ptr(12.5)}).
		Add(chtest.Request{ID: "own-body", Time: sec(2), Method: "POST", Path: "/v1/b", Status: 429, Partner: "acme", ErrorType: "THROTTLED", RetryAfter: chtest.Ptr[int32](3),
			Body: chtest.Body("stripe", "rate_limit", 0)}).
		Add(chtest.Request{ID: "orphan", Time: sec(3), Kind: chstore.KindErrorBody, Method: "PUT", Status: 0, Partner: "globex", Body: chtest.Body("problem", "quota", 503)}).
		Add(chtest.Request{ID: "flags", Time: sec(4), Method: "GET", Path: "/v1/c", Status: 503, ResponseFlags: "UF,URX", LatencyMs: chtest.Ptr(900.0)}).
		Add(chtest.Request{ID: "no-partner", Time: sec(5), Method: "DELETE", Path: "/v1/d", Status: 404}).
		// several rows each
		Add(chtest.Request{ID: "apart", Time: sec(6), Method: "GET", Path: "/v1/e", Status: 400, Partner: "acme"}).
		Add(chtest.Request{ID: "apart", Time: sec(7), Kind: chstore.KindErrorBody, Status: 400, Body: chtest.Body("google", "INVALID_ARGUMENT", 400)}).
		Add(chtest.Request{ID: "disagree", Time: sec(8), Method: "GET", Path: "/v1/f", Status: 502, Partner: "acme"}).
		Add(chtest.Request{ID: "disagree", Time: sec(9), Method: "GET", Path: "/v1/f", Status: 200, Partner: "initech", LatencyMs: chtest.Ptr(3.0)}).
		Add(chtest.Request{ID: "twice", Time: sec(10), Method: "GET", Path: "/v1/g", Status: 500, Partner: "acme", ErrorType: "INTEGRATION_FAILURE"}).
		Add(chtest.Request{ID: "twice", Time: sec(10), Method: "GET", Path: "/v1/g", Status: 500, Partner: "acme", ErrorType: "INTEGRATION_FAILURE"}).
		Add(chtest.Request{ID: "bodies", Time: sec(11), Method: "POST", Path: "/v1/h", Status: 429, RetryAfter: chtest.Ptr[int32](1)}).
		Add(chtest.Request{ID: "bodies", Time: sec(12), Kind: chstore.KindErrorBody, Body: chtest.Body("stripe", "first", 429)}).
		Add(chtest.Request{ID: "bodies", Time: sec(13), Kind: chstore.KindErrorBody, Body: chtest.Body("stripe", "second", 429)}).
		Add(chtest.Request{ID: "orphans", Time: sec(14), Kind: chstore.KindErrorBody, Body: chtest.Body("problem", "a", 409)}).
		Add(chtest.Request{ID: "orphans", Time: sec(15), Kind: chstore.KindErrorBody, Body: chtest.Body("problem", "b", 410)})
	rows.Insert(t, db, at.Add(time.Hour))

	tables := Tables{Database: db.Name}
	var where Builder
	where.SQL("time >= ").Arg(chstore.QueryTime(at)).SQL(" AND time < ").Arg(chstore.QueryTime(at.Add(time.Hour)))
	var split Builder
	split.SQL("SELECT * FROM (")
	tables.assembled(&split, &where, nil, true)
	split.SQL(") ORDER BY request_id")
	var folded Builder
	folded.SQL("SELECT * FROM (")
	tables.assembled(&folded, &where, nil, false)
	folded.SQL(") ORDER BY request_id")

	gotTypes, got := queryAll(t, db, split.Statement("split"))
	wantTypes, want := queryAll(t, db, folded.Statement("folded"))
	if !slices.Equal(gotTypes, wantTypes) {
		t.Errorf("column types\n got %v\nwant %v", gotTypes, wantTypes)
	}
	if len(want) != 10 {
		t.Fatalf("%d requests folded, want 10", len(want))
	}
	if !reflect.DeepEqual(got, want) {
		for i := range max(len(got), len(want)) {
			var g, w []string
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if !slices.Equal(g, w) {
				t.Errorf("row %d\n got %q\nwant %q", i, g, w)
			}
		}
	}
}

// queryAll runs s and returns its column types and its rows, each value
// printed.
func queryAll(t *testing.T, db *chstore.DB, s Statement) ([]string, [][]string) {
	t.Helper()
	rows, err := db.Conn.Query(context.Background(), s.SQL, s.Args...)
	if err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	defer rows.Close()
	var types []string
	for _, c := range rows.ColumnTypes() {
		types = append(types, c.Name()+" "+c.DatabaseTypeName())
	}
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(types))
		for i, c := range rows.ColumnTypes() {
			vals[i] = reflect.New(c.ScanType()).Interface()
		}
		if err := rows.Scan(vals...); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = fmt.Sprint(reflect.ValueOf(v).Elem().Interface())
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	return types, out
}
