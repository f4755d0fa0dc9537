package ingest

import "github.com/ratescope/ratescope/internal/tail"

// Line is one line of input, as the line reader both the one-shot load and
// the daemon read through (tail.Tailer) returns it. Bytes excludes the
// '\n' (and a '\r' before it) and is valid until the next read.
type Line = tail.Line

// keepOfLong is how much of an over-long line is kept (for the dead-letter
// table, which keeps 4 KiB).
const keepOfLong = tail.KeepOfLong

// head returns the part of an over-long line that is kept.
func head(b []byte) []byte { return b[:min(len(b), keepOfLong)] }
