package chmacro

import (
	"testing"
	"time"
)

func TestExpand(t *testing.T) {
	from := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	to := from.Add(2 * time.Hour)
	vars := map[string]Var{
		"partner": {Values: []string{"acme", "o'dd"}, Options: []string{"acme", "globex", "o'dd"}},
		"one":     {Values: []string{"acme"}},
		"all":     {All: true, Options: []string{"a", "b"}},
		"empty":   {},
		"db":      {Values: []string{"ratescope"}},
	}
	env := Env{From: from, To: to, Interval: 90 * time.Second, Vars: vars}
	for _, c := range []struct{ name, in, want string }{
		{"time filter", "WHERE $__timeFilter(time)", "WHERE time >= toDateTime(1795168800) AND time <= toDateTime(1795176000)"},
		{"from and to", "t >= $__fromTime AND t < $__toTime - 60", "t >= toDateTime(1795168800) AND t < toDateTime(1795176000) - 60"},
		{"ms", "$__fromTime_ms $__timeFilter_ms(t)", "fromUnixTimestamp64Milli(1795168800000) t >= fromUnixTimestamp64Milli(1795168800000) AND t <= fromUnixTimestamp64Milli(1795176000000)"},
		{"interval", "intDiv(x, $__interval_s) $__timeInterval(t)", "intDiv(x, 90) toStartOfInterval(toDateTime(t), INTERVAL 90 second)"},
		{"time group", "$__timeGroup(t, '5m')", "toStartOfInterval(toDateTime(t), INTERVAL 300 second)"},
		{"date filter", "$__dateFilter(d)", "d >= toDate('2026-11-20') AND d <= toDate('2026-11-20')"},
		{"unknown macro stays", "$__nope(x) $__interval", "$__nope(x) $__interval"},
		{"conditional, values", "$__conditionalAll(p IN (${partner:singlequote}), $partner)", `p IN ('acme','o\'dd')`},
		{"conditional, All", "a AND $__conditionalAll(p IN (${all:singlequote}), $all) AND b", "a AND 1=1 AND b"},
		{"conditional, braces", "$__conditionalAll(f(x, y) = 1, ${empty})", "1=1"},
		{"conditional, formatted var is not recognised", "$__conditionalAll(x IN (${all:csv}), ${all:csv})", "x IN (a,b)"},
		{"conditional, nested commas", "$__conditionalAll(transform(p, [1, 2], [3, 4], p) IN ($one), $one)", "transform(p, [1, 2], [3, 4], p) IN (acme)"},
		{"two conditionals", "$__conditionalAll(a IN ($all), $all) AND $__conditionalAll(b IN (${one:singlequote}), $one)", "1=1 AND b IN ('acme')"},
		{"plugin format", "IN ($partner) = $one", "IN ('acme','o'dd') = acme"},
		{"all expands to options", "IN (${all:singlequote})", "IN ('a','b')"},
		{"unknown variable stays", "$nope ${nope:raw}", "$nope ${nope:raw}"},
		{"database", "`${db}`.requests", "`ratescope`.requests"},
		{"macro in a string stays", "'$__fromTime' $__toTime", "'$__fromTime' toDateTime(1795176000)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Expand(c.in, env)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("Expand(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
		})
	}
}

func TestExpandErrors(t *testing.T) {
	for _, in := range []string{
		"$__conditionalAll(a, b, c)",
		"$__conditionalAll(a",
		"$__timeFilter(a, b)",
		"$__timeFilter(a",
		"$__timeGroup(t, 'x')",
	} {
		if got, err := Expand(in, Env{}); err == nil {
			t.Errorf("Expand(%q) = %q, want an error", in, got)
		}
	}
}

func TestVarName(t *testing.T) {
	for in, want := range map[string]string{"$p": "p", "${p}": "p", " $p_2 ": "p_2", "${p:singlequote}": "", "x": ""} {
		got, _ := varName(in)
		if got != want {
			t.Errorf("varName(%q) = %q, want %q", in, got, want)
		}
	}
}
