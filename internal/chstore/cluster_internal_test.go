package chstore

import (
	"strings"
	"testing"
)

func TestDistributedRE(t *testing.T) {
	for engine, want := range map[string]string{
		"Distributed(ratescope, rs, requests_local, cityHash64(request_id))":     "ratescope",
		"Distributed('main', 'rs', 'requests_local', cityHash64(request_id))":    "main",
		"Distributed(`c_1`, `rs`, requests_local, cityHash64(request_id))":       "c_1",
		"ReplacingMergeTree PARTITION BY toYYYYMMDD(time) ORDER BY (request_id)": "",
		"": "",
	} {
		got := ""
		if m := distributedRE.FindStringSubmatch(engine); m != nil {
			got = m[1]
		}
		if got != want {
			t.Errorf("%q: cluster %q, want %q", engine, got, want)
		}
	}
}

func TestUseCluster(t *testing.T) {
	tests := []struct {
		name    string
		db      DB
		use     string
		want    string
		wantErr string
	}{
		{"new database", DB{Name: "rs"}, "main", "main", ""},
		{"no cluster asked", DB{Name: "rs", Cluster: "main"}, "", "main", ""},
		{"same cluster", DB{Name: "rs", Cluster: "main"}, "main", "main", ""},
		{"other cluster", DB{Name: "rs", Cluster: "main"}, "other", "main", "database rs is on cluster main, not other"},
		{"single node", DB{Name: "rs", singleNode: true}, "main", "", "database rs holds a single-node schema"},
		{"bad name", DB{Name: "rs"}, "a'b", "", `cluster name "a'b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := tt.db
			err := db.UseCluster(tt.use)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("UseCluster(%q) = %v, want error containing %q", tt.use, err, tt.wantErr)
			}
			if db.Cluster != tt.want {
				t.Fatalf("cluster %q, want %q", db.Cluster, tt.want)
			}
		})
	}
}
