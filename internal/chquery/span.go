package chquery

import "time"

// DataSpan gives the time range and the number of all loaded access rows
// (min(time), max(time), count()), whatever the window: where a report with
// nothing to show points the user.
func (t Tables) DataSpan() Statement {
	var b Builder
	b.SQL("SELECT min(time), max(time), count() FROM ", t.Requests(), " WHERE kind = 1")
	return b.Statement("span.data")
}

// FirstRequest gives the time of the first access record in [from, to)
// and how many there are (0: none, and the time means nothing): where a
// month's data starts, for quota projections.
func (t Tables) FirstRequest(from, to time.Time) Statement {
	var b Builder
	b.SQL("SELECT min(time), count() FROM ", t.Requests(), " WHERE kind = 1 AND ")
	window(&b, "time", from, to)
	return b.Statement("span.first")
}

// RejectedList lists the distinct rejected lines of the window (one per
// source, offset and content): max(time), source, line, offset, format,
// reason, and raw as hex — a dead letter may hold any bytes, and the
// engines agree on hex where they do not on invalid UTF-8 — by source and
// offset; reason and source narrow it when not empty.
func (t Tables) RejectedList(from, to time.Time, reason, source string) Statement {
	var b Builder
	b.SQL("SELECT max(time), source, any(line), `offset`, any(format), any(reason), hex(any(raw)) FROM ", t.Rejected(), " WHERE ")
	window(&b, "time", from, to)
	if reason != "" {
		b.SQL(" AND reason = ").Arg(reason)
	}
	if source != "" {
		b.SQL(" AND source = ").Arg(source)
	}
	return b.SQL(" GROUP BY source, `offset`, cityHash64(raw) ORDER BY source, `offset`").Statement("rejected.list")
}
