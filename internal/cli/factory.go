package cli

import (
	"context"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/config"
)

// Factory hands commands what they need, built lazily: a command that never
// queries never dials ClickHouse. It is made once per process by NewFactory;
// Main closes what it opened when the command returns.
type Factory struct {
	IOStreams *IOStreams

	// ClickHouseURL is the --clickhouse flag's value; empty means
	// chstore.URLFromEnv().
	ClickHouseURL string

	// ConfigPath is the --config flag's value; empty: $RATESCOPE_CONFIG,
	// else the default locations (Config).
	ConfigPath string
	// Cluster is the ClickHouse cluster a new schema is created on
	// (`ingest migrate --cluster`, or the configuration's cluster:); ""
	// leaves it to the database (chstore.DB.UseCluster).
	Cluster string

	// Getenv reads the environment; nil: os.Getenv.
	Getenv func(string) string

	// Now is the clock commands read (the default end of report windows).
	Now func() time.Time

	open func(ctx context.Context, url string) (*chstore.DB, error)

	mu  sync.Mutex
	db  *chstore.DB
	cfg *config.Config
}

// NewFactory returns a Factory printing to ios and connecting with
// chstore.Open.
func NewFactory(ios *IOStreams) *Factory {
	return &Factory{IOStreams: ios, Now: time.Now, open: chstore.Open}
}

// AddClickHouseFlag registers --clickhouse on cmd's persistent flags (so
// every subcommand takes it), bound to f.ClickHouseURL. The default is shown
// as its source, not its value, so a password in $RATESCOPE_CLICKHOUSE never
// shows up in --help.
func AddClickHouseFlag(cmd *cobra.Command, f *Factory) {
	cmd.PersistentFlags().StringVar(&f.ClickHouseURL, "clickhouse", "",
		"ClickHouse `URL`: clickhouse://[user[:password]@]host:port/database[?compress=auto|none|lz4|zstd]\n(default $"+chstore.EnvURL+", else "+chstore.DefaultURL+")")
}

// URL returns the ClickHouse URL commands connect to.
func (f *Factory) URL() string {
	if f.ClickHouseURL != "" {
		return f.ClickHouseURL
	}
	return chstore.URLFromEnv()
}

// DB returns the ClickHouse connection, opening it on first use. A failed
// open is not remembered: the next call tries again. The connection lives
// until Close, which Main calls when the command returns if ctx is (or
// derives from) the command's context; otherwise the caller calls Close.
func (f *Factory) DB(ctx context.Context) (*chstore.DB, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.db != nil {
		return f.db, nil
	}
	db, err := f.open(ctx, f.URL())
	if err != nil {
		return nil, err
	}
	if err := db.UseCluster(f.Cluster); err != nil {
		_ = db.Close()
		return nil, err
	}
	f.db = db
	closeWhenDone(ctx, f.Close)
	return db, nil
}

// Close closes the connection if DB ever opened one. It is safe to call more
// than once.
func (f *Factory) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.db == nil {
		return nil
	}
	err := f.db.Close()
	f.db = nil
	return err
}
