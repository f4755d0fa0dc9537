//go:build chdb

package chconform

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/findings"
	"github.com/ratescope/ratescope/internal/loggen"
	"github.com/ratescope/ratescope/internal/ratelimit"
	"github.com/ratescope/ratescope/internal/report"
	"github.com/ratescope/ratescope/internal/retry"
)

// recorder keeps every statement a Reader sends.
type recorder struct {
	mu    sync.Mutex
	stmts []chquery.Statement
}

func (r *recorder) Record(s chquery.Statement) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stmts = append(r.stmts, s)
}

// TestConformance runs the reports over the fixture on 18.16 for a matrix
// of flags, recording every statement they send, then runs each distinct
// statement on 18.16 (as sent, arguments bound, and as text) and on chDB
// (as text), and requires the same rows from all three.
func TestConformance(t *testing.T) {
	ch := chDB(t)
	ver, err := ch.version()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("chDB: ClickHouse %s", ver)
	fx := loadFixture(t, ch)
	rec := &recorder{}
	runMatrix(t, chquery.New(fx.db).WithRecorder(rec), fx)

	ctx := context.Background()
	seen := map[string]bool{}
	withRows := map[string]bool{} // statement name → some instance returned rows
	names := map[string]int{}
	// The day statements of the rollups that a fully refreshed fixture
	// never needs, with what they would be asked.
	rd := chquery.New(fx.db).WithRecorder(rec)
	for _, s := range []chquery.Statement{
		rd.Tables().RollupLinked(fixtureDays(t, fx), time.Unix(0, 0)),
		rd.Tables().RollupDays(),
		rd.Tables().FindingsMinuteDays(), // what a backfill after schema 0005 asks
		rd.Tables().RollupLinks(),        // what every rollup state read asks (schema 0006)
	} {
		rows, err := rd.Query(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	// The linked days and partner counts of every fixture day, as a
	// refresh pass asks them after a build (some fixture request spans two
	// days).
	for _, d := range fixtureDays(t, fx) {
		day := time.Date(int(d/10000), time.Month(d/100%100), int(d%100), 0, 0, 0, 0, time.UTC)
		for _, s := range []chquery.Statement{rd.Tables().RollupDayLinks(day), rd.Tables().RollupDayPartners(day)} {
			rows, err := rd.Query(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			rows.Close()
		}
	}
	for _, s := range rec.stmts {
		text, err := s.Text()
		if err != nil {
			t.Fatal(err)
		}
		if seen[text] || volatile[s.Name] {
			continue
		}
		seen[text] = true
		names[s.Name]++
		t.Run(fmt.Sprintf("%s#%d", s.Name, names[s.Name]), func(t *testing.T) {
			n, err := compare(ctx, fx.db, ch, s)
			if err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				withRows[s.Name] = true
			}
		})
	}
	for name := range names {
		if !withRows[name] {
			t.Errorf("statement %s returned no rows in any run: the comparison proves nothing", name)
		}
	}
	t.Logf("%d distinct statements (%d kinds) ran on ClickHouse 18.16 and %s; %d sent in all", len(seen), len(names), ver, len(rec.stmts))
	for _, n := range slices.Sorted(mapKeys(names)) {
		t.Logf("  %-20s %d", n, names[n])
	}
}

// volatile names the statements whose rows differ between any two runs by
// definition: the server's clock.
var volatile = map[string]bool{"rollup.now": true}

// fixtureDays lists the days (YYYYMMDD) the fixture's requests lie on.
func fixtureDays(t *testing.T, fx *fixture) []uint32 {
	t.Helper()
	rows := mustQuery(t, fx.db, "SELECT DISTINCT toYYYYMMDD(time) FROM "+fx.db.Table("requests"))
	defer rows.Close()
	var days []uint32
	for rows.Next() {
		var d uint32
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		days = append(days, d)
	}
	return days
}

// compare runs s on 18.16 bound and as text, and on chDB as text, and
// returns how many rows it returned, or an error describing how the three
// results differ.
func compare(ctx context.Context, db *chstore.DB, ch *current, s chquery.Statement) (int, error) {
	text, err := s.Text()
	if err != nil {
		return 0, err
	}
	bound, err := scanRowsOf(db.Conn.Query(ctx, s.SQL, s.Args...))
	if err != nil {
		return 0, fmt.Errorf("18.16, bound: %w\n%s", err, text)
	}
	old, err := scanRowsOf(db.Conn.Query(ctx, text))
	if err != nil {
		return 0, fmt.Errorf("18.16, as text: %w\n%s", err, text)
	}
	cur, err := ch.rows(text)
	if err != nil {
		return 0, fmt.Errorf("chDB: %w\n%s", err, text)
	}
	if !ordered(s.SQL) {
		slices.Sort(bound)
		slices.Sort(old)
		slices.Sort(cur)
	}
	if d := diff(bound, old); d != "" {
		return 0, fmt.Errorf("18.16: the statement as text returns other rows than bound: %s\n%s", d, text)
	}
	if d := diff(old, cur); d != "" {
		return 0, fmt.Errorf("18.16 and chDB differ: %s\n%s", d, text)
	}
	return len(old), nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func scanRowsOf(rows driverRows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	return scanRows(rows)
}

// ordered reports whether the statement's outermost query sorts its
// result: an ORDER BY after the last closing parenthesis.
func ordered(sql string) bool {
	return strings.Contains(sql[strings.LastIndexByte(sql, ')')+1:], "ORDER BY")
}

// diff describes the first difference between two row lists, "" when
// they are equal.
func diff(a, b []string) string {
	if slices.Equal(a, b) {
		return ""
	}
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("%d vs %d rows; row %d: %s vs %s", len(a), len(b), i+1, a[i], b[i])
		}
	}
	return fmt.Sprintf("%d vs %d rows", len(a), len(b))
}

// runMatrix runs every report for a matrix of flags through rd.
func runMatrix(t *testing.T, rd *chquery.Reader, fx *fixture) {
	t.Helper()
	ctx := context.Background()
	m := fx.manifest
	full := [2]time.Time{m.Start.Add(-time.Hour), m.End.Add(time.Hour)}
	// The sample's second half: windows that cut through it, and whose
	// month-to-date (rate-limit quotas) holds the first half.
	late := [2]time.Time{m.Start.Add(m.End.Sub(m.Start) / 2).Truncate(time.Second), m.End}
	windows := [][2]time.Time{full, late}
	partner := ""
	if len(m.PartnerIDs) > 0 {
		partner = m.PartnerIDs[0]
	}
	for _, w := range windows {
		// Through the rollups (the fixture's are complete) and from the
		// rows alone: both sets of statements checked (and equal: the
		// fixture's edge-disagree request, whose access lines disagree on
		// the status, counts once by its latest line on both paths).
		kept, err := report.Summarize(ctx, rd, w[0], w[1])
		if err != nil {
			t.Fatalf("summary: %v", err)
		}
		raw, err := report.SummarizeRaw(ctx, rd, w[0], w[1])
		if err != nil {
			t.Fatalf("summary: %v", err)
		}
		if k, r := [5]uint64{kept.Requests, kept.Errors, kept.ClientErrors, kept.ServerErrors, kept.Throttled},
			[5]uint64{raw.Requests, raw.Errors, raw.ClientErrors, raw.ServerErrors, raw.Throttled}; k != r {
			t.Errorf("summary %s–%s: through the rollups %v, from the rows %v (requests, errors, 4xx, 5xx, 429)", w[0], w[1], k, r)
		}
		// The assembled requests themselves, one row each: what every
		// errors statement groups.
		for _, errorsOnly := range []bool{false, true} {
			rows, err := rd.Query(ctx, rd.Tables().RequestList(w[0], w[1], errorsOnly))
			if err != nil {
				t.Fatalf("requests: %v", err)
			}
			rows.Close()
		}
	}

	// errors: every --by list (each order of each non-empty key set), with
	// and without --partner, over the whole sample; the default over the
	// late window.
	for _, by := range keyLists([]report.Key{report.KeyCode, report.KeyStatus, report.KeyPartner, report.KeyRoute}) {
		for _, p := range []string{"", partner, oddPartner} {
			if _, err := report.ErrorCounts(ctx, rd, report.ErrorsQuery{From: full[0], To: full[1], By: by, Partner: p}); err != nil {
				t.Fatalf("errors --by %v: %v", by, err)
			}
		}
	}
	for _, raw := range []bool{false, true} {
		if _, err := report.ErrorCounts(ctx, rd, report.ErrorsQuery{From: late[0], To: late[1], By: report.DefaultKeys(), NoRollups: raw}); err != nil {
			t.Fatalf("errors: %v", err)
		}
	}

	// The kept findings: storms of each window and of the pass's, with a
	// partner; the pass's rate-limit rows and their series.
	for _, w := range append(windows, [2]time.Time{fx.passFrom, fx.passTo}) {
		if _, err := findings.Storms(ctx, rd, w[0], w[1], ""); err != nil {
			t.Fatalf("storm findings: %v", err)
		}
	}
	if _, err := findings.Storms(ctx, rd, fx.passFrom, fx.passTo, oddPartner); err != nil {
		t.Fatalf("storm findings: %v", err)
	}
	if _, err := findings.Limits(ctx, rd, fx.passFrom, fx.passTo); err != nil {
		t.Fatalf("limit findings: %v", err)
	}
	if _, err := findings.Trends(ctx, rd, fx.passTo); err != nil {
		t.Fatalf("limit trends: %v", err)
	}
	if rows, err := rd.Query(ctx, rd.Tables().FindingsLimitSeries(fx.passFrom, fx.passTo.Add(time.Minute))); err != nil {
		t.Fatalf("limit series: %v", err)
	} else {
		rows.Close()
	}
	// The kept minutes of the pass's window, both subjects and each.
	for _, subject := range []string{"", "partner", "ip"} {
		if _, err := findings.LimitMinutes(ctx, rd, fx.passFrom, fx.passTo, subject); err != nil {
			t.Fatalf("limit minutes: %v", err)
		}
	}

	// retry-storms, with and without --partner.
	var storms []retry.Storm
	for _, w := range windows {
		s, err := report.RetryStorms(ctx, rd, report.RetryStormsQuery{From: w[0], To: w[1]})
		if err != nil {
			t.Fatalf("retry-storms: %v", err)
		}
		storms = append(storms, s...)
	}
	if len(storms) == 0 {
		t.Fatal("the sample has no retry storms")
	}
	for _, p := range []string{storms[0].Partner, oddPartner} {
		if _, err := report.RetryStorms(ctx, rd, report.RetryStormsQuery{From: full[0], To: full[1], Partner: p}); err != nil {
			t.Fatalf("retry-storms --partner: %v", err)
		}
	}

	// report rejected, and the data span an empty report points to; the
	// month's first request a quota projects from (issue 8).
	if _, err := report.ListRejected(ctx, rd, report.RejectedQuery{From: full[0], To: full[1]}); err != nil {
		t.Fatalf("rejected: %v", err)
	}
	if _, err := report.ListRejected(ctx, rd, report.RejectedQuery{From: full[0], To: full[1], Reason: "bad_json", Source: "x"}); err != nil {
		t.Fatalf("rejected --reason --source: %v", err)
	}
	if _, err := report.DataSpan(ctx, rd); err != nil {
		t.Fatalf("data span: %v", err)
	}
	if _, err := report.FirstRequest(ctx, rd, full[0], full[1]); err != nil {
		t.Fatalf("first request: %v", err)
	}

	// rate-limits with the example plans and the sample's own, over the
	// sample and over a window after the month's start (month-to-date).
	for _, path := range []string{filepath.Join(chtest.RepoRoot(t), "examples", "plans.yaml"), filepath.Join(fx.dir, loggen.PlansName)} {
		plans, err := ratelimit.LoadPlans(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range windows {
			if _, err := ratelimit.Compute(ctx, rd, plans, ratelimit.Query{From: w[0].Truncate(time.Second), To: w[1].Truncate(time.Second)}); err != nil {
				t.Fatalf("rate-limits %s: %v", path, err)
			}
		}
	}

	// request: the manifest's example, the first request of a few storms,
	// requests with a separately logged body, an orphan body, a synthetic
	// id, and an id no row has.
	ids := []string{m.ExampleRequestID, "no-such-request"}
	for i := range min(len(storms), 3) {
		ids = append(ids, storms[i].FirstRequestID)
	}
	ids = append(ids, sampleIDs(t, fx)...)
	ids = append(ids, edgeIDs...)
	for _, id := range ids {
		if _, err := report.LookupRequest(ctx, rd, id); err != nil && !errors.Is(err, report.ErrUnknownRequest) {
			t.Fatalf("request %s: %v", id, err)
		}
	}
}

// keyLists returns every ordered list of distinct keys.
func keyLists(keys []report.Key) [][]report.Key {
	var out [][]report.Key
	var walk func(prefix []report.Key)
	walk = func(prefix []report.Key) {
		for _, k := range keys {
			if slices.Contains(prefix, k) {
				continue
			}
			l := append(slices.Clone(prefix), k)
			out = append(out, l)
			walk(l)
		}
	}
	walk(nil)
	return out
}

// sampleIDs picks request ids of kinds the look-up treats apart: one with
// a separately logged body and an access record, one orphan body, one
// synthetic id.
func sampleIDs(t *testing.T, fx *fixture) []string {
	t.Helper()
	tb := fx.db.Table("requests")
	var ids []string
	for _, q := range []string{
		"SELECT any(request_id) FROM " + tb + " WHERE kind = 2 AND request_id IN (SELECT request_id FROM " + tb + " WHERE kind = 1)",
		"SELECT any(request_id) FROM " + tb + " WHERE kind = 2 AND request_id NOT IN (SELECT request_id FROM " + tb + " WHERE kind = 1)",
		"SELECT any(request_id) FROM " + tb + " WHERE synthetic = 1",
	} {
		var id string
		if err := fx.db.Conn.QueryRow(context.Background(), q).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}
