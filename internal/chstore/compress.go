package chstore

import (
	"fmt"
	"net"
	"net/url"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Block compression, the URL's compress= parameter:
//   - auto (the default): none when every address is a loopback one (a
//     server on the same machine), else lz4;
//   - lz4: about a quarter of the bytes on the wire for ingester CPU — what a
//     server across a network wants;
//   - none: no compression: on loopback it cut the ingester's CPU per
//     inserted row by about a quarter (BenchmarkInsertRequests);
//   - zstd: about an eighth of the bytes, for more CPU: for slow links.
const DefaultCompression = "auto"

// compressions are the compress= values a URL may give, as the driver's
// methods; "false" and "true" are the driver's own spellings of none and
// lz4.
var compressions = map[string]clickhouse.CompressionMethod{
	"none": clickhouse.CompressionNone, "false": clickhouse.CompressionNone,
	"lz4": clickhouse.CompressionLZ4, "true": clickhouse.CompressionLZ4,
	"zstd": clickhouse.CompressionZSTD,
}

// setCompression sets opts' block compression from rawURL's compress
// parameter, or DefaultCompression when it has none. The driver ignores a
// value it does not know; ratescope refuses it, so a typo cannot quietly
// change what is sent.
func setCompression(opts *clickhouse.Options, rawURL string) error {
	name := DefaultCompression
	if u, err := url.Parse(rawURL); err == nil && u.Query().Has("compress") {
		name = u.Query().Get("compress")
	}
	if name == "auto" {
		name = "lz4"
		if allLoopback(opts.Addr) {
			name = "none"
		}
	}
	method, ok := compressions[name]
	if !ok {
		return fmt.Errorf("compress=%s: want auto, none, lz4 or zstd", name)
	}
	if method == clickhouse.CompressionNone {
		opts.Compression = nil
		return nil
	}
	level := 0
	if opts.Compression != nil {
		level = opts.Compression.Level // compress_level=
	}
	opts.Compression = &clickhouse.Compression{Method: method, Level: level}
	return nil
}

// allLoopback reports whether every address (host:port) names this
// machine's loopback interface: localhost, 127.0.0.0/8 or ::1.
func allLoopback(addrs []string) bool {
	if len(addrs) == 0 {
		return false
	}
	for _, a := range addrs {
		host, _, err := net.SplitHostPort(a)
		if err != nil {
			host = a
		}
		if host == "localhost" {
			continue
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return false
		}
	}
	return true
}
