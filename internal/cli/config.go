package cli

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/config"
)

// AddConfigFlag registers --config on cmd's persistent flags, bound to
// f.ConfigPath.
func AddConfigFlag(cmd *cobra.Command, f *Factory) {
	cmd.PersistentFlags().StringVar(&f.ConfigPath, "config", "",
		"configuration `FILE` (ratescope.yaml: partners, plans, route templates, field mappings)\n(default $"+config.EnvConfig+", else the first of ./ratescope.yaml,\n~/.config/ratescope/ratescope.yaml, /etc/ratescope/ratescope.yaml that exists)")
}

// Config returns the configuration, read on first use (config.Find): the
// --config file, else $RATESCOPE_CONFIG, else the first default location
// that exists, else an empty configuration. A file named by the flag or the
// variable must exist.
func (f *Factory) Config() (*config.Config, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cfg != nil {
		return f.cfg, nil
	}
	getenv := f.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	c, err := config.Find(f.ConfigPath, getenv)
	if err != nil {
		return nil, err
	}
	f.cfg = c
	return c, nil
}
