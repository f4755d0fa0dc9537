package chquery_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chtest"
)

type recorder []string

func (r *recorder) Record(s chquery.Statement) { *r = append(*r, s.Name) }

// TestReader runs statements on the test server through a recording
// Reader: the rows come back, and the recorder hears of every statement,
// QueryRow's too; the Reader it was copied from records nothing.
func TestReader(t *testing.T) {
	db := chtest.MigratedDB(t)
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(time.Hour)
	chtest.NewRows().
		Add(chtest.Request{ID: "a", Time: from.Add(time.Minute), Method: "GET", Path: "/x", Status: 200, Partner: "acme"}).
		Add(chtest.Request{ID: "b", Time: from.Add(2 * time.Minute), Method: "GET", Path: "/x", Status: 500, Partner: "globex"}).
		Insert(t, db, to)
	plain := chquery.New(db)
	var rec recorder
	rd := plain.WithRecorder(&rec)
	ctx := context.Background()

	rows, err := rd.Query(ctx, rd.Tables().SummaryPartners(from, to))
	if err != nil {
		t.Fatal(err)
	}
	var partners []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		partners = append(partners, p)
	}
	rows.Close()
	slices.Sort(partners)
	if !slices.Equal(partners, []string{"acme", "globex"}) {
		t.Errorf("partners = %v", partners)
	}
	var n, errs, client, server, throttled uint64
	if err := rd.QueryRow(ctx, rd.Tables().SummaryAccess(from, to)).Scan(&n, &errs, &client, &server, &throttled); err != nil {
		t.Fatal(err)
	}
	if n != 2 || errs != 1 || server != 1 {
		t.Errorf("requests/errors/server errors = %d/%d/%d, want 2/1/1", n, errs, server)
	}
	more, err := plain.Query(ctx, plain.Tables().SummaryPartners(from, to))
	if err != nil {
		t.Fatal(err)
	}
	more.Close()
	if want := []string{"summary.partners", "summary.access"}; !slices.Equal(rec, want) {
		t.Errorf("recorded %v, want %v", rec, want)
	}
}
