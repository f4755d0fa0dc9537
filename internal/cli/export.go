package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// Format is an output format chosen with --format.
type Format string

// The output formats.
const (
	FormatTable Format = "table" // aligned columns (the default)
	FormatJSON  Format = "json"  // the documented, stable JSON contract
	FormatCSV   Format = "csv"   // RFC 4180, with a header row
	FormatWide  Format = "wide"  // a table with every column, never cut to the terminal
)

var formats = []Format{FormatTable, FormatWide, FormatJSON, FormatCSV}

// AddFormatFlag registers -o/--output (and --format, its alias) on fs, stored in p (default table). An
// unknown format is rejected while flags are parsed.
func AddFormatFlag(fs *pflag.FlagSet, p *Format) {
	*p = FormatTable
	fs.VarP((*formatValue)(p), "output", "o", "output `FORMAT`: table (fits the terminal), wide (every column), json or csv")
	fs.Var((*formatValue)(p), "format", "the same as --output")
}

// Exporter returns the exporter for f; an unknown Format gets the table
// exporter.
func (f Format) Exporter() Exporter {
	switch f {
	case FormatJSON:
		return jsonExporter{}
	case FormatCSV:
		return csvExporter{}
	case FormatWide:
		return tableExporter{wide: true}
	default:
		return tableExporter{}
	}
}

type formatValue Format

func (v *formatValue) String() string { return string(*v) }
func (v *formatValue) Type() string   { return "format" }
func (v *formatValue) Set(s string) error {
	for _, f := range formats {
		if strings.EqualFold(s, string(f)) {
			*v = formatValue(f)
			return nil
		}
	}
	return fmt.Errorf("unknown format %q: want table, wide, json or csv", s)
}

// Result is a report's output in the two forms exporters need.
type Result struct {
	// Value is what the JSON exporter prints, encoded with encoding/json: its
	// JSON tags (or MarshalJSON) are the documented contract.
	Value any
	// Table is what the table and CSV exporters print.
	Table Table
}

// Exporter writes a Result to ios.Out in one output format. Commands print
// through an Exporter rather than branching on the format themselves.
type Exporter interface {
	Export(ios *IOStreams, r Result) error
}

// jsonExporter prints Result.Value as indented JSON followed by a newline.
type jsonExporter struct{}

func (jsonExporter) Export(ios *IOStreams, r Result) error {
	enc := json.NewEncoder(ios.Out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r.Value); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// csvExporter prints Result.Table as CSV: a header row of column names, then
// one record per row with machine-friendly values (RFC 3339 times, plain
// numbers), whatever the terminal.
type csvExporter struct{}

func (csvExporter) Export(ios *IOStreams, r Result) error {
	w := csv.NewWriter(ios.Out)
	header := make([]string, len(r.Table.Columns))
	for i, c := range r.Table.Columns {
		header[i] = c.Name
	}
	if err := w.Write(header); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	record := make([]string, len(r.Table.Columns))
	for _, row := range r.Table.Rows {
		for i, c := range r.Table.Columns {
			record[i] = c.Kind.format(cell(row, i), styleExact)
		}
		if err := w.Write(record); err != nil {
			return fmt.Errorf("write CSV: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

// cell returns row[i], or nil when the row is short.
func cell(row []any, i int) any {
	if i < len(row) {
		return row[i]
	}
	return nil
}
