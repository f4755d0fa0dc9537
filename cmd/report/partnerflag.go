package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/cli"
)

// checkPartnerFlag refuses an explicit empty --partner: left out, the flag
// means every partner, and `--partner ""` (an unset shell variable, say)
// must not quietly mean the same.
func checkPartnerFlag(cmd *cobra.Command, partner string) error {
	if cmd.Flags().Changed("partner") && strings.TrimSpace(partner) == "" {
		return cli.UsageErrorf("--partner is empty: name a partner, or leave the flag out for all of them")
	}
	return nil
}
