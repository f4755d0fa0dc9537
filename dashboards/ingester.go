//lint:file-ignore SA1019 classic dashboard JSON is what Grafana's file provisioning and import read (dashboardv2 is for the v2 API)

package main

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// IngesterUID is the Ingester dashboard's uid.
const IngesterUID = "ratescope-ingester"

// The Ingester dashboard's PromQL, over the metrics of ingest --follow
// (internal/follow/metrics.go).
const (
	promLinesRead    = `sum by (format) (rate(ratescope_ingest_lines_read_total[$__rate_interval]))`
	promLinesParsed  = `sum(rate(ratescope_ingest_lines_parsed_total[$__rate_interval]))`
	promRejected     = `sum by (reason) (rate(ratescope_ingest_lines_rejected_total[$__rate_interval]))`
	promInsertP99    = `histogram_quantile(0.99, sum by (le, table) (rate(ratescope_ingest_insert_duration_seconds_bucket[$__rate_interval])))`
	promInsertP50    = `histogram_quantile(0.5, sum by (le, table) (rate(ratescope_ingest_insert_duration_seconds_bucket[$__rate_interval])))`
	promErrors       = `sum by (op) (increase(ratescope_ingest_clickhouse_errors_total[$__rate_interval]))`
	promSlowInserts  = `sum by (table) (increase(ratescope_ingest_slow_inserts_total[$__rate_interval]))`
	promBufferFill   = `ratescope_ingest_buffer_rows / ratescope_ingest_buffer_max_rows`
	promBytesBehind  = `sum(ratescope_ingest_file_bytes_behind)`
	promLastInsert   = `time() - ratescope_ingest_last_insert_timestamp_seconds`
	promCheckpoint   = `time() - (ratescope_ingest_last_checkpoint_timestamp_seconds > 0)`
	promFilesWaiting = `ratescope_ingest_files_waiting`
)

func promQuery(expr, legend, ref string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Expr(expr).LegendFormat(legend).Range().RefId(ref).
		Datasource(common.DataSourceRef{Type: ptr("prometheus"), Uid: ptr(promDS)})
}

func (p *panels) promTimeSeries(title, desc, unit string, w, h uint32, qs ...*prometheus.DataqueryBuilder) *timeseries.PanelBuilder {
	ts := timeseries.NewPanelBuilder().Id(p.id()).Title(title).Description(desc).
		Datasource(common.DataSourceRef{Type: ptr("prometheus"), Uid: ptr(promDS)}).
		Unit(unit).Legend(legend()).Tooltip(tooltip()).Span(w).Height(h).FillOpacity(10).LineWidth(1)
	for _, q := range qs {
		ts = ts.WithTarget(q)
	}
	return ts
}

// promStat is a stat panel of an instant Prometheus expression.
func (p *panels) promStat(title, desc, expr, unit string, th *dashboard.ThresholdsConfigBuilder) *stat.PanelBuilder {
	return stat.NewPanelBuilder().Id(p.id()).Title(title).Description(desc).
		Datasource(common.DataSourceRef{Type: ptr("prometheus"), Uid: ptr(promDS)}).
		WithTarget(promQuery(expr, "", "A").Instant()).
		Unit(unit).Thresholds(th).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Values(false).Calcs([]string{"lastNotNull"})).
		ColorMode(common.BigValueColorModeValue).GraphMode(common.BigValueGraphModeNone).Span(4).Height(4)
}

// ingesterDashboard: is the ingester keeping up, and is ClickHouse taking
// its inserts.
func ingesterDashboard() *dashboard.DashboardBuilder {
	var p panels
	return newDashboard(IngesterUID, "ratescope · Ingester",
		"The follow daemon (ingest --follow) from its Prometheus metrics: throughput, rejects, inserts, backlog.").
		WithVariable(dashboard.NewDatasourceVariableBuilder(promVar).Label("Prometheus").Type("prometheus").
			Current(option("ratescope Prometheus", PrometheusUID))).
		WithPanel(p.promStat("Time since last insert",
			"How long ago ClickHouse last accepted an insert. Rising while bytes are behind: the ingester is stalled.",
			promLastInsert, "s", steps("green", 120.0, "orange", 600.0, "red"))).
		WithPanel(p.promStat("Checkpoint age",
			"How long ago the checkpoint file last advanced: a restart re-reads at most what came since (and stores it once).",
			promCheckpoint, "s", steps("green", 120.0, "orange", 600.0, "red"))).
		WithPanel(p.promStat("Files waiting for a descriptor", "Matched files not followed for want of a file descriptor (raise ulimit -n).",
			promFilesWaiting, "short", steps("green", 1.0, "red"))).
		WithPanel(p.promTimeSeries("Bytes behind", "Bytes of the followed files not yet stored (size minus checkpointed offset).", "bytes", 12, 4,
			promQuery(promBytesBehind, "behind", "A"))).
		WithPanel(p.promTimeSeries("Lines per second", "Lines read by log format, and lines parsed into rows.", "short", 12, 8,
			promQuery(promLinesRead, "read {{format}}", "A"), promQuery(promLinesParsed, "parsed", "B"))).
		WithPanel(p.promTimeSeries("Rejected lines per second by reason", "Lines kept as dead letters instead (report rejected shows them).", "short", 12, 8,
			promQuery(promRejected, "{{reason}}", "A"))).
		WithPanel(p.promTimeSeries("Insert latency", "p50 and p99 of successful inserts, by table.", "s", 12, 8,
			promQuery(promInsertP50, "p50 {{table}}", "A"), promQuery(promInsertP99, "p99 {{table}}", "B"))).
		WithPanel(p.promTimeSeries("ClickHouse errors and slow inserts", "Failed operations by kind, and inserts unanswered after 10 s.", "short", 12, 8,
			promQuery(promErrors, "errors {{op}}", "A"), promQuery(promSlowInserts, "slow {{table}}", "B"))).
		WithPanel(p.promTimeSeries("Buffer fill", "Rows read and not yet stored, as a share of --max-buffer-rows: at 100 % reading stops.", "percentunit", 24, 6,
			promQuery(promBufferFill, "buffer", "A")).Max(1))
}
