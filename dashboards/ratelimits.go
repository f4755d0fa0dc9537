//lint:file-ignore SA1019 classic dashboard JSON is what Grafana's file provisioning and import read (dashboardv2 is for the v2 API)

package main

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/ratescope/ratescope/internal/ratelimit"
)

// RateLimitsUID is the Rate limits dashboard's uid.
const RateLimitsUID = "ratescope-rate-limits"

// rateLimitsDashboard: who is about to hit a rate limit.
func rateLimitsDashboard() *dashboard.DashboardBuilder {
	var p panels
	counts := tables.PanelLimitCounts()
	warn := ratelimit.DefaultWarn
	return clickHouseVariables(newDashboard(RateLimitsUID, "ratescope · Rate limits",
		"Partners nearing their plans' limits before they are throttled (report rate-limits, as the analysis passes keep it)")).
		WithPanel(p.chStat("Partners near or over", "Partners with a limit at or above the warn level in the latest analysis pass.",
			counts, "near_or_over", "short", steps("green", 1.0, "orange"))).
		WithPanel(p.chStat("Partners over", "Partners with a limit over its allowance in the latest analysis pass.",
			counts, "over_limit", "short", steps("green", 1.0, "red"))).
		WithPanel(p.chTable("Near or over, most urgent first", "The limits at or above the warn level: over before near, then by utilization.",
			tables.PanelLimitUrgent(), 16, 8).
			OverrideByName("utilization", []dashboard.DynamicConfigValue{{Id: "unit", Value: "percentunit"}})).
		WithPanel(p.chTimeSeries("Utilization per partner × limit", "Each limit's utilization minute by minute (the analysis passes' per-minute rows); the dashed lines are the warn level and the limit.",
			tables.PanelUtilization(), "percentunit", 24, 9).
			Thresholds(steps("green", warn, "orange", 1.0, "red")).
			ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed))).
		WithPanel(stacked(p.chTimeSeries("Throttled by partner and gateway error type",
			"Requests a limit turned away: 429s and the gateway's THROTTLED, QUOTA_EXCEEDED and WAF_FILTERED.",
			tables.PanelThrottled(), "reqps", 24, 8))).
		WithPanel(p.chTable("Quota burn-down", "Monthly quotas: the month-end projection as a share of the quota, and when it runs out at the current rate.",
			tables.PanelQuotas(), 12, 8).
			OverrideByName("utilization", []dashboard.DynamicConfigValue{{Id: "unit", Value: "percentunit"}})).
		WithPanel(p.chTable("Per-IP window peaks", "The client IPs nearest to a per-IP limit: the highest count in one window, the WAF's rejections and the worst state over the window's minutes.",
			tables.PanelIPPeaks(), 12, 8).
			OverrideByName("max_utilization", []dashboard.DynamicConfigValue{{Id: "unit", Value: "percentunit"}})).
		WithPanel(p.chTimeSeries("Per-IP utilization", "The five client IPs that came nearest to a per-IP limit, minute by minute.",
			tables.PanelIPUtilization(), "percentunit", 24, 8).
			Thresholds(steps("green", warn, "orange", 1.0, "red")).
			ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed)))
}
