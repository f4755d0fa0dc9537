package cli

import (
	"fmt"
	"reflect"

	"github.com/spf13/pflag"
)

// DefaultLimit is how many rows a list report shows on a terminal unless
// --limit says otherwise; piped output has no limit.
const DefaultLimit = 20

// Limit is the --limit/-L flag of a list report.
type Limit struct {
	N     int
	Given bool
}

// AddLimitFlag registers --limit/-L on fs, stored in p.
func AddLimitFlag(fs *pflag.FlagSet, p *Limit) {
	fs.VarP((*limitValue)(p), "limit", "L", fmt.Sprintf("show at most `N` rows, 0 for all (default %d on a terminal, all when piped)", DefaultLimit))
}

// Rows is how many rows to show on ios: the flag's value when given, else
// DefaultLimit on a terminal, else 0 (all).
func (l Limit) Rows(ios *IOStreams) int {
	switch {
	case l.Given:
		return l.N
	case ios.IsStdoutTTY():
		return DefaultLimit
	}
	return 0
}

type limitValue Limit

func (v *limitValue) String() string {
	if !v.Given {
		return ""
	}
	return fmt.Sprint(v.N)
}
func (v *limitValue) Type() string { return "int" }
func (v *limitValue) Set(s string) error {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil || n < 0 || fmt.Sprint(n) != s {
		return fmt.Errorf("bad limit %q: want a whole number of rows, 0 for all", s)
	}
	v.N, v.Given = n, true
	return nil
}

// ExportLimited exports r with f, showing at most the limit's rows: the
// table's rows and, when r.Value is a slice, its elements. When rows were
// left out, a table on a terminal ends with a line that says how many and
// how to see them.
func ExportLimited(ios *IOStreams, f Format, l Limit, r Result) error {
	n := l.Rows(ios)
	total := len(r.Table.Rows)
	if n <= 0 || total <= n {
		return f.Exporter().Export(ios, r)
	}
	r.Table.Rows = r.Table.Rows[:n]
	if v := reflect.ValueOf(r.Value); v.Kind() == reflect.Slice && v.Len() > n {
		r.Value = v.Slice(0, n).Interface()
	}
	if err := f.Exporter().Export(ios, r); err != nil {
		return err
	}
	if (f == FormatTable || f == FormatWide) && ios.IsStdoutTTY() {
		if _, err := fmt.Fprintf(ios.Out, "… %d more rows (%d in all): --limit 0 shows them all\n", total-n, total); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	return nil
}
