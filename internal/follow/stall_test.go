package follow

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
)

// freezer is a TCP proxy to a real ClickHouse that can stop passing bytes
// while keeping its connections open: a hung server, as a stuck network
// or an overloaded server looks from the daemon.
type freezer struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	frozen bool
	thaw   *sync.Cond
}

func newFreezer(t *testing.T, target string) *freezer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln, target: target}
	f.thaw = sync.NewCond(&f.mu)
	t.Cleanup(func() { f.set(false); _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *freezer) set(frozen bool) {
	f.mu.Lock()
	f.frozen = frozen
	f.mu.Unlock()
	f.thaw.Broadcast()
}

func (f *freezer) serve(c net.Conn) {
	s, err := net.Dial("tcp", f.target)
	if err != nil {
		_ = c.Close()
		return
	}
	pipe := func(dst, src net.Conn) {
		defer dst.Close()
		defer src.Close()
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			f.mu.Lock()
			for f.frozen {
				f.thaw.Wait()
			}
			f.mu.Unlock()
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	go pipe(s, c)
	go pipe(c, s)
}

// syncBuffer collects log output written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestHungClickHouse freezes the connection to ClickHouse for a few
// seconds while lines come: the stalled insert is logged and counted as
// slow long before it times out, the retry after the timeout is logged,
// and so is the recovery once the server answers again. Every line is
// stored.
func TestHungClickHouse(t *testing.T) {
	e := newEnv(t)
	u, err := url.Parse(e.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newFreezer(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	dir := t.TempDir()
	path := dir + "/a.log"
	appendLines(t, path, jsonLine("h", 0))
	cfg := e.config(path)
	var logs syncBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(&logs, testWriter{t}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.Connect = func(ctx context.Context) (Store, error) { return chstore.Open(ctx, u.String()) }
	cfg.SlowInsert = 500 * time.Millisecond
	cfg.InsertTimeout = 3 * time.Second
	cfg.RetryBase, cfg.RetryMax = 100*time.Millisecond, 200*time.Millisecond
	r := e.start(cfg)
	e.waitRequests(1, 15*time.Second)

	proxy.set(true)
	for i := 1; i <= 50; i++ {
		appendLines(t, path, jsonLine("h", i))
		time.Sleep(80 * time.Millisecond) // 4 s of lines, the server hung
	}
	chtest.Eventually(t, 10*time.Second, "slow insert logged", func() (bool, string) {
		return strings.Contains(logs.String(), "insert is slow"), "not yet"
	})
	if n, _ := value(scrapeRegistry(t, r.d), "ratescope_ingest_slow_inserts_total", "table", "requests"); n < 1 {
		t.Errorf("slow_inserts_total{table=requests} = %v during the hang, want ≥ 1", n)
	}
	proxy.set(false)
	e.waitRequests(51, 30*time.Second)
	chtest.Eventually(t, 10*time.Second, "recovery logged", func() (bool, string) {
		return strings.Contains(logs.String(), "ClickHouse recovered"), "not yet"
	})
	if err := r.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
}
