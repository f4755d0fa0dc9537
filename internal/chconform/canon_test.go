//go:build chdb

package chconform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Rows are compared in a canonical text form: integers in decimal,
// strings as they are, DateTime as Unix seconds, arrays as [a,b], and
// floats rounded to what both engines agree on: Float32 at its shortest
// round-trip form, Float64 at 12 significant digits (the engines may
// accumulate in another order). A row is its cells' JSON array.

func rowKey(cells []string) string {
	b, _ := json.Marshal(cells)
	return string(b)
}

func canonFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	if bits == 32 {
		return strconv.FormatFloat(f, 'g', -1, 32)
	}
	return strconv.FormatFloat(f, 'g', 12, 64)
}

// canonValue is the canonical form of a value clickhouse-go scanned.
func canonValue(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return "null"
		}
		return canonValue(v.Elem())
	case reflect.String:
		return v.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32:
		return canonFloat(v.Float(), 32)
	case reflect.Float64:
		return canonFloat(v.Float(), 64)
	case reflect.Bool:
		if v.Bool() {
			return "1"
		}
		return "0"
	case reflect.Slice, reflect.Array:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = canonValue(v.Index(i))
		}
		return "[" + strings.Join(parts, ",") + "]"
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			return strconv.FormatInt(t.Unix(), 10)
		}
	}
	return fmt.Sprintf("%v", v.Interface())
}

// scanRows reads every row of rows (18.16, clickhouse-go) in canonical
// form.
func scanRows(rows driver.Rows) ([]string, error) {
	defer rows.Close()
	types := rows.ColumnTypes()
	var out []string
	for rows.Next() {
		dest := make([]any, len(types))
		for i, ct := range types {
			dest[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		cells := make([]string, len(dest))
		for i, d := range dest {
			cells[i] = canonValue(reflect.ValueOf(d).Elem())
		}
		out = append(out, rowKey(cells))
	}
	return out, rows.Err()
}

// canonJSON is the canonical form of a JSONCompact cell of type typ
// (chDB).
func canonJSON(typ string, raw json.RawMessage) (string, error) {
	typ = unwrap(typ)
	if bytes.Equal(raw, []byte("null")) {
		return "null", nil
	}
	switch {
	case strings.HasPrefix(typ, "Array("):
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return "", fmt.Errorf("decode %s: %w", typ, err)
		}
		inner := typ[len("Array(") : len(typ)-1]
		parts := make([]string, len(elems))
		for i, e := range elems {
			p, err := canonJSON(inner, e)
			if err != nil {
				return "", err
			}
			parts[i] = p
		}
		return "[" + strings.Join(parts, ",") + "]", nil
	case typ == "String" || strings.HasPrefix(typ, "FixedString"):
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("decode %s: %w", typ, err)
		}
		return s, nil
	case strings.HasPrefix(typ, "DateTime"):
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("decode %s: %w", typ, err)
		}
		t, err := time.ParseInLocation(time.DateTime, s, time.UTC)
		if err != nil {
			return "", fmt.Errorf("decode %s: %w", typ, err)
		}
		return strconv.FormatInt(t.Unix(), 10), nil
	}
	text := strings.Trim(string(raw), `"`) // 64-bit integers come quoted
	switch typ {
	case "Float32", "Float64":
		bits := 64
		if typ == "Float32" {
			bits = 32
		}
		switch text {
		case "nan", "inf", "-inf":
			return text, nil
		}
		f, err := strconv.ParseFloat(text, bits)
		if err != nil {
			return "", fmt.Errorf("decode %s %q: %w", typ, text, err)
		}
		return canonFloat(f, bits), nil
	case "Bool":
		if text == "true" {
			return "1", nil
		}
		return "0", nil
	}
	if strings.HasPrefix(typ, "UInt") || strings.HasPrefix(typ, "Int") {
		return text, nil
	}
	return "", fmt.Errorf("no canonical form for type %s", typ)
}

// unwrap strips Nullable(…) and LowCardinality(…).
func unwrap(typ string) string {
	for _, w := range []string{"Nullable(", "LowCardinality("} {
		if strings.HasPrefix(typ, w) {
			return unwrap(typ[len(w) : len(typ)-1])
		}
	}
	return typ
}

// driverRows is clickhouse-go's rows.
type driverRows = driver.Rows

func newScanDest(t reflect.Type) any { return reflect.New(t).Interface() }

func deref(p any) any { return reflect.ValueOf(p).Elem().Interface() }
