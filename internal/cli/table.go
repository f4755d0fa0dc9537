package cli

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
)

// Kind says what a column holds, and so how its cells are rendered.
type Kind uint8

// Column kinds. Cells hold Go values of the matching type: Text a string,
// Count any integer type, Ratio a float64 in 0..1, Time a time.Time.
const (
	Text  Kind = iota // free text; "-" in a table when empty
	Count             // an integer; thousands separators on a terminal
	Ratio             // a fraction; a percentage on a terminal
	Time              // an instant; RFC 3339 in UTC, "2006-01-02 15:04:05 UTC" on a terminal
)

// Column is one column of a Table. Name is the header in CSV and piped
// output (and matches the JSON field); on a terminal it is upper-cased with
// '_' shown as a space.
type Column struct {
	Name string
	Kind Kind
}

// Table is a report's rows for the table and CSV exporters.
type Table struct {
	Columns []Column
	Rows    [][]any
	// Record asks the table exporter to print the (usually single) row as
	// "name value" lines instead of one wide line: summaries read better so.
	Record bool
}

// tableExporter prints Result.Table as space-aligned columns under a header
// row (text/tabwriter; no tab characters in the output). On a terminal the
// header is upper-cased (and bold with colour) and numbers and times are made
// human-readable; piped output keeps machine-friendly values. Text cells
// never carry control characters to the terminal.
type tableExporter struct{}

func (tableExporter) Export(ios *IOStreams, r Result) error {
	t := r.Table
	human := ios.IsStdoutTTY()
	st := stylePlain
	if human {
		st = styleHuman
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	header := func(c Column) string {
		if human {
			return strings.ToUpper(strings.ReplaceAll(c.Name, "_", " "))
		}
		return c.Name
	}
	value := func(c Column, v any) string {
		s := c.Kind.format(v, st)
		if c.Kind == Text {
			s = sanitize(s)
		}
		if s == "" {
			s = "-"
		}
		return s
	}
	line := func(cells []string) { fmt.Fprintln(tw, strings.Join(cells, "\t")) }
	if t.Record {
		for _, row := range t.Rows {
			for i, c := range t.Columns {
				line([]string{header(c), value(c, cell(row, i))})
			}
		}
	} else {
		cells := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			cells[i] = header(c)
		}
		line(cells)
		for _, row := range t.Rows {
			for i, c := range t.Columns {
				cells[i] = value(c, cell(row, i))
			}
			line(cells)
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	out := buf.Bytes()
	if !t.Record && ios.ColorEnabled() {
		// Bold after alignment: escape sequences would count as width.
		line, rest, _ := bytes.Cut(out, []byte{'\n'})
		out = append([]byte(ios.Bold(string(line))+"\n"), rest...)
	}
	if _, err := ios.Out.Write(out); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// style says who reads a rendered value.
type style uint8

const (
	styleExact style = iota // programs (CSV): full precision
	stylePlain              // a piped table: machine-friendly, ratios to 4 decimals
	styleHuman              // a terminal
)

// format renders v for a column of kind k in style st. A nil v (a short
// row) renders as "".
func (k Kind) format(v any, st style) string {
	human := st == styleHuman
	switch k {
	case Count:
		s := integer(v)
		if human {
			return groupDigits(s)
		}
		return s
	case Ratio:
		f, ok := v.(float64)
		if !ok {
			return ""
		}
		switch st {
		case styleHuman:
			return strconv.FormatFloat(f*100, 'f', 1, 64) + "%"
		case stylePlain:
			return strconv.FormatFloat(f, 'f', 4, 64)
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	case Time:
		t, ok := v.(time.Time)
		if !ok {
			return ""
		}
		if human {
			return t.UTC().Format("2006-01-02 15:04:05 UTC")
		}
		return t.UTC().Format(time.RFC3339)
	default:
		if v == nil {
			return ""
		}
		if s, ok := v.(string); ok {
			return s
		}
		return fmt.Sprint(v)
	}
}

// integer formats any integer type in base 10; other values give "".
func integer(v any) string {
	switch n := v.(type) {
	case int:
		return strconv.FormatInt(int64(n), 10)
	case int64:
		return strconv.FormatInt(n, 10)
	case int32:
		return strconv.FormatInt(int64(n), 10)
	case uint:
		return strconv.FormatUint(uint64(n), 10)
	case uint64:
		return strconv.FormatUint(n, 10)
	case uint32:
		return strconv.FormatUint(uint64(n), 10)
	case uint16:
		return strconv.FormatUint(uint64(n), 10)
	case uint8:
		return strconv.FormatUint(uint64(n), 10)
	}
	return ""
}

// groupDigits inserts thousands separators into a base-10 integer:
// "-1234567" → "-1,234,567".
func groupDigits(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	if len(s) <= 3 {
		return sign + s
	}
	var b strings.Builder
	b.WriteString(sign)
	head := len(s) % 3
	if head > 0 {
		b.WriteString(s[:head])
	}
	for i := head; i < len(s); i += 3 {
		if b.Len() > len(sign) {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// sanitize replaces white space with a plain space and other control
// characters (which logged values may carry: escape sequences, tabs) with
// '?', so a cell cannot break alignment or drive the terminal.
func sanitize(s string) string {
	clean := true
	for _, r := range s {
		if unicode.IsControl(r) || (r != ' ' && unicode.IsSpace(r)) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r != ' ' && unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r):
			return '?'
		}
		return r
	}, s)
}
