package chstore_test

import (
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
)

func TestQueryTime(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	f := func(in, want time.Time) {
		t.Helper()
		if got := chstore.QueryTime(in); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("QueryTime(%v) = %v, want %v in UTC", in, got, want)
		}
	}
	f(time.Date(2026, 3, 1, 1, 0, 0, 0, paris), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	f(time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), time.Unix(0, 0))
	f(time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2105, 12, 31, 23, 59, 59, 0, time.UTC))
	f(time.Now().Add(-100000*24*time.Hour), time.Unix(0, 0))
}
