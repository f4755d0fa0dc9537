package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/cli"
)

// newHealthcheckCmd returns `ingest healthcheck`: a container health check
// for images without curl (the distroless image), asking a running
// daemon's /healthz (or /readyz) over HTTP.
func newHealthcheckCmd(f *cli.Factory) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "healthcheck [URL]",
		Short: "Ask a running daemon whether it is healthy (exit 0) or not (exit 1)",
		Long: `Ask a running 'ingest --follow' daemon whether it is healthy: GET URL
(default http://127.0.0.1:9464/healthz; use /readyz to also require
ClickHouse to answer with the schema) and exit 0 on 200, 1 otherwise, with
one line saying why. Made for container health checks.`,
		Example: `  ingest healthcheck
  ingest healthcheck http://127.0.0.1:9464/readyz`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			url := "http://127.0.0.1:9464/healthz"
			if len(args) == 1 {
				url = args[0]
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return cli.UsageErrorf("bad URL %q: %v", url, err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("health check %s: %w", url, err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			msg := strings.TrimSpace(string(body))
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("health check %s: %s: %s", url, resp.Status, msg)
			}
			fmt.Fprintln(f.IOStreams.Out, msg)
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "give up after this long")
	return cmd
}
