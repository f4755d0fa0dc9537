package chtest

import (
	"testing"
	"time"
)

// Eventually polls cond every 50 ms until it holds, and fails the test with
// what and cond's last state when it has not within the given time. Tests
// of asynchronous behaviour wait with it instead of sleeping.
func Eventually(t testing.TB, within time.Duration, what string, cond func() (ok bool, state string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s (%s)", what, within, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
