package main

import (
	"os"
	"runtime/debug"
)

// Memory held per row read and not yet stored, as measured on ~300-byte
// nginx-json lines (make bench): the row's text and column entries, the
// driver's copy of the block being sent, and the garbage the collector has
// not yet returned. When the rows were kept for a whole INSERT (three
// batches of 50,000 rows held, two inserts at once) GODEBUG=gctrace=1
// showed at most ~84 MB live; 40 MB + 600 bytes a held row kept the
// collector clear of that and the peak RSS under 150 MiB. Streamed to
// ClickHouse (ingest.StreamBatchRows a batch) a load holds ~25k rows: the
// heap stays under ~45 MB and the peak RSS ~65 MiB.
const (
	memoryBase   = 40 << 20
	memoryPerRow = 600
)

// The daemon's figures (issue 12: at most 64 MiB peak RSS at full speed).
// Measured with GODEBUG=gctrace=1 on the daemon at full speed with its
// default 50,000 buffered rows: ~28–37 MB live after each collection —
// the two batches (~360 bytes a row), the chunks in flight on the
// workers, the driver's 4k-row block. A limit of 48 MiB leaves the
// collector room and keeps the process's RSS near 60 MiB (the binary's
// pages and the stacks come on top of the heap). The extra collections
// cost CPU: 1.95–2.27 CPU-s per 400k lines against 1.74–1.82 with
// GOMEMLIMIT=80MiB (83 MiB RSS), measured side by side on a loaded
// machine; GOMEMLIMIT trades one for the other.
const (
	daemonMemoryBase   = 24 << 20
	daemonMemoryPerRow = 500
)

// setMemoryLimit gives the Go runtime a soft memory limit sized to the rows
// a run holds at most (rows), unless $GOMEMLIMIT sets one: the collector
// then works harder as the heap nears it instead of letting it grow to
// twice what is live, which is what kept a load's peak RSS at twice its
// batches. A soft limit never fails an allocation: a run that needs more
// (a freak line, a big --batch-rows) gets it, at some CPU.
func setMemoryLimit(limit int64) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(limit)
}

// memoryLimit is the one-shot load's limit for rows held at most.
func memoryLimit(rows int) int64 {
	return memoryBase + int64(max(rows, 0))*memoryPerRow
}

// daemonMemoryLimit is the daemon's limit for rows buffered at most.
func daemonMemoryLimit(rows int) int64 {
	return daemonMemoryBase + int64(max(rows, 0))*daemonMemoryPerRow
}
