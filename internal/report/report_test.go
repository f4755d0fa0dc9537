package report

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
)

// TestReports loads the fixture, checks every report against its ground
// truth, loads the very same rows again and checks that nothing changed.
func TestReports(t *testing.T) {
	db := chtest.MigratedDB(t)
	reqs := fixture()
	rejected := rejectedFixture()
	insertRequests(t, db, reqs)
	insertRejected(t, db, rejected)

	check := func(t *testing.T) {
		t.Run("requests", func(t *testing.T) { checkRequests(t, db, reqs) })
		t.Run("summary", func(t *testing.T) { checkSummary(t, db, reqs, rejected) })
		t.Run("errors", func(t *testing.T) { checkErrors(t, db, reqs) })
	}
	t.Run("loaded once", check)
	insertRequests(t, db, reqs)
	insertRejected(t, db, rejected)
	t.Run("loaded twice", check)
}

// checkRequests compares each request as chquery assembles it with its
// ground truth, in both modes.
func checkRequests(t *testing.T, db *chstore.DB, reqs []request) {
	type got struct {
		status               uint16
		code, partner, route string
	}
	for _, errorsOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("errorsOnly=%v", errorsOnly), func(t *testing.T) {
			ctx := context.Background()
			rd := chquery.New(db)
			rows, err := rd.Query(ctx, rd.Tables().RequestList(winFrom, winTo, errorsOnly))
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			seen := map[string]got{}
			for rows.Next() {
				var id string
				var g got
				if err := rows.Scan(&id, &g.status, &g.code, &g.partner, &g.route); err != nil {
					t.Fatal(err)
				}
				if _, dup := seen[id]; dup {
					t.Errorf("request %s appears twice", id)
				}
				seen[id] = g
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			for _, req := range reqs {
				id := req.rows[0].requestID
				g, ok := seen[id]
				switch {
				case !req.in && ok:
					t.Errorf("%s: request %s is in the window, want it out", req.name, id)
				case req.in && !ok && (!errorsOnly || req.status >= 400):
					t.Errorf("%s: request %s is missing", req.name, id)
				case req.in && ok:
					want := got{req.status, req.code, req.partner, req.route}
					if g != want {
						t.Errorf("%s: request %s = %+v, want %+v", req.name, id, g, want)
					}
				}
			}
		})
	}
}

func checkSummary(t *testing.T, db *chstore.DB, reqs []request, rejected []rejectedLine) {
	f := func(name string, from, to time.Time) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			got, err := Summarize(context.Background(), chquery.New(db), from, to)
			if err != nil {
				t.Fatal(err)
			}
			want := wantSummary(reqs, rejected, from, to)
			if got != want {
				t.Errorf("Summarize =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
	f("the window", winFrom, winTo)
	f("an empty window", winTo.Add(24*time.Hour), winTo.Add(48*time.Hour))

	// Bounds beyond DateTime's range act as its ends (ClickHouse would wrap
	// them to other instants).
	same := func(name string, from1, to1, from2, to2 time.Time) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a, err := Summarize(ctx, chquery.New(db), from1, to1)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Summarize(ctx, chquery.New(db), from2, to2)
			if err != nil {
				t.Fatal(err)
			}
			if !a.From.Equal(from1) || !a.To.Equal(to1) {
				t.Errorf("window [%v, %v), want the one asked for [%v, %v)", a.From, a.To, from1, to1)
			}
			a.From, a.To, b.From, b.To = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if a != b || a.Requests == 0 || a.RejectedLines == 0 {
				t.Errorf("got %+v, want %+v (not empty)", a, b)
			}
		})
	}
	y1900 := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	y2300 := time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)
	same("from before 1970", y1900, winTo, time.Unix(0, 0).UTC(), winTo)
	same("to after 2105", winFrom, y2300, winFrom, time.Date(2105, 12, 31, 23, 59, 59, 0, time.UTC))
	same("to in 2106", winFrom, time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC), winFrom, time.Date(2105, 12, 31, 23, 59, 59, 0, time.UTC))
	same("from 1969", time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC), winTo, time.Unix(0, 0).UTC(), winTo)
}

// wantSummary computes the summary from the ground truth. Only the test
// window and windows without data are supported.
func wantSummary(reqs []request, rejected []rejectedLine, from, to time.Time) Summary {
	s := Summary{From: from, To: to}
	if !from.Equal(winFrom) || !to.Equal(winTo) {
		return s
	}
	partners := map[string]bool{}
	for _, r := range reqs {
		if !r.in {
			continue
		}
		s.Requests++
		switch {
		case r.status == 429:
			s.Throttled++
			fallthrough
		case r.status >= 400 && r.status < 500:
			s.ClientErrors++
		case r.status >= 500:
			s.ServerErrors++
		}
		if r.status >= 400 {
			s.Errors++
		}
		if r.partner != "" {
			partners[r.partner] = true
		}
	}
	s.Partners = uint64(len(partners))
	s.ErrorRate = float64(s.Errors) / float64(s.Requests)
	lines := map[string]bool{}
	for _, l := range rejected {
		if !l.ingestedAt.Before(from) && l.ingestedAt.Before(to) {
			lines[fmt.Sprint(l.offset, l.raw)] = true
		}
	}
	s.RejectedLines = uint64(len(lines))
	return s
}

func checkErrors(t *testing.T, db *chstore.DB, reqs []request) {
	f := func(by []Key, partner string) {
		t.Helper()
		t.Run(fmt.Sprintf("by=%v partner=%q", by, partner), func(t *testing.T) {
			got, err := ErrorCounts(context.Background(), chquery.New(db), ErrorsQuery{From: winFrom, To: winTo, By: by, Partner: partner})
			if err != nil {
				t.Fatal(err)
			}
			want := wantErrors(reqs, by, partner)
			if !slices.Equal(got.By, by) {
				t.Errorf("By = %v, want %v", got.By, by)
			}
			if len(got.Rows) != len(want) {
				t.Fatalf("%d rows, want %d:\ngot  %+v\nwant %+v", len(got.Rows), len(want), got.Rows, want)
			}
			var total uint64
			shares := 0.0
			for i := range want {
				g := got.Rows[i]
				shares += g.Share
				total += want[i].Count
				// Compare only the keys asked for: the others stay zero.
				for _, k := range by {
					if g.Value(k) != want[i].Value(k) {
						t.Errorf("row %d: %s = %v, want %v", i, k, g.Value(k), want[i].Value(k))
					}
				}
				if g.Count != want[i].Count {
					t.Errorf("row %d (%+v): count %d, want %d", i, g, g.Count, want[i].Count)
				}
			}
			if got.Total != total {
				t.Errorf("Total = %d, want %d", got.Total, total)
			}
			if len(want) > 0 && math.Abs(shares-1) > 1e-9 {
				t.Errorf("shares sum to %v, want 1", shares)
			}
			for i, r := range got.Rows {
				if w := float64(r.Count) / float64(total); math.Abs(r.Share-w) > 1e-12 {
					t.Errorf("row %d: share %v, want %v", i, r.Share, w)
				}
			}
		})
	}
	f(DefaultKeys(), "")
	f([]Key{KeyCode}, "")
	f([]Key{KeyStatus}, "")
	f([]Key{KeyPartner}, "")
	f([]Key{KeyRoute}, "")
	f([]Key{KeyRoute, KeyPartner, KeyStatus, KeyCode}, "")
	f(DefaultKeys(), "acme")
	f([]Key{KeyRoute}, "globex")
	f(DefaultKeys(), "nobody")
}

// wantErrors groups the ground truth's error requests in the window by the
// keys, sorted by count descending, then by the keys.
func wantErrors(reqs []request, by []Key, partner string) []ErrorRow {
	groups := map[string]*ErrorRow{}
	var rows []*ErrorRow
	for _, r := range reqs {
		if !r.in || r.status < 400 || (partner != "" && r.partner != partner) {
			continue
		}
		var g ErrorRow
		for _, k := range by {
			switch k {
			case KeyCode:
				g.Code = r.code
			case KeyStatus:
				g.Status = r.status
			case KeyPartner:
				g.Partner = r.partner
			case KeyRoute:
				g.Route = r.route
			}
		}
		id := fmt.Sprintf("%q %d %q %q", g.Code, g.Status, g.Partner, g.Route)
		if groups[id] == nil {
			groups[id] = &g
			rows = append(rows, &g)
		}
		groups[id].Count++
	}
	slices.SortFunc(rows, func(a, b *ErrorRow) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		for _, k := range by {
			var c int
			if k == KeyStatus {
				c = cmp.Compare(a.Status, b.Status)
			} else {
				c = strings.Compare(a.Value(k).(string), b.Value(k).(string))
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	out := make([]ErrorRow, len(rows))
	for i, r := range rows {
		out[i] = *r
	}
	return out
}

func TestErrorBreakdownJSON(t *testing.T) {
	f := func(b ErrorBreakdown, want string) {
		t.Helper()
		// As the JSON exporter encodes: no HTML escaping.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(b); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSuffix(buf.String(), "\n"); got != want {
			t.Errorf("JSON = %s\nwant   %s", got, want)
		}
	}
	f(ErrorBreakdown{By: DefaultKeys()}, `[]`)
	f(ErrorBreakdown{By: DefaultKeys(), Rows: []ErrorRow{}}, `[]`)
	f(ErrorBreakdown{
		By: DefaultKeys(),
		Rows: []ErrorRow{
			{Code: "rate_limit", Status: 429, Partner: "ignored", Count: 3, Share: 0.75},
			{Code: "", Status: 502, Count: 1, Share: 0.25},
		},
	}, `[{"code":"rate_limit","status":429,"count":3,"share":0.75},{"code":"","status":502,"count":1,"share":0.25}]`)
	f(ErrorBreakdown{
		By:   []Key{KeyRoute, KeyPartner, KeyStatus},
		Rows: []ErrorRow{{Route: `/v1/"x"`, Partner: "a<b", Status: 500, Count: 1, Share: 1}},
	}, `[{"route":"/v1/\"x\"","partner":"a<b","status":500,"count":1,"share":1}]`)
}

func TestParseKeys(t *testing.T) {
	f := func(in []string, want []Key, wantErr string) {
		t.Helper()
		got, err := ParseKeys(in)
		if wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), wantErr) {
				t.Errorf("ParseKeys(%q) error = %v, want one containing %q", in, err, wantErr)
			}
			return
		}
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseKeys(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	f([]string{"code", "status"}, []Key{KeyCode, KeyStatus}, "")
	f([]string{"route", "partner", "status", "code"}, []Key{KeyRoute, KeyPartner, KeyStatus, KeyCode}, "")
	f([]string{" Partner "}, []Key{KeyPartner}, "")
	f([]string{"codes"}, nil, `unknown key "codes": want one or more of code, status, partner, route`)
	f([]string{"code", "code"}, nil, `given twice`)
	f([]string{"code", ""}, nil, `unknown key ""`)
	f(nil, nil, "no key given")
}
