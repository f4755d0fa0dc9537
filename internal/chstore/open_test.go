package chstore_test

import (
	"strings"
	"testing"

	"github.com/ratescope/ratescope/internal/chstore"
)

func TestParseURL(t *testing.T) {
	ok := func(raw, wantDB, wantAddr string) {
		t.Helper()
		opts, db, err := chstore.ParseURL(raw)
		if err != nil {
			t.Fatalf("ParseURL(%q): %v", raw, err)
		}
		if db != wantDB || strings.Join(opts.Addr, ",") != wantAddr {
			t.Errorf("ParseURL(%q) = db %q addr %v, want %q %q", raw, db, opts.Addr, wantDB, wantAddr)
		}
	}
	ok("clickhouse://127.0.0.1:9000/ratescope", "ratescope", "127.0.0.1:9000")
	ok("clickhouse://ingest:pw@ch.internal:9440/gw_logs", "gw_logs", "ch.internal:9440")
	ok("clickhouse://127.0.0.1:9000", "ratescope", "127.0.0.1:9000")

	bad := func(raw, want string) {
		t.Helper()
		_, _, err := chstore.ParseURL(raw)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("ParseURL(%q) = %v, want an error containing %q", raw, err, want)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error %q shows the password", err)
		}
	}
	bad("clickhouse://u:s3cret@127.0.0.1:9000/bad-name", `database name "bad-name"`)
	bad("clickhouse://u:s3cret@127.0.0.1:9000/x;DROP", `must be letters, digits and underscores`)
	bad("clickhouse://u:s3cret@127.0.0.1:9000/db?dial_timeout=soon", "bad ClickHouse URL")
}
