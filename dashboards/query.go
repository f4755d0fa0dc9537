package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"

	"github.com/ratescope/ratescope/internal/chmacro"
)

// ClickHouseType is the Grafana ClickHouse plugin's datasource type.
const ClickHouseType = "grafana-clickhouse-datasource"

// The plugin's query formats and query types (its Format and QueryType).
const (
	FormatTimeSeries = 0
	FormatTable      = 1

	QueryTypeTimeSeries = "timeseries"
	QueryTypeTable      = "table"
)

// CHQuery is a panel target of the ClickHouse plugin (v4) in SQL mode.
// The SDK knows no ClickHouse query type: this is one, as the SDK's
// custom-query-type how-to describes. PluginVersion must be 4.0.0 or
// later, or the plugin rewrites the target as a v3 query when it loads.
type CHQuery struct {
	RefId         string                `json:"refId"`
	Hide          *bool                 `json:"hide,omitempty"`
	Datasource    *common.DataSourceRef `json:"datasource,omitempty"`
	PluginVersion string                `json:"pluginVersion"`
	EditorType    string                `json:"editorType"`
	QueryType     string                `json:"queryType"`
	Format        int                   `json:"format"`
	RawSql        string                `json:"rawSql"`
}

// ImplementsDataqueryVariant marks CHQuery as a dataquery.
func (q CHQuery) ImplementsDataqueryVariant() {}

// DataqueryType is the plugin's id.
func (q CHQuery) DataqueryType() string { return ClickHouseType }

// Equals compares every field.
func (q CHQuery) Equals(other variants.Dataquery) bool {
	o, ok := other.(CHQuery)
	if !ok {
		if p, isPtr := other.(*CHQuery); isPtr && p != nil {
			o, ok = *p, true
		}
	}
	if !ok {
		return false
	}
	if (q.Hide == nil) != (o.Hide == nil) || q.Hide != nil && *q.Hide != *o.Hide {
		return false
	}
	if (q.Datasource == nil) != (o.Datasource == nil) || q.Datasource != nil && !q.Datasource.Equals(*o.Datasource) {
		return false
	}
	return q.RefId == o.RefId && q.PluginVersion == o.PluginVersion && q.EditorType == o.EditorType &&
		q.QueryType == o.QueryType && q.Format == o.Format && q.RawSql == o.RawSql
}

// Validate checks what the plugin needs to run the target as written.
func (q CHQuery) Validate() error {
	var errs []error
	if q.RefId == "" {
		errs = append(errs, errors.New("refId is empty"))
	}
	if q.Datasource == nil || q.Datasource.Type == nil || *q.Datasource.Type != ClickHouseType {
		errs = append(errs, fmt.Errorf("datasource must be of type %s", ClickHouseType))
	}
	if major, _, _ := strings.Cut(q.PluginVersion, "."); major == "" || atoi(major) < 4 {
		errs = append(errs, fmt.Errorf("pluginVersion %q: want 4.0.0 or later", q.PluginVersion))
	}
	if q.EditorType != "sql" {
		errs = append(errs, fmt.Errorf("editorType %q: want sql", q.EditorType))
	}
	switch {
	case q.QueryType == QueryTypeTimeSeries && q.Format == FormatTimeSeries:
	case q.QueryType == QueryTypeTable && q.Format == FormatTable:
	default:
		errs = append(errs, fmt.Errorf("queryType %q with format %d: want timeseries/0 or table/1", q.QueryType, q.Format))
	}
	if strings.TrimSpace(q.RawSql) == "" {
		errs = append(errs, errors.New("rawSql is empty"))
	}
	return errors.Join(errs...)
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// CHQueryVariantConfig tells the SDK's runtime how to read CHQuery
// targets back from JSON (by their datasource type).
func CHQueryVariantConfig() variants.DataqueryConfig {
	unmarshal := func(raw []byte) (variants.Dataquery, error) {
		var q CHQuery
		if err := json.Unmarshal(raw, &q); err != nil {
			return nil, err
		}
		return q, nil
	}
	strict := func(raw []byte) (variants.Dataquery, error) {
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		var q CHQuery
		if err := dec.Decode(&q); err != nil {
			return nil, err
		}
		return q, nil
	}
	return variants.DataqueryConfig{Identifier: ClickHouseType, DataqueryUnmarshaler: unmarshal, StrictDataqueryUnmarshaler: strict}
}

var _ cog.Builder[variants.Dataquery] = (*CHQueryBuilder)(nil)

// CHQueryBuilder builds a CHQuery.
type CHQueryBuilder struct {
	q CHQuery
}

// NewCHQuery starts a SQL target of format (FormatTimeSeries or
// FormatTable) on the datasource uid (a variable reference is fine).
func NewCHQuery(uid, sql string, format int) *CHQueryBuilder {
	typ := ClickHouseType
	qt := QueryTypeTable
	if format == FormatTimeSeries {
		qt = QueryTypeTimeSeries
	}
	return &CHQueryBuilder{q: CHQuery{
		RefId: "A", Datasource: &common.DataSourceRef{Type: &typ, Uid: &uid}, PluginVersion: chmacro.PluginVersion,
		EditorType: "sql", QueryType: qt, Format: format, RawSql: sql,
	}}
}

// RefId sets the target's reference id.
func (b *CHQueryBuilder) RefId(id string) *CHQueryBuilder {
	b.q.RefId = id
	return b
}

// Build validates and returns the target.
func (b *CHQueryBuilder) Build() (variants.Dataquery, error) {
	if err := b.q.Validate(); err != nil {
		return CHQuery{}, err
	}
	return b.q, nil
}
