// Package chstore is ratescope's ClickHouse storage: connecting, the schema
// and its migrations, columnar batches of requests and rejected lines, and
// inserting them.
//
// Every statement sticks to SQL that both Debian's ClickHouse 18.16 and
// current releases accept. Table names are always qualified with the
// database, so one connection serves migrations (which may create the
// database) and queries alike.
package chstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// EnvURL names the environment variable that gives the default --clickhouse URL.
const EnvURL = "RATESCOPE_CLICKHOUSE"

// DefaultURL is used when neither --clickhouse nor RATESCOPE_CLICKHOUSE is set.
const DefaultURL = "clickhouse://127.0.0.1:9000/ratescope"

// URLFromEnv returns $RATESCOPE_CLICKHOUSE, or DefaultURL when it is unset.
func URLFromEnv() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// DB is an open connection and the database ratescope's tables live in.
type DB struct {
	Conn driver.Conn
	// Name is the database, already validated as a plain identifier, so it
	// can be spliced into SQL as a table qualifier.
	Name string
	Addr string
	// Cluster is the ClickHouse cluster the schema is on ("" on a single
	// node): found by Open from the schema, or set by UseCluster before
	// the first Migrate. Writes through its Distributed tables are
	// synchronous (insert_distributed_sync).
	Cluster string
	// singleNode: the schema exists and is not on a cluster.
	singleNode bool
	// partners: on a cluster, the latest partner map (LatestPartners).
	partners *clusterPartners
	// blockRows: rows per block of an insert; 0 is insertBlockRows.
	blockRows int
}

// Table returns the qualified name of one of ratescope's tables.
func (db *DB) Table(name string) string { return "`" + db.Name + "`." + name }

// Close closes the connection.
func (db *DB) Close() error { return db.Conn.Close() }

// ParseURL checks a ClickHouse URL
// (clickhouse://[user[:password]@]host:port/database[?compress=…], see
// setCompression) without connecting,
// and returns the driver's options and the database (default "ratescope").
// Its error is one line a user can act on, with any password hidden.
func ParseURL(rawURL string) (*clickhouse.Options, string, error) {
	opts, err := clickhouse.ParseDSN(rawURL)
	if err != nil {
		return nil, "", fmt.Errorf("bad ClickHouse URL %q: %v; want clickhouse://[user[:password]@]host:port/database, e.g. %s", redactURL(rawURL), err, DefaultURL)
	}
	if err := setCompression(opts, rawURL); err != nil {
		return nil, "", fmt.Errorf("bad ClickHouse URL %q: %v", redactURL(rawURL), err)
	}
	dbName := opts.Auth.Database
	if dbName == "" {
		dbName = "ratescope"
	}
	if !identRE.MatchString(dbName) {
		return nil, "", fmt.Errorf("bad ClickHouse URL %q: database name %q must be letters, digits and underscores", redactURL(rawURL), dbName)
	}
	return opts, dbName, nil
}

// Open connects to the ClickHouse named by rawURL (see ParseURL) over the
// native protocol and checks that it answers. The database need not exist
// yet. Errors are one line a user can act on.
func Open(ctx context.Context, rawURL string) (*DB, error) {
	opts, dbName, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	// Connect to "default": the database may not exist before migrate.
	opts.Auth.Database = "default"
	if opts.DialTimeout == 0 || opts.DialTimeout > 5*time.Second {
		opts.DialTimeout = 5 * time.Second
	}
	// On a cluster, an insert into a Distributed table returns once every
	// shard stored its rows, so a batch acknowledged (and checkpointed) is
	// on disk, never in a queue of the server that received it. A single
	// node ignores the setting.
	if opts.Settings == nil {
		opts.Settings = clickhouse.Settings{}
	}
	opts.Settings["insert_distributed_sync"] = 1
	addr := strings.Join(opts.Addr, ",")
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to ClickHouse at %s: %w", addr, err)
	}
	db := &DB{Conn: conn, Name: dbName, Addr: addr}
	if err := conn.Ping(ctx); err != nil {
		_ = conn.Close()
		return nil, describeConnError(addr, opts.Auth.Username, err)
	}
	l, err := readLayout(ctx, db)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	db.Cluster, db.singleNode = l.cluster, l.requests && l.cluster == ""
	if l.cluster != "" && l.partnerMap {
		if err := db.loadPartners(ctx); err != nil {
			_ = conn.Close()
			return nil, err
		}
	}
	return db, nil
}

// describeConnError turns a failed ping into one line a user can act on.
// The driver's error stays reachable (errors.As, IsPermanent).
func describeConnError(addr, user string, err error) error {
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		switch ex.Code {
		case 516, 192, 193, 194: // AUTHENTICATION_FAILED, UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD
			if user == "" {
				user = "default"
			}
			return &connError{fmt.Sprintf("ClickHouse at %s rejected user %q: wrong user name or password (code %d)", addr, user, ex.Code), err}
		}
		return &connError{fmt.Sprintf("ClickHouse at %s: %s (code %d)", addr, ex.Message, ex.Code), err}
	}
	hint := fmt.Sprintf("is the server running? set --clickhouse or %s", EnvURL)
	if httpPort(addr) {
		hint = "port " + addr[strings.LastIndexByte(addr, ':')+1:] + " is ClickHouse's HTTP port; ratescope speaks the native protocol, by default on port 9000 (9440 with TLS): e.g. clickhouse://127.0.0.1:9000/ratescope"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) || errors.Is(err, context.DeadlineExceeded) {
		return &connError{fmt.Sprintf("cannot reach ClickHouse at %s: %v (%s)", addr, err, hint), err}
	}
	return &connError{fmt.Sprintf("cannot reach ClickHouse at %s: %v (%s)", addr, err, hint), err}
}

// httpPort reports whether addr's port is one of ClickHouse's HTTP ports.
func httpPort(addr string) bool {
	for _, a := range strings.Split(addr, ",") {
		if strings.HasSuffix(a, ":8123") || strings.HasSuffix(a, ":8443") {
			return true
		}
	}
	return false
}

// redactURL hides a password in a URL meant for an error message.
func redactURL(raw string) string {
	at := strings.LastIndexByte(raw, '@')
	scheme := strings.Index(raw, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return raw
	}
	creds := raw[scheme+3 : at]
	if i := strings.IndexByte(creds, ':'); i >= 0 {
		return raw[:scheme+3] + creds[:i] + ":***" + raw[at:]
	}
	return raw
}
