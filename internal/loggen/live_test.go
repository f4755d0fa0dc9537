package loggen

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLivePace: a live generation asks for every record's time in order,
// has written the previous records to disk by then, writes the plans
// before the first record and nothing into the gzipped archive; an error
// from Pace stops it.
func TestLivePace(t *testing.T) {
	dir := t.TempDir()
	end := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	var (
		last    time.Time
		calls   int
		grew    int
		before  int64
		planned bool
	)
	pace := func(_ context.Context, at time.Time) error {
		if at.Before(last) {
			t.Fatalf("record at %v after one at %v", at, last)
		}
		last = at
		calls++
		if calls == 1 {
			_, err := os.Stat(filepath.Join(dir, PlansName))
			planned = err == nil
		}
		var size int64
		for _, name := range []string{FileAPIGW, FileNginx, FileNginxJSON, FileEnvoy, FileGateway, FileAppErrors} {
			if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
				size += fi.Size()
			}
		}
		if size > before {
			grew++
		}
		before = size
		return nil
	}
	m, err := Generate(context.Background(), dir, Config{Seed: 3, End: end, Span: MinSpan, Requests: 2000, Pace: pace})
	if err != nil {
		t.Fatal(err)
	}
	if !planned {
		t.Error("ratescope.yaml was not there before the first record")
	}
	if calls < int(m.Requests) || grew < int(m.Requests)/2 {
		t.Errorf("%d requests, Pace called %d times, files grown before %d of them: lines are not flushed as they come", m.Requests, calls, grew)
	}
	near := 0
	for _, st := range m.PartnerStates {
		if st == "near" || st == "over" {
			near++
		}
	}
	if len(m.RetryStorms) == 0 || near == 0 {
		t.Errorf("live traffic lacks a storm (%d) or a partner near its limit (%v)", len(m.RetryStorms), m.PartnerStates)
	}
	for _, f := range m.Files {
		if f.Name == FileAPIGWArchive && f.Lines != 0 {
			t.Errorf("live mode wrote %d lines into the archive", f.Lines)
		}
	}

	// Append: a second round adds to the files.
	fi, _ := os.Stat(filepath.Join(dir, FileAPIGW))
	if _, err := Generate(context.Background(), dir, Config{Seed: 4, End: end.Add(MinSpan), Span: MinSpan, Requests: 2000, Pace: func(context.Context, time.Time) error { return nil }, Append: true}); err != nil {
		t.Fatal(err)
	}
	fi2, _ := os.Stat(filepath.Join(dir, FileAPIGW))
	if fi2.Size() <= fi.Size() {
		t.Errorf("apigw.log %d bytes after the second round, %d after the first: not appended", fi2.Size(), fi.Size())
	}

	stop := errors.New("stop")
	n := 0
	_, err = Generate(context.Background(), t.TempDir(), Config{Seed: 3, End: end, Span: MinSpan, Requests: 2000, Pace: func(context.Context, time.Time) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	}})
	if !errors.Is(err, stop) {
		t.Errorf("Pace's error: Generate returned %v", err)
	}
}
