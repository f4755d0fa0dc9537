package cli

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// sample is a Result as a report command would build it.
func sample() Result {
	type row struct {
		Code  string  `json:"code"`
		Count uint64  `json:"count"`
		Share float64 `json:"share"`
	}
	return Result{
		Value: []row{{"rate_limit_exceeded", 1234567, 0.75}, {"", 3, 0.25}},
		Table: Table{
			Columns: []Column{{Name: "code", Kind: Text}, {Name: "requests_total", Kind: Count}, {Name: "share", Kind: Ratio}, {Name: "first_seen", Kind: Time}},
			Rows: [][]any{
				{"rate_limit_exceeded", uint64(1234567), 0.75, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)},
				{"", 3, 0.25, time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))},
			},
		},
	}
}

func export(t *testing.T, f Format, tty, color bool, r Result) string {
	t.Helper()
	ios, _, out, errOut := Test()
	ios.SetStdoutTTY(tty)
	ios.SetColorEnabled(color)
	if err := f.Exporter().Export(ios, r); err != nil {
		t.Fatalf("export %s: %v", f, err)
	}
	if errOut.Len() > 0 {
		t.Errorf("export %s wrote to stderr: %q", f, errOut)
	}
	return out.String()
}

func TestJSONExporter(t *testing.T) {
	for _, tty := range []bool{false, true} {
		got := export(t, FormatJSON, tty, tty, sample())
		want := `[
  {
    "code": "rate_limit_exceeded",
    "count": 1234567,
    "share": 0.75
  },
  {
    "code": "",
    "count": 3,
    "share": 0.25
  }
]
`
		if got != want {
			t.Errorf("tty=%v: JSON =\n%s\nwant\n%s", tty, got, want)
		}
	}
	// No HTML escaping: values from logs stay readable.
	got := export(t, FormatJSON, false, false, Result{Value: map[string]string{"route": "/a?b=<c>&d"}})
	if want := "{\n  \"route\": \"/a?b=<c>&d\"\n}\n"; got != want {
		t.Errorf("JSON = %q, want %q", got, want)
	}
}

func TestCSVExporter(t *testing.T) {
	for _, tty := range []bool{false, true} {
		got := export(t, FormatCSV, tty, tty, sample())
		// Machine-friendly values whatever the terminal.
		want := "code,requests_total,share,first_seen\n" +
			"rate_limit_exceeded,1234567,0.75,2026-03-01T10:00:00Z\n" +
			",3,0.25,2026-03-01T11:00:00Z\n"
		if got != want {
			t.Errorf("tty=%v: CSV =\n%s\nwant\n%s", tty, got, want)
		}
	}
	// Values with commas, quotes and line breaks survive a round trip.
	tricky := `a,"b"` + "\nc"
	got := export(t, FormatCSV, false, false, Result{Table: Table{Columns: []Column{{Name: "route", Kind: Text}}, Rows: [][]any{{tricky}}}})
	recs, err := csv.NewReader(strings.NewReader(got)).ReadAll()
	if err != nil {
		t.Fatalf("read back %q: %v", got, err)
	}
	if len(recs) != 2 || recs[0][0] != "route" || recs[1][0] != tricky {
		t.Errorf("read back %q", recs)
	}
	// No rows: the header alone.
	got = export(t, FormatCSV, false, false, Result{Table: Table{Columns: []Column{{Name: "code", Kind: Text}, {Name: "count", Kind: Count}}}})
	if got != "code,count\n" {
		t.Errorf("empty CSV = %q", got)
	}
}

func TestTableExporter(t *testing.T) {
	f := func(name string, tty, color bool, r Result, want string) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			got := export(t, FormatTable, tty, color, r)
			if got != want {
				t.Errorf("table =\n%s\nwant\n%s", got, want)
			}
			if !tty && strings.ContainsAny(got, "\t\x1b") {
				t.Errorf("piped table holds tabs or escapes: %q", got)
			}
		})
	}
	f("piped", false, false, sample(), ""+
		"code                 requests_total  share   first_seen\n"+
		"rate_limit_exceeded  1234567         0.7500  2026-03-01T10:00:00Z\n"+
		"-                    3               0.2500  2026-03-01T11:00:00Z\n")
	f("piped, colour asked", false, true, sample(), ""+
		"code                 requests_total  share   first_seen\n"+
		"rate_limit_exceeded  1234567         0.7500  2026-03-01T10:00:00Z\n"+
		"-                    3               0.2500  2026-03-01T11:00:00Z\n")
	f("terminal", true, false, sample(), ""+
		"CODE                 REQUESTS TOTAL  SHARE  FIRST SEEN\n"+
		"rate_limit_exceeded  1,234,567       75.0%  2026-03-01 10:00:00 UTC\n"+
		"-                    3               25.0%  2026-03-01 11:00:00 UTC\n")
	f("terminal, colour", true, true, sample(), ""+
		"\x1b[1mCODE                 REQUESTS TOTAL  SHARE  FIRST SEEN\x1b[0m\n"+
		"rate_limit_exceeded  1,234,567       75.0%  2026-03-01 10:00:00 UTC\n"+
		"-                    3               25.0%  2026-03-01 11:00:00 UTC\n")
	f("control characters in logged values", true, false, Result{Table: Table{
		Columns: []Column{{Name: "route", Kind: Text}, {Name: "count", Kind: Count}},
		Rows:    [][]any{{"/a\tb\x1b[31mred\nx", 1}, {"/ok", 2}},
	}}, ""+
		"ROUTE           COUNT\n"+
		"/a b?[31mred x  1\n"+
		"/ok             2\n")
	f("record, terminal", true, true, Result{Table: Table{
		Record:  true,
		Columns: []Column{{Name: "requests", Kind: Count}, {Name: "error_rate", Kind: Ratio}, {Name: "to", Kind: Time}},
		Rows:    [][]any{{uint64(12345), 0.0123, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}},
	}}, ""+
		"REQUESTS    12,345\n"+
		"ERROR RATE  1.2%\n"+
		"TO          2026-03-02 00:00:00 UTC\n")
	f("record, piped", false, false, Result{Table: Table{
		Record:  true,
		Columns: []Column{{Name: "requests", Kind: Count}, {Name: "error_rate", Kind: Ratio}, {Name: "to", Kind: Time}},
		Rows:    [][]any{{uint64(12345), 0.0123, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}},
	}}, ""+
		"requests    12345\n"+
		"error_rate  0.0123\n"+
		"to          2026-03-02T00:00:00Z\n")
	f("short row", false, false, Result{Table: Table{
		Columns: []Column{{Name: "a", Kind: Text}, {Name: "b", Kind: Count}},
		Rows:    [][]any{{"x"}},
	}}, "a  b\nx  -\n")
	f("no rows", false, false, Result{Table: Table{Columns: []Column{{Name: "code", Kind: Text}, {Name: "count", Kind: Count}}}}, "code  count\n")
}

func TestFormatFlag(t *testing.T) {
	f := func(args []string, want Format, wantErr string) {
		t.Helper()
		var got Format
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		fs.SetOutput(new(strings.Builder))
		AddFormatFlag(fs, &got)
		err := fs.Parse(args)
		if wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), wantErr) {
				t.Errorf("%q: error %v, want one containing %q", args, err, wantErr)
			}
			return
		}
		if err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", args, got, err, want)
		}
	}
	f(nil, FormatTable, "")
	f([]string{"--format", "json"}, FormatJSON, "")
	f([]string{"--format=CSV"}, FormatCSV, "")
	f([]string{"--format", "table"}, FormatTable, "")
	f([]string{"-o", "json"}, FormatJSON, "")
	f([]string{"--output", "wide"}, FormatWide, "")
	f([]string{"--format", "yaml"}, "", `unknown format "yaml": want table, wide, json or csv`)
	f([]string{"--format", ""}, "", "unknown format")

	// Each format picks its own exporter.
	r := Result{Value: []int{1}, Table: Table{Columns: []Column{{Name: "n", Kind: Count}}, Rows: [][]any{{1}}}}
	for format, want := range map[Format]string{FormatJSON: "[\n  1\n]\n", FormatCSV: "n\n1\n", FormatTable: "n\n1\n", "bogus": "n\n1\n"} {
		if got := export(t, format, false, false, r); got != want {
			t.Errorf("format %q printed %q, want %q", format, got, want)
		}
	}
}

func TestKindFormat(t *testing.T) {
	f := func(k Kind, v any, human bool, want string) {
		t.Helper()
		st := styleExact
		if human {
			st = styleHuman
		}
		if got := k.format(v, st); got != want {
			t.Errorf("kind %d format(%#v, human=%v) = %q, want %q", k, v, human, got, want)
		}
	}
	f(Count, 0, true, "0")
	f(Count, 999, true, "999")
	f(Count, 1000, true, "1,000")
	f(Count, int64(-1234567), true, "-1,234,567")
	f(Count, uint16(65535), true, "65,535")
	f(Count, uint64(18446744073709551615), true, "18,446,744,073,709,551,615")
	f(Count, uint64(18446744073709551615), false, "18446744073709551615")
	f(Count, "12", true, "") // not an integer
	f(Count, nil, true, "")
	f(Ratio, 1.0, true, "100.0%")
	f(Ratio, 0.0, true, "0.0%")
	f(Ratio, 0.0004, true, "0.0%")
	f(Ratio, 1.0/3, false, "0.3333333333333333")
	if got := Ratio.format(1.0/3, stylePlain); got != "0.3333" {
		t.Errorf("a piped table's ratio = %q, want 0.3333", got)
	}
	f(Ratio, 1, false, "") // an int is not a ratio
	f(Time, time.Unix(0, 0), false, "1970-01-01T00:00:00Z")
	f(Time, "2026", false, "")
	f(Text, "x", true, "x")
	f(Text, uint16(429), false, "429")
	f(Text, nil, false, "")
}

func TestGroupDigits(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "1": "1", "12": "12", "123": "123", "1234": "1,234", "12345": "12,345",
		"123456": "123,456", "1234567": "1,234,567", "-1": "-1", "-123": "-123", "-1234": "-1,234",
		"-123456": "-123,456",
	} {
		if got := groupDigits(in); got != want {
			t.Errorf("groupDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

// The JSON exporter encodes what it is given: a value with MarshalJSON
// prints exactly that.
type marshaler struct{}

func (marshaler) MarshalJSON() ([]byte, error) { return []byte(`[{"a":1}]`), nil }

func TestJSONExporterMarshaler(t *testing.T) {
	got := export(t, FormatJSON, false, false, Result{Value: marshaler{}})
	var v []map[string]int
	if err := json.Unmarshal([]byte(got), &v); err != nil || len(v) != 1 || v[0]["a"] != 1 {
		t.Errorf("JSON = %q (%v)", got, err)
	}
}
