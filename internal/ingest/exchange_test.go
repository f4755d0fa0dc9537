package ingest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chstore"
)

// countingSink records the inserts it is asked for and fails the first
// failRequests request inserts.
type countingSink struct {
	requests, rejects int
	failRequests      int
}

func (s *countingSink) InsertRequests(_ context.Context, b *chstore.RequestBatch, _ time.Time) error {
	if s.failRequests > 0 {
		s.failRequests--
		return errors.New("server away")
	}
	s.requests += b.Len()
	return nil
}

func (s *countingSink) InsertRejects(_ context.Context, b *chstore.RejectBatch, _ time.Time) error {
	s.rejects += b.Len()
	return nil
}

func fillBatch(b *Batch[int], rows int) {
	var r accesslog.Record
	r.Reset()
	r.RequestID, r.TimeMs = []byte("r"), 1
	for range rows {
		b.Reqs.Append(&r, chstore.KindAccess, nil, chstore.Meta{Source: "s"})
	}
}

// TestBatchStoreResumes: after a failed insert, Store sends again only
// what is not stored yet — the daemon's retry of a batch whose request
// rows went in but whose dead letters did not never stores rows twice.
func TestBatchStoreResumes(t *testing.T) {
	b := newBatch[int](10)
	fillBatch(b, 3)
	b.Rejs.Append(chstore.Meta{Source: "s"}, 0, "bad", []byte("x"))
	sink := &countingSink{failRequests: 1}
	run := func(ctx context.Context, _ string, _ int, insert func(context.Context) error) error {
		return insert(ctx)
	}
	if err := b.Store(context.Background(), sink, time.Now(), run); err == nil {
		t.Fatal("the first Store did not fail")
	}
	failRejects := func(ctx context.Context, table string, _ int, insert func(context.Context) error) error {
		if table == "rejected" {
			return errors.New("rejected table away")
		}
		return insert(ctx)
	}
	if err := b.Store(context.Background(), sink, time.Now(), failRejects); err == nil {
		t.Fatal("the dead letters' insert did not fail")
	}
	if err := b.Store(context.Background(), sink, time.Now(), run); err != nil {
		t.Fatal(err)
	}
	if sink.requests != 3 || sink.rejects != 1 {
		t.Fatalf("stored %d requests and %d dead letters, want 3 and 1", sink.requests, sink.rejects)
	}
}

// TestExchangeHandoff: the reader's batch goes over only when the inserter
// takes it; a handoff that may not wait fails while the inserter is busy,
// one that may wait gives up after its wait, and Cur is then unchanged.
func TestExchangeHandoff(t *testing.T) {
	ctx := context.Background()
	e := NewExchange[int](10, 10)
	first := e.Cur
	fillBatch(first, 2)
	if e.Handoff(ctx, 0) {
		t.Fatal("handed off with no inserter waiting")
	}
	if e.Cur != first || first.Rows() != 2 {
		t.Fatal("a failed handoff changed the current batch")
	}
	got := make(chan *Batch[int])
	go func() { got <- <-e.Batches() }()
	if !e.Handoff(ctx, time.Second) {
		t.Fatal("the waiting inserter did not take the batch")
	}
	b := <-got
	if b != first || e.Cur == first || e.Cur.Rows() != 0 {
		t.Fatal("the inserter did not get the filled batch, or the reader did not get the empty one")
	}
	// The inserter holds b and is busy: a bounded wait gives up.
	start := time.Now()
	if e.Handoff(ctx, 20*time.Millisecond) || time.Since(start) < 20*time.Millisecond {
		t.Fatal("handed off to a busy inserter, or gave up before the wait")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if e.Handoff(cctx, -1) {
		t.Fatal("handed off after the context ended")
	}
	e.Release(b)
	if b.Rows() != 0 {
		t.Fatal("a released batch was not reset")
	}
}

// With two inserters, two batches are stored at once and the reader still
// fills a third; a third handoff waits for one of them.
func TestExchangeTwoInserters(t *testing.T) {
	ctx := context.Background()
	e := NewExchangeN[int](10, 10, 2)
	got := make(chan *Batch[int], 2)
	take := func() { got <- <-e.Batches() }
	seen := map[*Batch[int]]bool{}
	for i := range 2 {
		fillBatch(e.Cur, i+1)
		go take()
		b := e.Cur
		if !e.Handoff(ctx, time.Second) {
			t.Fatalf("handoff %d: the waiting inserter did not take the batch", i+1)
		}
		if seen[e.Cur] || e.Cur == b || e.Cur.Rows() != 0 {
			t.Fatalf("handoff %d: the reader got a batch in use", i+1)
		}
		seen[b] = true
	}
	a, b := <-got, <-got
	if a == b || !seen[a] || !seen[b] {
		t.Fatal("the two inserters did not get the two batches")
	}
	fillBatch(e.Cur, 3)
	if e.Handoff(ctx, 20*time.Millisecond) {
		t.Fatal("handed off with both inserters busy")
	}
	e.Release(a)
	go take()
	if !e.Handoff(ctx, time.Second) || e.Cur != a {
		t.Fatal("the batch released by the first inserter did not come back to the reader")
	}
	e.Release(b)
	e.Release(<-got)
}

// TestExchangeReleaseGivesBackABigBatch: a batch that grew past twice the
// exchange's size (an outage's) is replaced, so its memory goes back.
func TestExchangeReleaseGivesBackABigBatch(t *testing.T) {
	e := NewExchange[int](2, 2)
	big := <-e.free
	fillBatch(big, 5)
	e.Release(big)
	if next := <-e.free; next == big || next.Rows() != 0 {
		t.Fatal("the oversized batch was kept")
	}
	small := newBatch[int](2)
	fillBatch(small, 3)
	e.Release(small)
	if next := <-e.free; next != small || next.Rows() != 0 {
		t.Fatal("a batch within twice the size was not reused, reset")
	}
}
