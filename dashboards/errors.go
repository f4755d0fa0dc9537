//lint:file-ignore SA1019 classic dashboard JSON is what Grafana's file provisioning and import read (dashboardv2 is for the v2 API)

package main

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/ratescope/ratescope/internal/chquery"
)

// ErrorsUID is the Errors dashboard's uid.
const ErrorsUID = "ratescope-errors"

// errorsDashboard: which errors partners hit, where, and how fast.
func errorsDashboard() *dashboard.DashboardBuilder {
	var p panels
	summary := tables.PanelSummary()
	d := clickHouseVariables(newDashboard(ErrorsUID, "ratescope · Errors",
		"Error-code distributions by partner, route, status and code (report errors, report summary)."))
	d = d.WithVariable(dashboard.NewTextBoxVariableBuilder(chquery.CodeVar).Label("Code").
		DefaultValue(dashboard.StringOrMap{String: ptr("")}).Current(option("", "")).
		Description("The error code whose requests the last panel lists; the top codes table's links set it."))
	// A data link (a map, as Grafana stores it): the same dashboard with
	// the code variable set to the clicked code.
	codeLink := map[string]any{
		"title": "Requests with this code",
		"url":   "/d/" + ErrorsUID + "?${__url_time_range}&${datasource:queryparam}&${database:queryparam}&${partner:queryparam}&${route:queryparam}&var-code=${__value.raw}",
	}
	return d.
		WithPanel(p.chStat("Requests", "Requests in the window (distinct request ids), as report summary counts them.",
			summary, "requests", "short", steps("blue"))).
		WithPanel(p.chStat("Error rate", "Requests with status 400 or above, as a share of all (report summary's error_rate).",
			summary, "error_rate", "percentunit", steps("green", 0.02, "orange", 0.1, "red"))).
		WithPanel(p.chStat("429 share", "Throttled requests (status 429) as a share of all: partners hitting their limits.",
			summary, "throttled_share", "percentunit", steps("green", 0.01, "orange", 0.05, "red"))).
		WithPanel(p.chStat("Errors", "Requests with status 400 or above (report summary's errors).",
			summary, "errors", "short", steps("blue"))).
		WithPanel(p.chStat("Throttled", "Requests with status 429 (report summary's throttled).",
			summary, "throttled", "short", steps("blue")).Span(8)).
		WithPanel(stacked(p.chTimeSeries("Requests per second by status class",
			"How much traffic each status class carries (hourly rollups: one point per hour at least).",
			tables.PanelRequestRates(), "reqps", 12, 8))).
		WithPanel(p.chTimeSeries("4xx vs 5xx", "Client errors (the partner's fault) against server errors (ours), per second.",
			tables.PanelErrorClasses(), "reqps", 12, 8)).
		WithPanel(stacked(p.chTimeSeries("Error codes over time",
			"Which error codes partners get, and when (the window's ten commonest codes, stacked).",
			tables.PanelCodeRates(), "reqps", 24, 8))).
		WithPanel(p.chTable("Top error codes", "The commonest error codes with an example message and request; a code links to the requests that carry it.",
			tables.PanelTopCodes(), 24, 8).
			OverrideByName("code", []dashboard.DynamicConfigValue{{Id: "links", Value: []any{codeLink}}})).
		WithPanel(p.chTable("Partner × code", "Which partner gets which error code.", tables.PanelErrorsBy(chquery.ColPartner), 12, 8).
			OverrideByName("partner_name", []dashboard.DynamicConfigValue{{Id: "displayName", Value: "partner"}})).
		WithPanel(p.chTable("Route × code", "Which endpoint returns which error code.", tables.PanelErrorsBy(chquery.ColRoute), 12, 8).
			OverrideByName("route_name", []dashboard.DynamicConfigValue{{Id: "displayName", Value: "route"}})).
		WithPanel(p.chTimeSeries("Latency p50 / p95 / p99 by route", "How slow the eight busiest routes are (t-digest quantiles of the hourly rollups).",
			tables.PanelLatency(), "ms", 24, 9)).
		WithPanel(p.chTable("Requests with code $code", "The latest requests carrying the code chosen in the top codes table (or typed into Code).",
			tables.PanelCodeRequests(), 24, 8))
}
