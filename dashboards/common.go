//lint:file-ignore SA1019 classic dashboard JSON is what Grafana's file provisioning and import read (dashboardv2 is for the v2 API)

package main

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"github.com/ratescope/ratescope/internal/chquery"
)

// The provisioned datasources' uids (deploy/grafana/provisioning) and
// the database the compose stack's ingester writes; each is the default
// of a dashboard variable, so an imported dashboard can point elsewhere.
const (
	ClickHouseUID   = "ratescope-clickhouse"
	PrometheusUID   = "ratescope-prometheus"
	DefaultDatabase = "ratescope"
)

// The dashboards' variable names, and how panels refer to them.
const (
	dsVar    = "datasource"
	promVar  = "prometheus"
	dbVar    = "database"
	chDS     = "${" + dsVar + "}"
	promDS   = "${" + promVar + "}"
	dbRef    = "${" + dbVar + "}"
	tagValue = "ratescope"
)

// tables is where the panels read: the database variable's database, on
// a single node or a cluster alike (one JSON for both: GLOBAL IN, which a
// single node runs as IN).
var tables = chquery.Tables{Database: dbRef, Global: true}

// sqlOf writes a panel statement's text (its arguments as literals).
func sqlOf(s chquery.Statement) string {
	text, err := s.Text()
	if err != nil {
		panic(err) // the statements are the program's own: a bug
	}
	return text
}

func ptr[T any](v T) *T { return &v }

// option is a variable's current value.
func option(text, value string) dashboard.VariableOption {
	return dashboard.VariableOption{
		Text:  dashboard.StringOrArrayOfString{String: ptr(text)},
		Value: dashboard.StringOrArrayOfString{String: ptr(value)},
	}
}

// allOption is a multi-value variable set to All.
func allOption() dashboard.VariableOption {
	return dashboard.VariableOption{
		Text:  dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
		Value: dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}},
	}
}

// clickHouseVariables are every ClickHouse dashboard's variables: the
// datasource, the database, and the partner and route filters (names
// from the configuration's partner map; routes of the window).
func clickHouseVariables(d *dashboard.DashboardBuilder) *dashboard.DashboardBuilder {
	chRef := common.DataSourceRef{Type: ptr(ClickHouseType), Uid: ptr(chDS)}
	return d.
		WithVariable(dashboard.NewDatasourceVariableBuilder(dsVar).Label("ClickHouse").Type(ClickHouseType).
			Current(option("ratescope ClickHouse", ClickHouseUID))).
		WithVariable(dashboard.NewTextBoxVariableBuilder(dbVar).Label("Database").DefaultValue(dashboard.StringOrMap{String: ptr(DefaultDatabase)}).
			Current(option(DefaultDatabase, DefaultDatabase)).Description("The database ingest writes (the path of its --clickhouse URL).")).
		WithVariable(dashboard.NewQueryVariableBuilder(chquery.PartnerVar).Label("Partner").Datasource(chRef).
			Query(dashboard.StringOrMap{String: ptr(sqlOf(tables.VarPartners()))}).
			Definition(sqlOf(tables.VarPartners())).
			Multi(true).IncludeAll(true).Current(allOption()).Refresh(dashboard.VariableRefreshOnDashboardLoad).
			Sort(dashboard.VariableSortAlphabeticalAsc).
			Description("Partners by name, from ratescope.yaml (ingest syncs it into partner_map).")).
		WithVariable(dashboard.NewQueryVariableBuilder(chquery.RouteVar).Label("Route").Datasource(chRef).
			Query(dashboard.StringOrMap{String: ptr(sqlOf(tables.VarRoutes()))}).
			Definition(sqlOf(tables.VarRoutes())).
			Multi(true).IncludeAll(true).Current(allOption()).Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Sort(dashboard.VariableSortAlphabeticalAsc))
}

// panels numbers a dashboard's panels.
type panels struct{ next uint32 }

func (p *panels) id() uint32 {
	p.next++
	return p.next
}

func legend() *common.VizLegendOptionsBuilder {
	return common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom)
}

func tooltip() *common.VizTooltipOptionsBuilder {
	return common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending)
}

// chTimeSeries is a time series panel of a ClickHouse statement.
func (p *panels) chTimeSeries(title, desc string, s chquery.Statement, unit string, w, h uint32) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().Id(p.id()).Title(title).Description(desc).
		Datasource(common.DataSourceRef{Type: ptr(ClickHouseType), Uid: ptr(chDS)}).
		WithTarget(NewCHQuery(chDS, sqlOf(s), FormatTimeSeries)).
		Unit(unit).Legend(legend()).Tooltip(tooltip()).Span(w).Height(h).
		FillOpacity(10).LineWidth(1)
}

// stacked makes a time series panel stack its series.
func stacked(ts *timeseries.PanelBuilder) *timeseries.PanelBuilder {
	return ts.Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal)).FillOpacity(60)
}

// chTable is a table panel of a ClickHouse statement.
func (p *panels) chTable(title, desc string, s chquery.Statement, w, h uint32) *table.PanelBuilder {
	return table.NewPanelBuilder().Id(p.id()).Title(title).Description(desc).
		Datasource(common.DataSourceRef{Type: ptr(ClickHouseType), Uid: ptr(chDS)}).
		WithTarget(NewCHQuery(chDS, sqlOf(s), FormatTable)).
		Span(w).Height(h).ShowHeader(true).Filterable(true).
		Footer(common.NewTableFooterOptionsBuilder().Show(false).Reducer([]string{"sum"}))
}

// steps are thresholds: base color, then (value, color) pairs.
func steps(base string, more ...any) *dashboard.ThresholdsConfigBuilder {
	ss := []dashboard.Threshold{{Color: base}}
	for i := 0; i+1 < len(more); i += 2 {
		ss = append(ss, dashboard.Threshold{Value: ptr(more[i].(float64)), Color: more[i+1].(string)})
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(ss)
}

// chStat is a stat panel showing the column field of a one-row
// ClickHouse statement.
func (p *panels) chStat(title, desc string, s chquery.Statement, field, unit string, th *dashboard.ThresholdsConfigBuilder) *stat.PanelBuilder {
	return stat.NewPanelBuilder().Id(p.id()).Title(title).Description(desc).
		Datasource(common.DataSourceRef{Type: ptr(ClickHouseType), Uid: ptr(chDS)}).
		WithTarget(NewCHQuery(chDS, sqlOf(s), FormatTable)).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Values(false).Calcs([]string{"lastNotNull"}).Fields("/^" + field + "$/")).
		Unit(unit).Thresholds(th).ColorMode(common.BigValueColorModeValue).GraphMode(common.BigValueGraphModeNone).
		Span(4).Height(4)
}

// newDashboard starts a dashboard with ratescope's common settings.
func newDashboard(uid, title, desc string) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder(title).Uid(uid).Description(desc).Tags([]string{tagValue}).
		Time("now-6h", "now").Refresh("1m").Timezone("utc").Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Link(dashboard.NewDashboardLinkBuilder("ratescope").Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{tagValue}).AsDropdown(true).IncludeVars(true).KeepTime(true))
}
