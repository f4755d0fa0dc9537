package chstore

import "time"

// The range of DateTime that every supported server reads back right:
// UInt32 seconds, but 18.16 parses nothing after 2105.
var (
	minQueryTime = time.Unix(0, 0).UTC()
	maxQueryTime = time.Date(2105, 12, 31, 23, 59, 59, 0, time.UTC)
)

// QueryTime returns t in UTC, clamped to the range a DateTime query
// parameter can take: outside it, ClickHouse silently wraps a bound to some
// other instant (so --since 100000d would select nothing).
func QueryTime(t time.Time) time.Time {
	switch {
	case t.Before(minQueryTime):
		return minQueryTime
	case t.After(maxQueryTime):
		return maxQueryTime
	}
	return t.UTC()
}
