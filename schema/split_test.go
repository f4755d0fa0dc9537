package schema

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	f := func(in string, want ...string) {
		t.Helper()
		got, err := splitStatements(in)
		if err != nil {
			t.Fatalf("splitStatements(%q): %v", in, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("splitStatements(%q)\n got %q\nwant %q", in, got, want)
		}
	}
	f("SELECT 1;", "SELECT 1")
	f("SELECT 1", "SELECT 1") // the last statement may omit its ';'
	f("SELECT 1;\nSELECT 2;\n", "SELECT 1", "SELECT 2")
	f("SELECT 1;  \t\nSELECT 2;", "SELECT 1", "SELECT 2")
	f("SELECT 1; -- one\nSELECT 2; --two", "SELECT 1", "SELECT 2")
	f("SELECT\n  1\n;", "SELECT\n  1")
	f(";\n;\nSELECT 1;\n;\n", "SELECT 1") // empty statements dropped
	f("SELECT 1;\r\nSELECT 2;\r\n", "SELECT 1", "SELECT 2")
	// Comments go, and so do the lines they leave blank; other blank lines stay.
	f("-- header\n-- more\nCREATE TABLE t\n(\n    a UInt8, -- why\n    -- a whole line\n    b UInt8\n);",
		"CREATE TABLE t\n(\n    a UInt8,\n    b UInt8\n)")
	f("SELECT 1\n\nFROM t;", "SELECT 1\n\nFROM t")
	f("SELECT 1 -- trailing ; not a terminator\n;", "SELECT 1")
	// Quoted text is kept whole: '--' and ';' inside quotes are not syntax.
	f("SELECT 'a--b';", "SELECT 'a--b'")
	f("SELECT 'a;\n';\nSELECT 2;", "SELECT 'a;\n'", "SELECT 2")
	f("SELECT 'it''s; --';", "SELECT 'it''s; --'")
	f(`SELECT 'a\';--';`, `SELECT 'a\';--'`)
	f("SELECT `we;ird--col` FROM t;", "SELECT `we;ird--col` FROM t")
	f(`SELECT "x;--y";`, `SELECT "x;--y"`)
	f("SELECT 1 - -1;", "SELECT 1 - -1")
	f("SELECT 2-1;", "SELECT 2-1")
}

func TestSplitStatementsErrors(t *testing.T) {
	f := func(in, wantErr string) {
		t.Helper()
		got, err := splitStatements(in)
		if err == nil {
			t.Fatalf("splitStatements(%q) = %q, want error containing %q", in, got, wantErr)
		}
		if !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("splitStatements(%q) error %q, want it to contain %q", in, err, wantErr)
		}
	}
	f("SELECT 1; SELECT 2;", "line 1: ';' must end its line")
	f("SELECT 1;\nSELECT 2;;", "line 2: ';' must end its line")
	f("SELECT 'open;\n", "line 1: unterminated ' quote")
	f("SELECT 1;\nSELECT `x;", "line 2: unterminated ` quote")
	f("", "no statements")
	f("-- only a comment\n", "no statements")
	f(" ;\n", "no statements")
}
