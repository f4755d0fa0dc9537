//go:build chdb

package chconform

import (
	"slices"
	"testing"

	"github.com/ratescope/ratescope/internal/chquery"
)

// What ratescope says only on a cluster must be understood by a current
// release too: the setting every connection sends (insert_distributed_sync,
// an alias of distributed_foreground_insert since 23.x), GLOBAL NOT IN,
// and the partner map inlined as array literals. (The cluster itself is
// tested on 18.16 by e2e/cluster.)
func TestClusterSQLOnCurrent(t *testing.T) {
	ch := chDB(t)
	tb := chquery.Tables{Database: "x", Cluster: "main", Partners: &chquery.PartnerArrays{IDs: []string{"k-1", "o'b"}, Names: []string{"acme", "acme"}}}
	for _, tt := range []struct {
		sql  string
		want []string
	}{
		{"SELECT toUInt8(1) SETTINGS insert_distributed_sync = 1", []string{`["1"]`}},
		{"SELECT count() FROM numbers(10) WHERE number " + tb.NotIn() + " (SELECT number FROM numbers(4))", []string{`["6"]`}},
		{"SELECT count() FROM numbers(10) WHERE number " + tb.In() + " (SELECT number FROM numbers(4))", []string{`["4"]`}},
		{"SELECT " + tb.PartnerOf("p") + " FROM (SELECT arrayJoin(['k-1', 'o\\'b', 'acme', 'z']) AS p) ORDER BY p", []string{`["acme"]`, `["acme"]`, `["acme"]`, `["z"]`}},
	} {
		got, err := ch.rows(tt.sql)
		if err != nil {
			t.Errorf("%s: %v", tt.sql, err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.sql, got, tt.want)
		}
	}
}
