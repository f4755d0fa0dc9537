package chmacro

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// PluginVersion is the grafana-clickhouse-datasource version whose
// expansion this package follows.
const PluginVersion = "4.20.0"

// allValue is what Grafana stores as the current value of a variable set
// to All.
const allValue = "$__all"

// Var is a dashboard variable's state.
type Var struct {
	// Values are the selected values (one for a single-value variable).
	Values []string
	// All: the variable is set to All; it then stands for Options.
	All bool
	// Options are the variable's options (for All).
	Options []string
}

// current is the variable's current value as the plugin reads it
// (current.value.toString()).
func (v Var) current() string {
	if v.All {
		return allValue
	}
	return strings.Join(v.Values, ",")
}

// values are the values the variable stands for.
func (v Var) values() []string {
	if v.All {
		return v.Options
	}
	return v.Values
}

// Env is what a panel's query is expanded with.
type Env struct {
	From, To time.Time
	// Interval is the panel's interval ($__interval_s).
	Interval time.Duration
	Vars     map[string]Var
}

// Expand returns the SQL ClickHouse receives for rawSQL in env.
func Expand(rawSQL string, env Env) (string, error) {
	s, err := conditionalAll(rawSQL, env.Vars)
	if err != nil {
		return "", err
	}
	s = interpolate(s, env.Vars)
	return backendMacros(s, env)
}

const conditionalMacro = "$__conditionalAll("

// conditionalAll is step 1 (see the package doc).
func conditionalAll(s string, vars map[string]Var) (string, error) {
	for {
		i := strings.LastIndex(s, conditionalMacro)
		if i < 0 {
			return s, nil
		}
		params := macroArgs(s[i+len(conditionalMacro)-1:])
		if len(params) != 2 {
			return "", fmt.Errorf("$__conditionalAll at offset %d: want 2 arguments, found %d", i, len(params))
		}
		phrase := params[0]
		if name, ok := varName(strings.TrimSpace(params[1])); ok {
			if v, ok := vars[name]; ok {
				if c := v.current(); c == "" || c == allValue {
					phrase = "1=1"
				}
			}
		}
		whole := conditionalMacro + params[0] + "," + params[1] + ")"
		j := strings.Index(s, whole)
		if j < 0 {
			return "", fmt.Errorf("$__conditionalAll at offset %d: its text is not found again", i)
		}
		s = s[:j] + jsReplacement(phrase, s, j, whole) + s[j+len(whole):]
	}
}

// macroArgs splits the arguments of the call whose "(" starts s, at the
// commas of that parenthesis; nil when it does not close. Parentheses are
// counted wherever they are, inside quotes too.
func macroArgs(s string) []string {
	var args []string
	depth, last := 0, 1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 1 {
				args = append(args, s[last:i])
				last = i + 1
			}
		default:
			continue
		}
		if depth == 0 {
			return append(args, s[last:i])
		}
	}
	return nil
}

// varName finds the first variable reference of s as the plugin's
// /(?<=\$\{)[\w\d]+(?=\})|(?<=\$)[\w\d]+/ does.
func varName(s string) (string, bool) {
	for i := 1; i <= len(s); i++ {
		if i >= 2 && s[i-2] == '$' && s[i-1] == '{' {
			if n := wordLen(s[i:]); n > 0 && i+n < len(s) && s[i+n] == '}' {
				return s[i : i+n], true
			}
		}
		if s[i-1] == '$' {
			if n := wordLen(s[i:]); n > 0 {
				return s[i : i+n], true
			}
		}
	}
	return "", false
}

func wordLen(s string) int {
	n := 0
	for n < len(s) && isWord(s[n]) {
		n++
	}
	return n
}

func isWord(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// jsReplacement applies JavaScript's String.prototype.replace patterns to
// the replacement text r of the match whole at offset at of s: $$, $&, $`
// and $'.
func jsReplacement(r, s string, at int, whole string) string {
	if !strings.Contains(r, "$") {
		return r
	}
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		if r[i] != '$' || i+1 == len(r) {
			b.WriteByte(r[i])
			continue
		}
		switch r[i+1] {
		case '$':
			b.WriteByte('$')
		case '&':
			b.WriteString(whole)
		case '`':
			b.WriteString(s[:at])
		case '\'':
			b.WriteString(s[at+len(whole):])
		default:
			b.WriteByte('$')
			continue
		}
		i++
	}
	return b.String()
}

// interpolate is step 2 (see the package doc): Grafana's variable syntax
// $name, [[name]], [[name:format]], ${name}, ${name:format}.
func interpolate(s string, vars map[string]Var) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		name, format, n := reference(s[i:])
		if n == 0 {
			b.WriteByte(s[i])
			i++
			continue
		}
		v, ok := vars[name]
		if !ok {
			b.WriteString(s[i : i+n])
		} else {
			b.WriteString(formatValues(v, format))
		}
		i += n
	}
	return b.String()
}

// reference parses a variable reference at the start of s: its name,
// format and length (0: none).
func reference(s string) (name, format string, n int) {
	switch {
	case strings.HasPrefix(s, "${"):
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return "", "", 0
		}
		body := s[2:end]
		name, format, _ = strings.Cut(body, ":")
		if i := strings.IndexByte(name, '.'); i >= 0 {
			name = name[:i] // ${var.field}: the field path is not used here
		}
		if name == "" || wordLen(name) != len(name) {
			return "", "", 0
		}
		return name, format, end + 1
	case strings.HasPrefix(s, "[["):
		end := strings.Index(s, "]]")
		if end < 0 {
			return "", "", 0
		}
		name, format, _ = strings.Cut(s[2:end], ":")
		if name == "" || wordLen(name) != len(name) {
			return "", "", 0
		}
		return name, format, end + 2
	case strings.HasPrefix(s, "$"):
		if l := wordLen(s[1:]); l > 0 {
			return s[1 : 1+l], "", l + 1
		}
	}
	return "", "", 0
}

// formatValues writes a variable's values in format ("" is the plugin's
// own format).
func formatValues(v Var, format string) string {
	vals := v.values()
	multi := v.All || len(vals) != 1
	switch format {
	case "singlequote":
		out := make([]string, len(vals))
		for i, x := range vals {
			out[i] = "'" + strings.ReplaceAll(x, "'", `\'`) + "'"
		}
		return strings.Join(out, ",")
	case "doublequote":
		out := make([]string, len(vals))
		for i, x := range vals {
			out[i] = `"` + strings.ReplaceAll(x, `"`, `\"`) + `"`
		}
		return strings.Join(out, ",")
	case "csv", "raw":
		return strings.Join(vals, ",")
	}
	if multi {
		return "'" + strings.Join(vals, "','") + "'"
	}
	return vals[0]
}

// backendMacros is step 3 (see the package doc).
func backendMacros(s string, env Env) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		if !strings.HasPrefix(s[i:], "$__") {
			// Skip quoted text whole: a macro inside a string stays.
			if q := s[i]; q == '\'' || q == '`' {
				n := quotedLen(s[i:], q)
				b.WriteString(s[i : i+n])
				i += n
				continue
			}
			b.WriteByte(s[i])
			i++
			continue
		}
		nameLen := wordLen(s[i+3:])
		name := s[i+3 : i+3+nameLen]
		next := i + 3 + nameLen
		var args []string
		hasArgs := next < len(s) && s[next] == '('
		if hasArgs {
			end := closing(s[next:])
			if end < 0 {
				return "", fmt.Errorf("$__%s: unclosed argument list", name)
			}
			if inner := strings.TrimSpace(s[next+1 : next+end]); inner != "" {
				for _, a := range splitTop(inner) {
					args = append(args, strings.TrimSpace(a))
				}
			}
			next += end + 1
		}
		out, ok, err := macro(name, args, env)
		if err != nil {
			return "", err
		}
		if !ok {
			out = s[i:next]
		}
		b.WriteString(out)
		i = next
	}
	return b.String(), nil
}

// quotedLen is the length of the quoted text opening s (backslash
// escapes inside), all of s when it does not close.
func quotedLen(s string, q byte) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case q:
			return i + 1
		}
	}
	return len(s)
}

// closing is the offset of the ")" closing the "(" opening s, -1 when
// none; quoted text is skipped.
func closing(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '`':
			i += quotedLen(s[i:], c) - 1
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// splitTop splits s at its commas outside parentheses and quotes.
func splitTop(s string) []string {
	var out []string
	depth, last := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '`':
			i += quotedLen(s[i:], c) - 1
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[last:i])
				last = i + 1
			}
		}
	}
	return append(out, s[last:])
}

func dateTime(t time.Time) string { return "toDateTime(" + strconv.FormatInt(t.Unix(), 10) + ")" }
func dateTime64(t time.Time) string {
	return "fromUnixTimestamp64Milli(" + strconv.FormatInt(t.UnixMilli(), 10) + ")"
}
func date(t time.Time) string { return "toDate('" + t.UTC().Format(time.DateOnly) + "')" }

// macro expands one backend macro; ok is false for a name the plugin
// does not know.
func macro(name string, args []string, env Env) (out string, ok bool, err error) {
	want := func(n int) error {
		if len(args) != n {
			return fmt.Errorf("$__%s expected %d argument(s), received %d", name, n, len(args))
		}
		return nil
	}
	between := func(c, lo, hi string) string { return c + " >= " + lo + " AND " + c + " <= " + hi }
	seconds := int64(math.Max(env.Interval.Seconds(), 1))
	switch name {
	case "fromTime":
		return dateTime(env.From), true, nil
	case "toTime":
		return dateTime(env.To), true, nil
	case "fromTime_ms":
		return dateTime64(env.From), true, nil
	case "toTime_ms":
		return dateTime64(env.To), true, nil
	case "interval_s":
		return strconv.FormatInt(seconds, 10), true, nil
	case "timeFilter":
		if err := want(1); err != nil {
			return "", false, err
		}
		return between(args[0], dateTime(env.From), dateTime(env.To)), true, nil
	case "timeFilter_ms":
		if err := want(1); err != nil {
			return "", false, err
		}
		return between(args[0], dateTime64(env.From), dateTime64(env.To)), true, nil
	case "timeFrom":
		if err := want(1); err != nil {
			return "", false, err
		}
		return args[0] + " >= " + dateTime(env.From), true, nil
	case "timeTo":
		if err := want(1); err != nil {
			return "", false, err
		}
		return args[0] + " <= " + dateTime(env.To), true, nil
	case "dateFilter":
		if err := want(1); err != nil {
			return "", false, err
		}
		return between(args[0], date(env.From), date(env.To)), true, nil
	case "dateTimeFilter", "dt":
		if err := want(2); err != nil {
			return "", false, err
		}
		return "(" + between(args[0], date(env.From), date(env.To)) + ") AND (" + between(args[1], dateTime(env.From), dateTime(env.To)) + ")", true, nil
	case "timeInterval":
		if err := want(1); err != nil {
			return "", false, err
		}
		return fmt.Sprintf("toStartOfInterval(toDateTime(%s), INTERVAL %d second)", args[0], seconds), true, nil
	case "timeInterval_ms":
		if err := want(1); err != nil {
			return "", false, err
		}
		ms := int64(math.Max(float64(env.Interval.Milliseconds()), 1))
		return fmt.Sprintf("toStartOfInterval(toDateTime64(%s, 3), INTERVAL %d millisecond)", args[0], ms), true, nil
	case "timeGroup":
		if err := want(2); err != nil {
			return "", false, err
		}
		d, err := time.ParseDuration(strings.Trim(args[1], `'"`))
		if err != nil || d.Seconds() < 0.5 {
			return "", false, fmt.Errorf("$__timeGroup: invalid interval %q", args[1])
		}
		return fmt.Sprintf("toStartOfInterval(toDateTime(%s), INTERVAL %d second)", args[0], int64(math.Round(d.Seconds()))), true, nil
	}
	return "", false, nil
}
