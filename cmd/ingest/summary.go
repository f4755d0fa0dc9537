package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ratescope/ratescope/internal/cli"
	"github.com/ratescope/ratescope/internal/ingest"
)

// printStats writes the load's summary: totals, the time range of the
// requests loaded, then one row per file (paths as given).
func printStats(w io.Writer, st ingest.Stats, took time.Duration) {
	t := st.Total
	for _, fs := range st.Files {
		if fs.Skipped != "" {
			fmt.Fprintf(w, "skipped %s: %s\n", fs.Given, fs.Skipped)
		}
	}
	if t.Lines == 0 {
		return
	}
	rate := float64(t.Lines) / took.Seconds()
	fmt.Fprintf(w, "loaded %d lines (%s) from %d file(s) in %s: %.0f lines/s\n",
		t.Lines, humanBytes(t.Bytes), loadedFiles(st), took.Round(time.Millisecond), rate)
	fmt.Fprintf(w, "  %d access records, %d error bodies, %d rejected%s\n",
		t.Access, t.ErrorBodies, t.Rejected, reasons(t.Reasons))
	if t.FirstMs != 0 {
		fmt.Fprintf(w, "  requests from %s to %s\n", humanTime(t.FirstMs), humanTime(t.LastMs))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  FILE\tFORMAT\tLINES\tACCESS\tBODIES\tREJECTED")
	for _, fs := range st.Files {
		if fs.Skipped != "" {
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%d\t%d\n", fs.Given, fs.Format, fs.Lines, fs.Access, fs.ErrorBodies, fs.Rejected)
	}
	_ = tw.Flush()
}

func loadedFiles(st ingest.Stats) int {
	n := 0
	for _, fs := range st.Files {
		if fs.Skipped == "" {
			n++
		}
	}
	return n
}

// printWindowWarning tells, on w, when the requests loaded lie (partly)
// outside the window reports look at by default, and what to pass instead.
func printWindowWarning(w io.Writer, st ingest.Stats, now time.Time) {
	if msg := windowWarning(st.Total.FirstMs, st.Total.LastMs, now); msg != "" {
		fmt.Fprintln(w, "ingest: "+msg)
	}
}

// windowWarning is the warning of printWindowWarning, or "".
func windowWarning(firstMs, lastMs int64, now time.Time) string {
	if firstMs == 0 {
		return ""
	}
	first, last := time.UnixMilli(firstMs).UTC(), time.UnixMilli(lastMs).UTC()
	from := now.Add(-cli.DefaultSince)
	if !first.Before(from) && !last.After(now) {
		return ""
	}
	days := int(now.Sub(first).Hours()/24) + 1
	window := fmt.Sprintf("--from %s --to %s", first.Format("2006-01-02"), last.Format("2006-01-02"))
	switch {
	case last.After(now):
		return fmt.Sprintf("note: some requests are in the future (up to %s); reports end now by default: pass %s", humanTime(lastMs), window)
	case last.Before(from):
		return fmt.Sprintf("note: the requests loaded (%s to %s) are older than the reports' default window, the last 24h: pass %s (or --since %dd) to report", humanTime(firstMs), humanTime(lastMs), window, days)
	}
	return fmt.Sprintf("note: requests loaded from %s on are older than the reports' default window, the last 24h: pass --since %dd to report them all", humanTime(firstMs), days)
}

func humanTime(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05 UTC") }

// loadJSON is the `ingest -o json` contract: the load's totals and one
// object per file.
type loadJSON struct {
	Lines       uint64            `json:"lines"`
	Bytes       int64             `json:"bytes"`
	Access      uint64            `json:"access"`
	ErrorBodies uint64            `json:"error_bodies"`
	Rejected    uint64            `json:"rejected"`
	Reasons     map[string]uint64 `json:"reasons"`
	First       *time.Time        `json:"first"`
	Last        *time.Time        `json:"last"`
	Seconds     float64           `json:"seconds"`
	Files       []fileJSON        `json:"files"`
}

type fileJSON struct {
	Path        string            `json:"path"`
	Source      string            `json:"source"`
	Format      string            `json:"format"`
	Lines       uint64            `json:"lines"`
	Access      uint64            `json:"access"`
	ErrorBodies uint64            `json:"error_bodies"`
	Rejected    uint64            `json:"rejected"`
	Reasons     map[string]uint64 `json:"reasons"`
	Skipped     string            `json:"skipped,omitempty"`
	UnknownKeys []string          `json:"unknown_keys,omitempty"`
}

func writeLoadJSON(w io.Writer, st ingest.Stats, took time.Duration) error {
	t := st.Total
	out := loadJSON{Lines: t.Lines, Bytes: t.Bytes, Access: t.Access, ErrorBodies: t.ErrorBodies, Rejected: t.Rejected,
		Reasons: nonNil(t.Reasons), Seconds: took.Seconds(), Files: []fileJSON{}}
	if t.FirstMs != 0 {
		first, last := time.UnixMilli(t.FirstMs).UTC(), time.UnixMilli(t.LastMs).UTC()
		out.First, out.Last = &first, &last
	}
	for _, fs := range st.Files {
		format := fs.Format.String()
		if fs.Skipped != "" {
			format = ""
		}
		out.Files = append(out.Files, fileJSON{Path: fs.Given, Source: fs.Name, Format: format, Lines: fs.Lines, Access: fs.Access,
			ErrorBodies: fs.ErrorBodies, Rejected: fs.Rejected, Reasons: nonNil(fs.Reasons), Skipped: fs.Skipped, UnknownKeys: fs.UnknownKeys})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

func nonNil(m map[string]uint64) map[string]uint64 {
	if m == nil {
		return map[string]uint64{}
	}
	return m
}

func reasons(m map[string]uint64) string {
	if len(m) == 0 {
		return ""
	}
	parts := make([]string, 0, len(m))
	for r, n := range m {
		parts = append(parts, fmt.Sprintf("%s %d", r, n))
	}
	slices.Sort(parts)
	return " (" + strings.Join(parts, ", ") + ")"
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
