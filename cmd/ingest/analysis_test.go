package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/clitest"
	"github.com/ratescope/ratescope/internal/findings"
	"github.com/ratescope/ratescope/internal/ratelimit"
	"github.com/ratescope/ratescope/internal/report"
)

// stormLine is attempt i of a client retrying a POST after 503s without
// backing off (250 ms apart) and without an idempotency key, from t0.
func stormLine(t0 time.Time, i int) string {
	return fmt.Sprintf(`{"time":"%s","request_id":"storm-%d","method":"POST","path":"/v1/orders","status":503,"partner":"k-storm","client_ip":"10.9.0.1"}`,
		t0.Add(time.Duration(i)*250*time.Millisecond).UTC().Format("2006-01-02T15:04:05.000Z"), i)
}

// TestFollowKeepsAGrowingStorm writes a retry storm into a followed file
// in two parts while the daemon runs: its analysis pass keeps the storm
// with the first part's attempts, then updates the same storm with all of
// them; at the end the kept storms and rate-limit rows of the pass's
// window are what report retry-storms and report rate-limits give for it,
// and so are its limit minutes (partners and IPs) once folded, over the
// window and over windows of whole minutes cut at the storm.
func TestFollowKeepsAGrowingStorm(t *testing.T) {
	ingest := clitest.Build(t, "ingest")
	url := chtest.NewURL(t)
	dir, state := t.TempDir(), t.TempDir()
	plansFile := filepath.Join(dir, "plans.yaml")
	if err := os.WriteFile(plansFile, []byte("plans:\n  std:\n    - {name: sustained, rate: 2, burst: 4}\n    - {name: minute, limit: 100, per: 1m}\n"+
		"partners:\n  - {name: storm, keys: [k-storm], plan: std}\nip_limits:\n  - {name: orders-ip, limit: 10, per: 10s, match: {path: /v1/orders*}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(dir, "logs", "gw.jsonl")
	if err := os.MkdirAll(filepath.Dir(logFile), 0o755); err != nil {
		t.Fatal(err)
	}
	// The storm lies in the past minutes, so that each pass's window (up
	// to the current minute) holds what was written of it.
	t0 := time.Now().UTC().Add(-5 * time.Minute)
	write := func(from, to int) {
		f, err := os.OpenFile(logFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		for i := from; i < to; i++ {
			fmt.Fprintln(f, stormLine(t0, i))
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	write(0, 12)
	d := startDaemon(t, ingest, "--clickhouse", url, "--state-dir", state, "--flush-interval", "100ms", "--poll-interval", "20ms",
		"--analysis-interval", "300ms", "--analysis-horizon", "30m", "--plans", plansFile, filepath.Join(dir, "logs", "*.jsonl"))
	db := openDB(t, url)
	rd := chquery.New(db)
	ctx := context.Background()
	keptAttempts := func() (int, string) {
		s, err := findings.Storms(ctx, rd, t0.Add(-time.Hour), time.Now().Add(time.Hour), "k-storm")
		if err != nil || len(s) == 0 {
			return 0, fmt.Sprint(len(s), err)
		}
		b, _ := json.Marshal(s)
		return s[0].Attempts, string(b)
	}
	chtest.Eventually(t, 30*time.Second, "the storm kept with 12 attempts", func() (bool, string) {
		n, st := keptAttempts()
		return n == 12, st
	})
	write(12, 30)
	chtest.Eventually(t, 30*time.Second, "the same storm updated to 30 attempts", func() (bool, string) {
		n, st := keptAttempts()
		return n == 30, st
	})
	all, err := findings.Storms(ctx, rd, t0.Add(-time.Hour), time.Now().Add(time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 {
		t.Errorf("kept %d storms, want the one storm, updated: %+v", len(all), all)
	}
	plans, err := ratelimit.LoadPlans(plansFile)
	if err != nil {
		t.Fatal(err)
	}
	// Once the pass that saw the whole storm has written its rate-limit
	// rows too, the findings of its window are the reports' output.
	chtest.Eventually(t, 30*time.Second, "the findings of the latest pass's window equal the reports", func() (bool, string) {
		var from, to time.Time
		if err := db.Conn.QueryRow(ctx, "SELECT window_from, window_to FROM "+db.Table("limit_findings")+" ORDER BY computed_ms DESC, window_to DESC LIMIT 1").Scan(&from, &to); err != nil {
			return false, err.Error()
		}
		storms, err := report.RetryStorms(ctx, rd, report.RetryStormsQuery{From: from, To: to})
		if err != nil {
			return false, err.Error()
		}
		kept, err := findings.Storms(ctx, rd, from, to, "")
		if err != nil {
			return false, err.Error()
		}
		if a, b := mustJSON(t, kept), mustJSON(t, storms); a != b {
			return false, fmt.Sprintf("window %s–%s: kept storms %s, report retry-storms %s", from, to, a, b)
		}
		rows, err := ratelimit.Compute(ctx, rd, plans, ratelimit.Query{From: from, To: to})
		if err != nil {
			return false, err.Error()
		}
		keptRows, err := findings.Limits(ctx, rd, from, to)
		if err != nil {
			return false, err.Error()
		}
		if a, b := mustJSON(t, keptRows), mustJSON(t, rows); a != b {
			return false, fmt.Sprintf("window %s–%s: kept rate-limit rows %s, report rate-limits %s", from, to, a, b)
		}
		// The minutes of the window, each as its latest pass wrote it,
		// fold into the same rows: highest utilization, summed throttled,
		// worst state.
		mins, err := findings.LimitMinutes(ctx, rd, from, to, "")
		if err != nil {
			return false, err.Error()
		}
		if a, b := mustJSON(t, ratelimit.Aggregate(mins)), mustJSON(t, ratelimit.WithMinutes(rows)); a != b {
			return false, fmt.Sprintf("window %s–%s: limit minutes folded %s, report rate-limits %s", from, to, a, b)
		}
		// And so do the minutes of any window of whole minutes inside it,
		// cut at the storm's minutes: the passes replay the warm-up
		// before their windows, so a minute carries its history whichever
		// pass wrote it.
		for _, cut := range []time.Time{t0.Truncate(time.Minute), t0.Truncate(time.Minute).Add(time.Minute)} {
			for _, w := range [][2]time.Time{{from, cut}, {cut, to}} {
				if !w[0].Before(w[1]) {
					continue
				}
				rows, err := ratelimit.Compute(ctx, rd, plans, ratelimit.Query{From: w[0], To: w[1]})
				if err != nil {
					return false, err.Error()
				}
				mins, err := findings.LimitMinutes(ctx, rd, w[0], w[1], "")
				if err != nil {
					return false, err.Error()
				}
				folded := append([]ratelimit.Row{}, ratelimit.Aggregate(mins)...) // none: [], as WithMinutes
				if a, b := mustJSON(t, folded), mustJSON(t, ratelimit.WithMinutes(rows)); a != b {
					return false, fmt.Sprintf("window %s–%s: limit minutes folded %s, report rate-limits %s", w[0], w[1], a, b)
				}
			}
		}
		subjects := map[string]bool{}
		for _, m := range mins {
			subjects[m.Subject] = true
		}
		if !subjects[ratelimit.SubjectPartner] || !subjects[ratelimit.SubjectIP] {
			return false, fmt.Sprintf("minutes of %v only: %s", subjects, mustJSON(t, mins))
		}
		return true, ""
	})
	if code, took := d.stop(syscall.SIGTERM, 10*time.Second); code != 0 {
		t.Errorf("SIGTERM: exit %d after %s", code, took)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
