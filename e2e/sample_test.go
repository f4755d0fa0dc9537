// Package e2e runs ratescope's binaries end to end on a generated sample
// whose ground truth is known (internal/loggen's manifest), against a real
// ClickHouse: what ingest stores and report prints must equal the truth.
package e2e

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/clitest"
	"github.com/ratescope/ratescope/internal/config"
	"github.com/ratescope/ratescope/internal/loggen"
)

type sample struct {
	dir      string
	manifest *loggen.Manifest
	files    []string
	url      string
	ingest   string
	report   string
	env      clitest.Cmd
}

func loadSample(t *testing.T) *sample {
	t.Helper()
	s := &sample{dir: t.TempDir(), url: chtest.NewURL(t)}
	m, err := loggen.Generate(context.Background(), s.dir, loggen.Config{Seed: 7, End: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	s.manifest = m
	for _, f := range m.Files {
		s.files = append(s.files, filepath.Join(s.dir, f.Name))
	}
	s.ingest, s.report = clitest.Build(t, "ingest"), clitest.Build(t, "report")
	s.env = clitest.Cmd{Env: []string{"RATESCOPE_HASH_KEY=e2e", "RATESCOPE_CLICKHOUSE=" + s.url}}
	return s
}

func (s *sample) run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	r := s.env.Run(t, bin, args...)
	if r.Code != 0 {
		t.Fatalf("%s %v: exit %d: %s", filepath.Base(bin), args, r.Code, r.Stderr)
	}
	return r.Stdout
}

func (s *sample) reportJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	window := []string{"--from", s.manifest.Start.Add(-time.Hour).Format(time.RFC3339), "--to", s.manifest.End.Add(time.Hour).Format(time.RFC3339), "--format", "json"}
	out := s.run(t, s.report, append(args, window...)...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("report %v: %v\n%s", args, err, out)
	}
}

// TestSampleMatchesGroundTruth loads every file of a generated sample twice,
// in two orders, and checks the reports against the generator's manifest.
func TestSampleMatchesGroundTruth(t *testing.T) {
	s := loadSample(t)
	m := s.manifest
	s.run(t, s.ingest, s.files...)
	reversed := slices.Clone(s.files)
	slices.Reverse(reversed)
	s.run(t, s.ingest, reversed...) // again, error logs before access logs: nothing changes

	var sum struct {
		Requests      int64 `json:"requests"`
		Errors        int64 `json:"errors"`
		RejectedLines int64 `json:"rejected_lines"`
		Partners      int64 `json:"partners"`
	}
	s.reportJSON(t, &sum, "summary")
	if sum.Requests != m.Requests || sum.Errors != m.Errors || sum.RejectedLines != m.RejectedLines {
		t.Errorf("summary requests/errors/rejected = %d/%d/%d, manifest %d/%d/%d",
			sum.Requests, sum.Errors, sum.RejectedLines, m.Requests, m.Errors, m.RejectedLines)
	}
	if sum.Partners < int64(len(m.PartnerIDs)) {
		t.Errorf("summary partners = %d, manifest has at least %d", sum.Partners, len(m.PartnerIDs))
	}

	var rows []loggen.CodeStatusCount
	s.reportJSON(t, &rows, "errors", "--by", "code,status")
	key := func(c loggen.CodeStatusCount) string { return c.Code + "/" + time.Duration(c.Status).String() }
	got := map[string]int64{}
	for _, r := range rows {
		got[key(r)] += r.Count
	}
	for _, w := range m.ErrorsByCodeStatus {
		if got[key(w)] != w.Count {
			t.Errorf("errors code %q status %d: report %d, manifest %d", w.Code, w.Status, got[key(w)], w.Count)
		}
		delete(got, key(w))
	}
	for k, n := range got {
		t.Errorf("errors row %s (%d) is not in the manifest", k, n)
	}

	ctx := context.Background()
	db, err := chstore.Open(ctx, s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Routes: every endpoint once, however its ids look.
	var routes uint64
	if err := db.Conn.QueryRow(ctx, "SELECT uniqExact(route) FROM "+db.Table("requests")+" WHERE kind = 1").Scan(&routes); err != nil {
		t.Fatal(err)
	}
	if want := loggen.Endpoints(); int(routes) != want {
		t.Errorf("the sample's requests fall into %d routes, the generator calls %d endpoints", routes, want)
	}
	var byRoute []struct {
		Route string `json:"route"`
	}
	s.reportJSON(t, &byRoute, "errors", "--by", "route")
	if len(byRoute) == 0 || len(byRoute) > loggen.Endpoints() {
		t.Errorf("errors --by route: %d rows for %d endpoints", len(byRoute), loggen.Endpoints())
	}
	var secrets []string
	for _, sec := range m.Secrets {
		secrets = append(secrets, sec.Value)
	}
	if len(secrets) == 0 {
		t.Fatal("the sample holds no secrets: the scan below would prove nothing")
	}
	chtest.AssertNoSecrets(t, db, secrets)
}

// TestSampleRetryStormsAndRateLimits checks the retry and rate-limit
// reports against the storms, well-behaved clients and partner states the
// generator planted.
func TestSampleRetryStormsAndRateLimits(t *testing.T) {
	s := loadSample(t)
	m := s.manifest
	s.run(t, s.ingest, s.files...)

	type storm struct {
		ClientIP       string   `json:"client_ip"`
		Method         string   `json:"method"`
		Start          string   `json:"start"`
		Attempts       int      `json:"attempts"`
		Retries        int      `json:"retries"`
		MedianGapMs    int64    `json:"median_gap_ms"`
		Violations     []string `json:"violations"`
		FirstRequestID string   `json:"first_request_id"`
	}
	var storms []storm
	s.reportJSON(t, &storms, "retry-storms")
	found := map[string]storm{}
	for _, st := range storms {
		found[st.ClientIP+" "+st.Method+" "+st.Start] = st
	}
	if len(m.RetryStorms) == 0 {
		t.Fatal("the sample planted no retry storms")
	}
	for _, w := range m.RetryStorms {
		k := w.ClientIP + " " + w.Method + " " + w.Start.UTC().Format("2006-01-02T15:04:05.000Z07:00")
		got, ok := found[k]
		if !ok {
			t.Errorf("storm %s (%s) not reported", w.Name, k)
			continue
		}
		want := slices.Sorted(slices.Values(w.Violations))
		if got.Attempts != w.Attempts || got.Retries != w.Retries || got.MedianGapMs != w.MedianGapMs || !slices.Equal(got.Violations, want) {
			t.Errorf("storm %s: reported %+v, planted attempts %d retries %d median gap %d violations %v",
				w.Name, got, w.Attempts, w.Retries, w.MedianGapMs, want)
		}
	}
	for _, w := range m.WellBehaved {
		for _, st := range storms {
			if st.ClientIP == w.ClientIP && st.Method == w.Method {
				t.Errorf("well-behaved client %s (%s %s) reported as a storm: %+v", w.Name, w.ClientIP, w.Method, st)
			}
		}
	}
	if len(storms) > len(m.RetryStorms) {
		t.Errorf("%d storms reported, %d planted", len(storms), len(m.RetryStorms))
	}

	// The request report walks a planted storm's logical request.
	if len(storms) > 0 {
		var detail struct {
			Attempts []struct {
				RequestID string `json:"request_id"`
			} `json:"attempts"`
		}
		out := s.run(t, s.report, "request", storms[0].FirstRequestID, "--format", "json")
		if err := json.Unmarshal([]byte(out), &detail); err != nil {
			t.Fatalf("request JSON: %v\n%s", err, out)
		}
		if len(detail.Attempts) != storms[0].Attempts {
			t.Errorf("request %s shows %d attempts, its storm has %d", storms[0].FirstRequestID, len(detail.Attempts), storms[0].Attempts)
		}
	}

	var limits []struct {
		Partner string `json:"partner"`
		State   string `json:"state"`
	}
	s.reportJSON(t, &limits, "rate-limits", "--plans", filepath.Join(s.dir, loggen.PlansName))
	rank := map[string]int{"ok": 0, "near": 1, "over": 2}
	worst := map[string]string{}
	for _, l := range limits {
		if cur, ok := worst[l.Partner]; !ok || rank[l.State] > rank[cur] {
			worst[l.Partner] = l.State
		}
	}
	if len(m.PartnerStates) == 0 {
		t.Fatal("the sample planted no partner states")
	}
	for p, want := range m.PartnerStates {
		if worst[p] != want {
			t.Errorf("partner %s: rate-limits state %q, planted %q", p, worst[p], want)
		}
	}
}

// TestSamplePartnersByName loads the sample with its ratescope.yaml and
// checks that every report shows each partner once, under its name, and
// that --partner takes the name or a key id alike.
func TestSamplePartnersByName(t *testing.T) {
	s := loadSample(t)
	cfgPath := filepath.Join(s.dir, loggen.PlansName)
	s.env.Env = append(s.env.Env, "RATESCOPE_CONFIG="+cfgPath)
	s.run(t, s.ingest, s.files...)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	names := cfg.Names()
	keyIDs := map[string]string{} // key id → partner, ids only
	for id, name := range names {
		if id != name {
			keyIDs[id] = name
		}
	}
	if len(keyIDs) == 0 {
		t.Fatal("the sample's configuration maps no key ids")
	}
	once := func(report string, partners []string) {
		t.Helper()
		seen := map[string]bool{}
		for _, p := range partners {
			if owner, ok := keyIDs[p]; ok {
				t.Errorf("%s shows key id %s instead of partner %s", report, p, owner)
			}
			if seen[p] {
				t.Errorf("%s shows partner %q twice", report, p)
			}
			seen[p] = true
		}
	}
	var byPartner []struct {
		Partner string `json:"partner"`
	}
	s.reportJSON(t, &byPartner, "errors", "--by", "partner")
	var ps []string
	for _, r := range byPartner {
		ps = append(ps, r.Partner)
	}
	once("errors --by partner", ps)

	var sum struct {
		Partners int `json:"partners"`
	}
	s.reportJSON(t, &sum, "summary")
	distinct := map[string]bool{}
	for _, id := range s.manifest.PartnerIDs {
		if n, ok := names[id]; ok {
			distinct[n] = true
		} else {
			distinct[id] = true
		}
	}
	// Callers known only by a raw key are kh- ids, partners of their own.
	db, err := chstore.Open(context.Background(), s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var hashed uint64
	if err := db.Conn.QueryRow(context.Background(), "SELECT uniqExact(partner) FROM "+db.Table("requests")+" WHERE partner LIKE 'kh-%'").Scan(&hashed); err != nil {
		t.Fatal(err)
	}
	if want := len(distinct) + int(hashed); sum.Partners != want {
		t.Errorf("summary partners = %d, want %d (the sample's %d logged ids by name, and %d kh- ids)", sum.Partners, want, len(s.manifest.PartnerIDs), hashed)
	}

	type storm struct {
		Partner  string `json:"partner"`
		ClientIP string `json:"client_ip"`
		Start    string `json:"start"`
	}
	var storms []storm
	s.reportJSON(t, &storms, "retry-storms")
	for _, st := range storms {
		if _, ok := keyIDs[st.Partner]; ok {
			t.Errorf("retry-storms shows key id %s", st.Partner)
		}
	}
	var limits []struct {
		Partner string `json:"partner"`
		Limit   string `json:"limit"`
	}
	s.reportJSON(t, &limits, "rate-limits")
	for _, l := range limits {
		if _, ok := keyIDs[l.Partner]; ok {
			t.Errorf("rate-limits shows key id %s", l.Partner)
		}
	}

	// --partner: the name and each key id give the same rows.
	for id, name := range keyIDs {
		for _, args := range [][]string{{"errors", "--by", "route,status"}, {"retry-storms"}} {
			var byName, byID []map[string]any
			s.reportJSON(t, &byName, append(args, "--partner", name)...)
			s.reportJSON(t, &byID, append(args, "--partner", id)...)
			if !reflect.DeepEqual(byName, byID) {
				t.Errorf("%v: --partner %s gives %d rows, --partner %s %d", args, name, len(byName), id, len(byID))
			}
			if args[0] == "errors" && len(byName) == 0 {
				t.Errorf("errors --partner %s: no rows", name)
			}
		}
	}
}

// TestReportsFit80Columns runs every report on an 80-column
// pseudo-terminal: no line may be wider.
func TestReportsFit80Columns(t *testing.T) {
	s := loadSample(t)
	s.env.Env = append(s.env.Env, "RATESCOPE_CONFIG="+filepath.Join(s.dir, loggen.PlansName))
	s.run(t, s.ingest, s.files...)
	window := []string{"--from", s.manifest.Start.Add(-time.Hour).Format(time.RFC3339), "--to", s.manifest.End.Add(time.Hour).Format(time.RFC3339)}
	ansi := regexp.MustCompile("\x1b\\[[0-9;]*m")
	for _, args := range [][]string{
		{"summary"}, {"errors"}, {"errors", "--by", "partner,route,code,status"}, {"retry-storms"},
		{"rate-limits"}, {"rejected"}, {"request", s.manifest.ExampleRequestID},
	} {
		if args[0] != "request" {
			args = append(args, window...)
		}
		out, code := s.env.RunPTY(t, 80, s.report, args...)
		if code != 0 {
			t.Errorf("report %v: exit %d: %s", args, code, out)
			continue
		}
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if len(lines) < 2 {
			t.Errorf("report %v printed %q", args, out)
		}
		for _, line := range lines {
			if n := utf8.RuneCountInString(ansi.ReplaceAllString(line, "")); n > 80 {
				t.Errorf("report %v: a line of %d columns: %q", args, n, line)
			}
		}
	}
}

// TestSampleRateLimitsEqualManifest: the manifest's rate-limit figures are
// what the report prints (one rulebook), for a window ending where the
// sample ends.
func TestSampleRateLimitsEqualManifest(t *testing.T) {
	s := loadSample(t)
	m := s.manifest
	s.env.Env = append(s.env.Env, "RATESCOPE_CONFIG="+filepath.Join(s.dir, loggen.PlansName))
	s.run(t, s.ingest, s.files...)
	out := s.run(t, s.report, "rate-limits", "--from", m.Start.Add(-time.Hour).Format(time.RFC3339), "--to", m.End.Format(time.RFC3339), "-o", "json")
	var rows []struct {
		Partner     string  `json:"partner"`
		Limit       string  `json:"limit"`
		Utilization float64 `json:"utilization"`
		Throttled   int64   `json:"throttled"`
		State       string  `json:"state"`
		Peak        int64   `json:"peak"`
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	type key struct{ subject, limit string }
	got := map[key]int{}
	for i, r := range rows {
		got[key{r.Partner, r.Limit}] = i
	}
	if len(m.RateLimits) == 0 {
		t.Fatal("the manifest rates no limits")
	}
	for _, w := range m.RateLimits {
		i, ok := got[key{w.Subject, w.Limit}]
		if !ok {
			t.Errorf("%s %s: in the manifest, not in the report", w.Subject, w.Limit)
			continue
		}
		r := rows[i]
		if r.State != w.State || r.Peak != w.Peak || r.Throttled != w.Throttled || math.Abs(r.Utilization-w.Utilization) > 0.0005*max(1, w.Utilization) {
			t.Errorf("%s %s: report %+v, manifest utilization %v peak %d throttled %d state %s",
				w.Subject, w.Limit, r, w.Utilization, w.Peak, w.Throttled, w.State)
		}
	}
}
