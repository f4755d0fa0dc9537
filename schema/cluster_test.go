package schema

import (
	"strings"
	"testing"
)

// The embedded migrations, rendered for a cluster, shard the large tables
// behind Distributed tables and replicate the others on every server; on a
// single node they render exactly as if there were no cluster hooks.
func TestMigrationsCluster(t *testing.T) {
	migs, err := Migrations(Options{Database: "rs", Cluster: "main"})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, m := range migs {
		all = append(all, m.Statements...)
	}
	find := func(prefix string) string {
		t.Helper()
		for _, s := range all {
			if strings.HasPrefix(s, prefix) {
				return s
			}
		}
		t.Fatalf("no statement starts with %q", prefix)
		return ""
	}
	tests := []struct{ prefix, want string }{
		{"CREATE TABLE IF NOT EXISTS `rs`.requests_local ON CLUSTER `main`", "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/rs/requests_local', '{replica}')"},
		{"CREATE TABLE IF NOT EXISTS `rs`.requests ON CLUSTER `main`", "ENGINE = Distributed(`main`, `rs`, requests_local, cityHash64(request_id))"},
		{"CREATE TABLE IF NOT EXISTS `rs`.requests ON CLUSTER `main`", "rid                UInt64 ALIAS cityHash64(request_id),"},
		{"CREATE TABLE IF NOT EXISTS `rs`.requests_local ON CLUSTER `main`", "rid                UInt64 MATERIALIZED cityHash64(request_id),"},
		{"CREATE TABLE IF NOT EXISTS `rs`.rejected ON CLUSTER `main`", "ENGINE = Distributed(`main`, `rs`, rejected_local, cityHash64(source, offset))"},
		{"CREATE TABLE IF NOT EXISTS `rs`.requests_1h ON CLUSTER `main`", "ReplicatedMergeTree('/clickhouse/tables/all/rs/requests_1h', '{shard}-{replica}')"},
		{"CREATE TABLE IF NOT EXISTS `rs`.storm_findings ON CLUSTER `main`", "ReplicatedReplacingMergeTree('/clickhouse/tables/all/rs/storm_findings', '{shard}-{replica}', attempts)"},
		{"INSERT INTO `rs`.partner_map", "SELECT"},
	}
	for _, tt := range tests {
		if s := find(tt.prefix); !strings.Contains(s, tt.want) {
			t.Errorf("%s…:\n%s\nwant it to contain %s", tt.prefix, s, tt.want)
		}
	}
	// The Distributed table follows its local table.
	for i, s := range all {
		if strings.HasPrefix(s, "CREATE TABLE IF NOT EXISTS `rs`.requests ON CLUSTER") {
			if !strings.HasPrefix(all[i-1], "CREATE TABLE IF NOT EXISTS `rs`.requests_local ") {
				t.Errorf("Distributed requests created before its local table: %q", all[i-1])
			}
		}
	}

	single, err := Migrations(Options{Database: "rs"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range single {
		for _, s := range m.Statements {
			if strings.Contains(s, "_local") || strings.Contains(s, "Distributed") || strings.Contains(s, "Replicated") || strings.Contains(s, "CLUSTER") {
				t.Errorf("single-node statement mentions the cluster layout: %s", s)
			}
		}
	}
}

// A later migration's ALTER of a sharded table alters the local table and
// the Distributed one; INSERTs and other tables are left alone.
func TestShardStatements(t *testing.T) {
	opts := Options{Database: "rs", Cluster: "c"}
	shards := map[string]string{"requests": "cityHash64(request_id)"}
	got := shardStatements([]string{
		"ALTER TABLE `rs`.requests ON CLUSTER `c` ADD COLUMN IF NOT EXISTS x UInt8",
		"ALTER TABLE `rs`.requests_1h ON CLUSTER `c` ADD COLUMN y UInt8",
		"INSERT INTO `rs`.requests (x) SELECT 1",
		"create table if not exists `rs`.requests ON CLUSTER `c` (x UInt8) ENGINE = E",
		"CREATE TABLE `rs`.requests (s String DEFAULT ')', h UInt64 MATERIALIZED cityHash64(s)) ENGINE = E",
	}, opts, shards)
	want := []string{
		"ALTER TABLE `rs`.requests_local ON CLUSTER `c` ADD COLUMN IF NOT EXISTS x UInt8",
		"ALTER TABLE `rs`.requests ON CLUSTER `c` ADD COLUMN IF NOT EXISTS x UInt8",
		"ALTER TABLE `rs`.requests_1h ON CLUSTER `c` ADD COLUMN y UInt8",
		"INSERT INTO `rs`.requests (x) SELECT 1",
		"create table if not exists `rs`.requests_local ON CLUSTER `c` (x UInt8) ENGINE = E",
		"CREATE TABLE IF NOT EXISTS `rs`.requests ON CLUSTER `c` (x UInt8)\nENGINE = Distributed(`c`, `rs`, requests_local, cityHash64(request_id))",
		"CREATE TABLE `rs`.requests_local (s String DEFAULT ')', h UInt64 MATERIALIZED cityHash64(s)) ENGINE = E",
		"CREATE TABLE IF NOT EXISTS `rs`.requests ON CLUSTER `c` (s String DEFAULT ')', h UInt64 ALIAS cityHash64(s))\nENGINE = Distributed(`c`, `rs`, requests_local, cityHash64(request_id))",
	}
	if strings.Join(got, "\n;\n") != strings.Join(want, "\n;\n") {
		t.Fatalf("shardStatements:\n got %q\nwant %q", got, want)
	}
	if s := shardStatements(want[:1], Options{Database: "rs"}, shards); s[0] != want[0] || len(s) != 1 {
		t.Fatalf("single node rewrote %q", s)
	}
}
