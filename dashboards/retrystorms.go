//lint:file-ignore SA1019 classic dashboard JSON is what Grafana's file provisioning and import read (dashboardv2 is for the v2 API)

package main

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// RetryStormsUID is the Retry storms dashboard's uid.
const RetryStormsUID = "ratescope-retry-storms"

// retryStormsDashboard: who is in a retry storm, and how they retry.
func retryStormsDashboard() *dashboard.DashboardBuilder {
	var p panels
	counts := tables.PanelStormCounts()
	return clickHouseVariables(newDashboard(RetryStormsUID, "ratescope · Retry storms",
		"Clients that retry too fast, retry what must not be retried, ignore Retry-After or replay writes without an Idempotency-Key (report retry-storms).")).
		WithPanel(p.chStat("Storms now", "Storms whose last attempt came in the last 5 minutes of the window.",
			counts, "storms_now", "short", steps("green", 1.0, "red"))).
		WithPanel(p.chStat("Storms in the window", "Retry storms that started and ended in the window, as report retry-storms lists them (kept by the analysis passes).",
			counts, "storms", "short", steps("green", 1.0, "orange"))).
		WithPanel(p.chTimeSeries("Storms by start", "When storms begin, by partner.", tables.PanelStormStarts(), "short", 16, 4).
			DrawStyle("bars")).
		WithPanel(p.chTable("Storms and their violations", "Each storm of the window: who, where, how many retries how fast, and which rules they broke.",
			tables.PanelStorms(), 24, 9)).
		WithPanel(p.chTimeSeries("Retries per minute by partner and route",
			"Attempts that follow a failure of the same client, endpoint and idempotency key within 60 s.",
			tables.PanelRetryRates(), "short", 24, 8).AxisLabel("retries / min")).
		WithPanel(p.chTable("Retried non-retryable statuses", "Retries of responses that must not be retried (4xx but 408 and 429; 501, 505).",
			tables.PanelNonRetryable(), 12, 8)).
		WithPanel(p.chTable("POST/PATCH retries without an idempotency key", "Writes replayed without an Idempotency-Key: each may have been applied twice.",
			tables.PanelUnkeyedRetries(), 12, 8))
}
