package cli

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTableFitsTerminal(t *testing.T) {
	long := strings.Repeat("/v1/sessions/{sessionId}/bookings", 3)
	r := Result{Value: []int{1, 2}, Table: Table{
		Columns: []Column{{Name: "partner", Kind: Text}, {Name: "route", Kind: Text}, {Name: "count", Kind: Count},
			{Name: "first_request_id", Kind: Text, Wide: true}},
		Rows: [][]any{{"globex-international-holdings", long, 12345, "req_01HZ9VBKX4EFGH2J"}, {"acme", "/v1/x", 1, "r2"}},
	}}
	for _, width := range []int{80, 60, 40} {
		ios, _, out, _ := Test()
		ios.SetStdoutTTY(true)
		ios.SetTerminalWidth(width)
		if err := FormatTable.Exporter().Export(ios, r); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			if n := utf8.RuneCountInString(line); n > width {
				t.Errorf("width %d: line of %d: %q", width, n, line)
			}
			if strings.Contains(line, "req_01") || strings.Contains(line, "FIRST") {
				t.Errorf("width %d: a wide column shows: %q", width, line)
			}
		}
		if !strings.Contains(out.String(), "12,345") || !strings.Contains(out.String(), "…") {
			t.Errorf("width %d: numbers must stay, text be cut:\n%s", width, out)
		}
	}
	// -o wide: every column, nothing cut.
	ios, _, out, _ := Test()
	ios.SetStdoutTTY(true)
	ios.SetTerminalWidth(40)
	if err := FormatWide.Exporter().Export(ios, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), long) || !strings.Contains(out.String(), "req_01HZ9VBKX4EFGH2J") {
		t.Errorf("wide output:\n%s", out)
	}
	// Piped: nothing cut, wide columns still left to -o wide.
	ios, _, out, _ = Test()
	if err := FormatTable.Exporter().Export(ios, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), long) || strings.Contains(out.String(), "req_01") {
		t.Errorf("piped output:\n%s", out)
	}
}

func TestExportLimited(t *testing.T) {
	r := func() Result {
		return Result{Value: []int{1, 2, 3}, Table: Table{Columns: []Column{{Name: "n", Kind: Count}}, Rows: [][]any{{1}, {2}, {3}}}}
	}
	f := func(tty bool, l Limit, format Format, want string) {
		t.Helper()
		ios, _, out, _ := Test()
		ios.SetStdoutTTY(tty)
		if err := ExportLimited(ios, format, l, r()); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("tty %v limit %+v %s: %q, want %q", tty, l, format, out.String(), want)
		}
	}
	f(false, Limit{}, FormatTable, "n\n1\n2\n3\n")
	f(false, Limit{N: 2, Given: true}, FormatTable, "n\n1\n2\n")
	f(false, Limit{N: 2, Given: true}, FormatJSON, "[\n  1,\n  2\n]\n")
	f(true, Limit{N: 1, Given: true}, FormatTable, "N\n1\n… 2 more rows (3 in all): --limit 0 shows them all\n")
	f(true, Limit{N: 0, Given: true}, FormatTable, "N\n1\n2\n3\n")
	if (Limit{}).Rows(&IOStreams{stdoutTTY: true}) != DefaultLimit {
		t.Error("no default limit on a terminal")
	}
}
