package cli

import (
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set at link time by the Makefile:
//
//	-ldflags "-X github.com/ratescope/ratescope/internal/cli.version=v0.3.0 -X github.com/ratescope/ratescope/internal/cli.commit=0437aec"
//
// When empty, the Go toolchain's build information fills them.
var (
	version string
	commit  string
)

// Version returns the binary's version and commit: the link-time values,
// else the module version and VCS revision the Go toolchain recorded
// ("devel" and "unknown" when there are none).
func Version() (v, c string) {
	v, c = version, commit
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		if c == "" {
			dirty := false
			for _, s := range info.Settings {
				switch s.Key {
				case "vcs.revision":
					c = s.Value
				case "vcs.modified":
					dirty = s.Value == "true"
				}
			}
			if len(c) > 12 {
				c = c[:12]
			}
			if c != "" && dirty {
				c += "-dirty"
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	if c == "" {
		c = "unknown"
	}
	return v, c
}

// AddVersion gives root a --version flag printing "NAME version V (commit C)".
func AddVersion(root *cobra.Command, name string) {
	v, c := Version()
	root.Version = v
	root.SetVersionTemplate(name + " version {{.Version}} (commit " + c + ")\n")
}
