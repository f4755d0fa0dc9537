package main

import (
	"os"
	"runtime/debug"
)

// Memory held per row read and not yet stored, as measured on ~300-byte
// nginx-json lines (make bench): the row's text and column entries, the
// driver's copy of the block being sent, and the garbage the collector has
// not yet returned.
const (
	memoryBase   = 40 << 20
	memoryPerRow = 800
)

// setMemoryLimit gives the Go runtime a soft memory limit sized to the rows
// a run holds at most (rows), unless $GOMEMLIMIT sets one: the collector
// then works harder as the heap nears it instead of letting it grow to
// twice what is live, which is what kept a load's peak RSS at twice its
// batches. A soft limit never fails an allocation: a run that needs more
// (a freak line, a big --batch-rows) gets it, at some CPU.
func setMemoryLimit(rows int) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(memoryLimit(rows))
}

func memoryLimit(rows int) int64 {
	return memoryBase + int64(max(rows, 0))*memoryPerRow
}
