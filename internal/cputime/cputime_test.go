package cputime

import (
	"runtime"
	"testing"
	"time"
)

// Busy work shows in both clocks, and a thread's never exceeds the
// process's.
func TestCPUTimeGrowsWithWork(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p0, t0 := Process(t), Thread(t)
	x := uint64(1)
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
		x = x*6364136223846793005 + 1442695040888963407
	}
	p1, t1 := Process(t), Thread(t)
	if x == 0 || p1-p0 < 10*time.Millisecond || t1-t0 < 10*time.Millisecond {
		t.Fatalf("50 ms of busy work: process +%v, thread +%v", p1-p0, t1-t0)
	}
	if t1 > p1 {
		t.Fatalf("the thread used %v, more than the whole process's %v", t1, p1)
	}
}
