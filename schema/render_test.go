package schema

import (
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	const text = "CREATE TABLE IF NOT EXISTS {{.DB}}.requests {{.OnCluster}} (x UInt8)\n" +
		`ENGINE = {{engine "requests" "ReplacingMergeTree()"}} ORDER BY x;`
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{
			name: "single node",
			opts: Options{Database: "rs"},
			want: "CREATE TABLE IF NOT EXISTS `rs`.requests  (x UInt8)\n" +
				"ENGINE = ReplacingMergeTree() ORDER BY x;",
		},
		{
			name: "cluster",
			opts: Options{Database: "rs", Cluster: "main"},
			want: "CREATE TABLE IF NOT EXISTS `rs`.requests ON CLUSTER `main` (x UInt8)\n" +
				"ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/rs/requests', '{shard}-{replica}') ORDER BY x;",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := render("t.sql", text, tt.opts, map[string]string{})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("render:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name, text string
		opts       Options
		wantErr    string
	}{
		{"unknown placeholder", "SELECT {{.Nope}};", Options{Database: "rs"}, "render migration t.sql"},
		{"unknown function", `{{cluster "x"}}`, Options{Database: "rs"}, "parse migration t.sql"},
		{"bad database", "SELECT 1;", Options{Database: "rs; DROP"}, `database name "rs; DROP"`},
		{"empty database", "SELECT 1;", Options{}, `database name ""`},
		{"bad cluster", "SELECT 1;", Options{Database: "rs", Cluster: "a b"}, `cluster name "a b"`},
		{"engine not MergeTree", `{{engine "t" "Memory"}}`, Options{Database: "rs"}, `"Memory" is not a MergeTree-family engine`},
		{"engine bad table", `{{engine "t-1" "MergeTree()"}}`, Options{Database: "rs"}, `table name "t-1"`},
		{"two sharding keys", `{{engine "t" "MergeTree()" "a" "b"}}`, Options{Database: "rs"}, "one sharding key at most"},
		{"quoted sharding key", `{{engine "t" "MergeTree()" "x'"}}`, Options{Database: "rs"}, "must be a plain expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := render("t.sql", tt.text, tt.opts, map[string]string{})
			if err == nil {
				t.Fatalf("render = %q, want error containing %q", got, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestTableEngine(t *testing.T) {
	f := func(cluster, engine, want string) {
		t.Helper()
		got, err := tableEngine(Options{Database: "rs", Cluster: cluster}, "t", engine, "")
		if err != nil {
			t.Fatalf("tableEngine(%q, %q): %v", cluster, engine, err)
		}
		if got != want {
			t.Fatalf("tableEngine(%q, %q) = %q, want %q", cluster, engine, got, want)
		}
	}
	f("", "MergeTree()", "MergeTree()")
	f("", " ReplacingMergeTree(ver) ", "ReplacingMergeTree(ver)")
	f("", "SummingMergeTree((a, b))", "SummingMergeTree((a, b))")
	f("c", "MergeTree()", "ReplicatedMergeTree('/clickhouse/tables/all/rs/t', '{shard}-{replica}')")
	f("c", "ReplacingMergeTree(ver)", "ReplicatedReplacingMergeTree('/clickhouse/tables/all/rs/t', '{shard}-{replica}', ver)")
	f("c", "AggregatingMergeTree( )", "ReplicatedAggregatingMergeTree('/clickhouse/tables/all/rs/t', '{shard}-{replica}')")
	sharded, err := tableEngine(Options{Database: "rs", Cluster: "c"}, "t", "ReplacingMergeTree(ver)", "cityHash64(id)")
	if want := "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/rs/t_local', '{replica}', ver)"; err != nil || sharded != want {
		t.Fatalf("sharded engine = %q, %v; want %q", sharded, err, want)
	}
	single, err := tableEngine(Options{Database: "rs"}, "t", "ReplacingMergeTree(ver)", "cityHash64(id)")
	if err != nil || single != "ReplacingMergeTree(ver)" {
		t.Fatalf("sharded engine on a single node = %q, %v", single, err)
	}
}
