package config

import (
	"os"
	"path/filepath"
)

// EnvConfig names the environment variable holding the configuration
// file's path (the --config flag wins over it).
const EnvConfig = "RATESCOPE_CONFIG"

// FileName is the configuration file's name in the default locations.
const FileName = "ratescope.yaml"

// DefaultPaths are where the configuration is looked for when neither
// --config nor RATESCOPE_CONFIG names one, first found wins:
// ./ratescope.yaml, $XDG_CONFIG_HOME/ratescope/ratescope.yaml (default
// ~/.config/ratescope/ratescope.yaml), /etc/ratescope/ratescope.yaml.
func DefaultPaths() []string {
	paths := []string{FileName}
	if dir, err := os.UserConfigDir(); err == nil {
		paths = append(paths, filepath.Join(dir, "ratescope", FileName))
	}
	return append(paths, filepath.Join("/etc/ratescope", FileName))
}

// Locate returns the configuration file to read: flag when set, else
// $RATESCOPE_CONFIG when set (either must exist: Load says so when not),
// else the first default path that exists, else "" (no configuration).
func Locate(flag string, getenv func(string) string) string {
	if flag != "" {
		return flag
	}
	if env := getenv(EnvConfig); env != "" {
		return env
	}
	for _, p := range DefaultPaths() {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

// Find locates and loads the configuration; with none to be found it
// returns an empty Config (File "").
func Find(flag string, getenv func(string) string) (*Config, error) {
	path := Locate(flag, getenv)
	if path == "" {
		return &Config{}, nil
	}
	return Load(path)
}
