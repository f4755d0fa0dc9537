// Package chmacro turns a Grafana ClickHouse panel's rawSql into the SQL
// ClickHouse receives, as Grafana and the grafana-clickhouse-datasource
// plugin do it, so that tests can run every panel's query on a real
// engine. It is written from the plugin's behaviour, not copied from it,
// and follows plugin version 4.20.0 (commit 1d04063 of
// grafana/clickhouse-datasource), the version the compose stack installs
// (PluginVersion):
//
//  1. In the browser, CHDatasource.applyConditionalAll: every
//     $__conditionalAll(phrase, $var), last first, becomes 1=1 when the
//     variable's current value is All or empty, else phrase. Its
//     arguments are split at the commas of its own parentheses (quotes
//     are not looked at), and the variable is named $var or ${var} —
//     ${var:format} is not recognised, so the phrase stays.
//  2. In the browser, Grafana's template interpolation: $var, ${var} and
//     ${var:format} (singlequote, doublequote, csv, raw); without a
//     format, the plugin's own: several values as 'a','b' (neither
//     escaped), one value as is. All stands for every option. Unknown
//     names are left alone.
//  3. In the plugin's backend (pkg/macros): $__timeFilter(c),
//     $__timeFrom(c), $__timeTo(c), $__fromTime, $__toTime,
//     $__fromTime_ms, $__toTime_ms, $__timeFilter_ms(c), $__dateFilter(c),
//     $__dateTimeFilter(d, t) (alias $__dt), $__timeInterval(c),
//     $__timeInterval_ms(c), $__timeGroup(c, d), $__interval_s. Unknown
//     macros are left alone, as the plugin leaves them.
package chmacro
