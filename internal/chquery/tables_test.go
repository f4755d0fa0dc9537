package chquery

import (
	"strings"
	"testing"
	"time"
)

func TestTablesOnACluster(t *testing.T) {
	single := Tables{Database: "rs"}
	cluster := Tables{Database: "rs", Cluster: "main", Partners: &PartnerArrays{IDs: []string{"k-1", "o'brien"}, Names: []string{"acme", "acme"}}}
	tests := []struct{ name, single, cluster string }{
		{"In", single.In(), cluster.In()},
		{"NotIn", single.NotIn(), cluster.NotIn()},
		{"Parts", single.Parts(), cluster.Parts()},
		{"StoredName requests", single.StoredName("requests"), cluster.StoredName("requests")},
		{"StoredName requests_1h", single.StoredName("requests_1h"), cluster.StoredName("requests_1h")},
		{"Requests", single.Requests(), cluster.Requests()},
		{"Partner", single.Partner(), cluster.Partner()},
	}
	want := map[string][2]string{
		"In":                     {"IN", "GLOBAL IN"},
		"NotIn":                  {"NOT IN", "GLOBAL NOT IN"},
		"Parts":                  {"system.parts", "cluster('main', system, parts)"},
		"StoredName requests":    {"requests", "requests_local"},
		"StoredName requests_1h": {"requests_1h", "requests_1h"},
		"Requests":               {"`rs`.requests", "`rs`.requests"},
		"Partner":                {single.Partner(), `transform(partner, ['', 'k-1', 'o\'brien'], ['', 'acme', 'acme'], partner)`},
	}
	for _, tt := range tests {
		w := want[tt.name]
		if tt.single != w[0] || tt.cluster != w[1] {
			t.Errorf("%s: single %q, cluster %q; want %q, %q", tt.name, tt.single, tt.cluster, w[0], w[1])
		}
	}
	if !strings.Contains(single.Partner(), "(SELECT ids FROM `rs`.partner_map ORDER BY version DESC LIMIT 1)") {
		t.Errorf("single-node partner does not read the map: %s", single.Partner())
	}
	// Global: GLOBAL whatever the cluster (the dashboards' one SQL for both).
	global := Tables{Database: "rs", Global: true}
	if global.In() != "GLOBAL IN" || global.NotIn() != "GLOBAL NOT IN" || global.Parts() != "system.parts" || global.StoredName("requests") != "requests" {
		t.Errorf("Global tables: %q, %q, %q, %q", global.In(), global.NotIn(), global.Parts(), global.StoredName("requests"))
	}
	// Every read statement of a cluster names its subqueries GLOBAL.
	s := cluster.RollupLinked([]uint32{20261120}, time.Unix(0, 0))
	if !strings.Contains(s.SQL, "rid GLOBAL IN (SELECT rid FROM `rs`.requests") {
		t.Errorf("rollup.linked on a cluster: %s", s.SQL)
	}
}
