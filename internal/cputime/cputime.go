// Package cputime reads, for benchmarks, the CPU time a process or a thread
// has used: on a machine shared with other work, CPU time per line varies
// far less than wall time when other processes hold the cores.
package cputime

import (
	"syscall"
	"testing"
	"time"
)

// rusageThread is Linux's RUSAGE_THREAD (syscall does not name it).
const rusageThread = 1

// Process returns the user+system CPU time this process has used so far.
func Process(tb testing.TB) time.Duration {
	return usage(tb, syscall.RUSAGE_SELF)
}

// Thread returns the user+system CPU time the calling OS thread has used so
// far (Linux); lock the goroutine to its thread (runtime.LockOSThread)
// between two readings.
func Thread(tb testing.TB) time.Duration {
	return usage(tb, rusageThread)
}

func usage(tb testing.TB, who int) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
