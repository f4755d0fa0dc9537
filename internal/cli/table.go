package cli

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"
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
	// Wide columns are shown with -o wide only (they are in JSON and CSV
	// always).
	Wide bool
	// Keep columns are never cut to fit the terminal (addresses, times).
	Keep bool
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
type tableExporter struct {
	wide bool // -o wide: every column, never cut
}

func (e tableExporter) Export(ios *IOStreams, r Result) error {
	t := r.Table
	if !e.wide {
		t = t.narrow()
	}
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
	var grid [][]string
	if t.Record {
		for _, row := range t.Rows {
			for i, c := range t.Columns {
				grid = append(grid, []string{header(c), value(c, cell(row, i))})
			}
		}
	} else {
		cells := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			cells[i] = header(c)
		}
		grid = append(grid, cells)
		for _, row := range t.Rows {
			cells := make([]string, len(t.Columns))
			for i, c := range t.Columns {
				cells[i] = value(c, cell(row, i))
			}
			grid = append(grid, cells)
		}
	}
	if human && !e.wide {
		cuttable := make([]bool, len(t.Columns))
		for i, c := range t.Columns {
			cuttable[i] = c.Kind == Text && !c.Keep
		}
		if t.Record {
			cuttable = []bool{false, true}
		}
		fitWidth(grid, cuttable, ios.TerminalWidth())
	}
	for _, cells := range grid {
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
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

// narrow returns t without its Wide columns.
func (t Table) narrow() Table {
	keep := make([]int, 0, len(t.Columns))
	for i, c := range t.Columns {
		if !c.Wide {
			keep = append(keep, i)
		}
	}
	if len(keep) == len(t.Columns) {
		return t
	}
	n := Table{Record: t.Record, Columns: make([]Column, len(keep)), Rows: make([][]any, len(t.Rows))}
	for j, i := range keep {
		n.Columns[j] = t.Columns[i]
	}
	for r, row := range t.Rows {
		n.Rows[r] = make([]any, len(keep))
		for j, i := range keep {
			n.Rows[r][j] = cell(row, i)
		}
	}
	return n
}

// columnGap is the space between aligned columns.
const columnGap = 2

// minCut is the narrowest a text column is cut to.
const minCut = 8

// fitWidth cuts the text cells of grid (header row first) so that the
// aligned table fits width: the widest text column gives way first, down to
// its header's width or minCut, and a cut cell ends in "…". Only the
// cuttable columns are cut. A table that cannot fit stays as wide as it must.
func fitWidth(grid [][]string, cuttable []bool, width int) {
	if len(grid) == 0 || width <= 0 {
		return
	}
	n := len(grid[0])
	widths := make([]int, n)
	floor := make([]int, n)
	for i := range n {
		for _, row := range grid {
			if i < len(row) {
				widths[i] = max(widths[i], runeLen(row[i]))
			}
		}
		floor[i] = widths[i]
		if i < len(cuttable) && cuttable[i] {
			floor[i] = min(widths[i], max(runeLen(grid[0][i]), minCut))
		}
	}
	total := func() int {
		t := columnGap * (n - 1)
		for _, w := range widths {
			t += w
		}
		return t
	}
	for over := total() - width; over > 0; over = total() - width {
		widest := -1
		for i := range n {
			if widths[i] > floor[i] && (widest < 0 || widths[i] > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		// Give way down to the next widest column's width (one column at a
		// time when several are as wide), or what is needed.
		next := floor[widest]
		for i := range n {
			if i != widest && widths[i] > floor[i] && widths[i] <= widths[widest] {
				next = max(next, widths[i])
			}
		}
		if next == widths[widest] {
			next--
		}
		widths[widest] = max(floor[widest], widths[widest]-min(over, widths[widest]-next))
	}
	for _, row := range grid {
		for i := range row {
			if i < n && runeLen(row[i]) > widths[i] {
				row[i] = cut(row[i], widths[i])
			}
		}
	}
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// cut shortens s to w runes, the last one "…".
func cut(s string, w int) string {
	if w <= 1 {
		return "…"
	}
	r := []rune(s)
	return string(r[:w-1]) + "…"
}
