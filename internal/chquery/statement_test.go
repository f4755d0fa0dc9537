package chquery

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLiteral(t *testing.T) {
	for _, c := range []struct {
		name string
		v    any
		want string
	}{
		{"string", "acme", "'acme'"},
		{"quote and backslash", `it's a \ test`, `'it\'s a \\ test'`},
		{"control characters", "a\tb\nc\rd\x00", `'a\tb\nc\rd\0'`},
		{"question mark stays", "/p?x=1", "'/p?x=1'"},
		{"bytes", []byte("b"), "'b'"},
		{"int64", int64(-42), "-42"},
		{"uint64 max", uint64(1<<64 - 1), "18446744073709551615"},
		{"uint16", uint16(429), "429"},
		{"float64", 0.1, "0.1"},
		{"float32", float32(12.5), "12.5"},
		{"bool", true, "1"},
		{"time", time.Date(2026, 3, 1, 0, 0, 0, 500, time.UTC), "toDateTime(1772323200)"},
		{"time in another zone", time.Date(2026, 3, 1, 1, 0, 0, 0, time.FixedZone("X", 3600)), "toDateTime(1772323200)"},
		{"strings", []string{"a", "b'c"}, `['a', 'b\'c']`},
		{"empty array", []string{}, "[]"},
		{"uint32s", []uint32{1, 2}, "[1, 2]"},
		{"anys", []any{"a", uint64(1)}, "['a', 1]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Literal(c.v)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("Literal(%#v) = %s, want %s", c.v, got, c.want)
			}
		})
	}
	if _, err := Literal(struct{}{}); err == nil {
		t.Error("Literal(struct{}{}) did not fail")
	}
}

func TestBuilderText(t *testing.T) {
	var b Builder
	b.SQL("SELECT count() FROM t WHERE a = ").Arg("x?").SQL(" AND b IN (").Args(1, 2).SQL(")")
	var sub Builder
	sub.SQL(" AND c = ").Arg(uint8(3))
	s := b.Append(&sub).Statement("test")
	if want := "SELECT count() FROM t WHERE a = ? AND b IN (?, ?) AND c = ?"; s.SQL != want {
		t.Errorf("SQL = %s, want %s", s.SQL, want)
	}
	if len(s.Args) != 4 {
		t.Errorf("args = %v, want 4", s.Args)
	}
	text, err := s.Text()
	if err != nil {
		t.Fatal(err)
	}
	if want := "SELECT count() FROM t WHERE a = 'x?' AND b IN (1, 2) AND c = 3"; text != want {
		t.Errorf("Text = %s, want %s", text, want)
	}
	for _, bad := range []Statement{
		{Name: "few", SQL: "a = ? AND b = ?", Args: []any{1}},
		{Name: "many", SQL: "a = ?", Args: []any{1, 2}},
		{Name: "type", SQL: "a = ?", Args: []any{struct{}{}}},
	} {
		if _, err := bad.Text(); err == nil || !strings.Contains(err.Error(), bad.Name) {
			t.Errorf("Text of %s: err = %v, want one naming it", bad.Name, err)
		}
	}
}

// TestStatementsBalanced builds every statement and checks that its
// placeholders and arguments agree and that no value is spliced in.
func TestStatementsBalanced(t *testing.T) {
	tb := Tables{Database: "rs"}
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	const secret = "partner'secret"
	seq := Sequence{Partner: secret, ClientIP: "1.2.3.4", Method: "POST", Route: "/r", IdempotencyKey: "k"}
	m := Match{Method: "POST", Path: "/p", PathPrefix: "/q"}
	p := PartnerIndex{IDs: []string{secret}, Index: []uint32{1}}
	cover := Cover{From: from.Add(time.Minute), To: to, Days: []uint32{20260301}}
	for _, s := range []Statement{
		tb.RequestList(from, to, false),
		tb.RequestList(from, to, true),
		tb.SummaryAccess(from, to, Cover{}),
		tb.SummaryAccess(from, to, cover),
		tb.SummaryOrphans(from, to, cover),
		tb.SummaryPartners(from, to, cover),
		tb.SummaryRollup(cover),
		tb.RejectedLines(from, to),
		tb.ErrorCounts(from, to, []string{ColCode, ColStatus}, secret, Cover{}),
		tb.ErrorCounts(from, to, []string{ColCode, ColStatus}, secret, cover),
		tb.RollupBuild(from, to, nil),
		tb.RollupBuild(from, to, []uint32{20260302, 20260301}),
		tb.RollupChecks(),
		tb.RollupLinked([]uint32{20260301, 20260302}, from),
		tb.RollupDays(),
		tb.ServerNow(),
		tb.RequestRows(secret),
		tb.SequenceAttempts(&seq, from, to),
		tb.StormRows(from, to, secret),
		tb.StormRows(from, to, ""),
		tb.StormKeys([]string{secret, "b"}, from, to),
		tb.RateLimitSeries(p, []Match{m, {}}, from, to),
		tb.RateLimitTotals(p, []Selection{{Only: m}, {Except: []Match{m}}}, from, to),
		tb.RateLimitMonth(p, []Span{{from, to}, {to.Add(time.Hour), to.Add(2 * time.Hour)}}),
		tb.RateLimitIPs([]Match{m}, from, to),
	} {
		t.Run(s.Name, func(t *testing.T) {
			if n := strings.Count(s.SQL, "?"); n != len(s.Args) {
				t.Errorf("%d placeholders, %d arguments", n, len(s.Args))
			}
			if strings.Contains(s.SQL, "secret") {
				t.Errorf("a value is spliced into the SQL:\n%s", s.SQL)
			}
			if strings.Contains(s.SQL, " FINAL") {
				t.Errorf("FINAL: statements dedup by request id")
			}
			if _, err := s.Text(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestCoverRest(t *testing.T) {
	day := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	f := func(name string, c Cover, from, to time.Time, want string) {
		t.Helper()
		var b Builder
		c.rest(&b, "time", from, to)
		got, err := b.Statement("t").Text()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	lit := func(t time.Time) string { return "toDateTime(" + strconv.FormatInt(t.Unix(), 10) + ")" }
	w := func(a, b time.Time) string { return "(time >= " + lit(a) + " AND time < " + lit(b) + ")" }
	f("no cover", Cover{}, day(1, 5), day(3, 7), "time >= "+lit(day(1, 5))+" AND time < "+lit(day(3, 7)))
	// Days 1–3, the 2nd covered from 06:00 to its end: the rest is 1st
	// 05:00 to 2nd 06:00, and the 3rd.
	f("one day covered", Cover{From: day(2, 6), To: day(3, 7), Days: []uint32{20260302}}, day(1, 5), day(3, 7),
		"("+w(day(1, 5), day(2, 6))+" OR "+w(day(3, 0), day(3, 7))+")")
	f("all covered", Cover{From: day(1, 0), To: day(2, 0), Days: []uint32{20260301}}, day(1, 0), day(2, 0), "0")
}
