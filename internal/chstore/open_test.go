package chstore_test

import (
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
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

func TestParseURLCompression(t *testing.T) {
	for _, c := range []struct {
		url  string
		want clickhouse.CompressionMethod // CompressionNone: no compression
	}{
		// auto, the default: none on loopback, lz4 across a network.
		{"clickhouse://127.0.0.1:9000/db", clickhouse.CompressionNone},
		{"clickhouse://localhost:9000/db", clickhouse.CompressionNone},
		{"clickhouse://[::1]:9000/db", clickhouse.CompressionNone},
		{"clickhouse://127.0.0.2:9000,127.0.0.3:9000/db?compress=auto", clickhouse.CompressionNone},
		{"clickhouse://ch.internal:9000/db", clickhouse.CompressionLZ4},
		{"clickhouse://10.0.0.5:9000/db", clickhouse.CompressionLZ4},
		{"clickhouse://127.0.0.1:9000,ch2:9000/db", clickhouse.CompressionLZ4},
		{"clickhouse://127.0.0.1:9000/db?compress=lz4", clickhouse.CompressionLZ4},
		{"clickhouse://127.0.0.1:9000/db?compress=true", clickhouse.CompressionLZ4},
		{"clickhouse://ch.internal:9000/db?compress=none", clickhouse.CompressionNone},
		{"clickhouse://ch.internal:9000/db?compress=false", clickhouse.CompressionNone},
		{"clickhouse://127.0.0.1:9000/db?compress=zstd", clickhouse.CompressionZSTD},
		{"clickhouse://127.0.0.1:9000/db?compress=zstd&compress_level=3", clickhouse.CompressionZSTD},
	} {
		opts, _, err := chstore.ParseURL(c.url)
		if err != nil {
			t.Fatalf("ParseURL(%q): %v", c.url, err)
		}
		got := clickhouse.CompressionNone
		if opts.Compression != nil {
			got = opts.Compression.Method
		}
		if got != c.want {
			t.Errorf("ParseURL(%q): compression %v, want %v", c.url, got, c.want)
		}
	}
	for _, q := range []string{"?compress=lz5", "?compress=", "?compress=gzip"} {
		_, _, err := chstore.ParseURL("clickhouse://u:s3cret@127.0.0.1:9000/db" + q)
		if err == nil || !strings.Contains(err.Error(), "want auto, none, lz4 or zstd") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ParseURL(%q) = %v, want a compress error without the password", q, err)
		}
	}
}
