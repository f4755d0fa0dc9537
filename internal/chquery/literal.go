package chquery

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Literal writes v as a ClickHouse literal that both 18.16 and current
// releases read as the value clickhouse-go binds for it: strings quoted
// with backslash escapes, integers and floats in decimal, time.Time as
// toDateTime(unix seconds) (sub-second parts dropped, as a DateTime
// parameter drops them), slices as array literals.
func Literal(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return quote(x), nil
	case []byte:
		return quote(string(x)), nil
	case bool:
		if x {
			return "1", nil
		}
		return "0", nil
	case int:
		return strconv.FormatInt(int64(x), 10), nil
	case int8:
		return strconv.FormatInt(int64(x), 10), nil
	case int16:
		return strconv.FormatInt(int64(x), 10), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint8:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint16:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint32:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case time.Time:
		return "toDateTime(" + strconv.FormatInt(x.Unix(), 10) + ")", nil
	case []string:
		return array(x)
	case []uint32:
		return array(x)
	case []uint64:
		return array(x)
	case []int64:
		return array(x)
	case []any:
		return array(x)
	}
	return "", fmt.Errorf("no literal for %T", v)
}

func array[T any](xs []T) (string, error) {
	var b strings.Builder
	b.WriteByte('[')
	for i, x := range xs {
		if i > 0 {
			b.WriteString(", ")
		}
		l, err := Literal(x)
		if err != nil {
			return "", err
		}
		b.WriteString(l)
	}
	b.WriteByte(']')
	return b.String(), nil
}

// quote writes s as a single-quoted string literal.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '\'':
			b.WriteByte('\\')
			b.WriteByte(c)
		case 0:
			b.WriteString(`\0`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
