package loggen

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/ratescope/ratescope/internal/readlimit"
)

// ManifestVersion is the version of the manifest's layout.
const ManifestVersion = 1

// Manifest is the ground truth of a generated sample: what ingest must
// store and reject and what the reports must find. Counts are over the
// distinct requests of the access files unless a field says otherwise.
type Manifest struct {
	Version            int       `json:"version"`
	Seed               int64     `json:"seed"`
	Start              time.Time `json:"start"`
	End                time.Time `json:"end"`
	Span               string    `json:"span"`
	BackgroundRequests int       `json:"background_requests"`

	// Requests is the number of distinct requests over all access files:
	// distinct request ids, plus one per nginx combined line (those carry no
	// id; each line is a distinct request, even when two lines are identical).
	Requests int64 `json:"requests"`
	// SyntheticRequests is how many of Requests come from lines without a request id.
	SyntheticRequests int64 `json:"synthetic_requests"`
	// Errors is the number of requests with status >= 400.
	Errors int64 `json:"errors"`
	// RejectedLines is the number of malformed lines over all files; a line
	// in apigw-overlap.log counts again, as it is another file's line.
	RejectedLines int64 `json:"rejected_lines"`
	// DuplicateLines is the number of verbatim repeats of a good line within
	// one file (apigw-overlap.log's copies of apigw.log lines are not counted).
	DuplicateLines int64 `json:"duplicate_lines"`
	// IdenticalNginxLines is the number of nginx.log lines equal to an
	// earlier line: distinct requests all the same (health checks).
	IdenticalNginxLines int64 `json:"identical_nginx_lines"`

	// ErrorBodies is the number of requests with a logged error body, by
	// where it is logged (embedded, error_log, bare) in BodyPlacement.
	ErrorBodies   int64            `json:"error_bodies"`
	BodyPlacement map[string]int64 `json:"body_placement"`
	// FieldErrors is the number of field errors over all logged bodies
	// (errors[], details[], details.fields[], Movmo's fields map, RFC 7807 invalid-params).
	FieldErrors int64 `json:"field_errors"`

	ByStatus map[string]int64 `json:"by_status"`
	// ErrorsByCodeStatus groups the requests with status >= 400 by code and
	// HTTP status, as `report errors --by code,status` does. The code is the
	// logged body's code, else the gateway's error type (THROTTLED,
	// WAF_FILTERED, …), else Envoy's response flags (RL, UF, …), else "".
	ErrorsByCodeStatus []CodeStatusCount `json:"errors_by_code_status"`
	// Codes counts requests by their body's non-empty code.
	Codes map[string]int64 `json:"codes"`
	// Shapes counts logged bodies by envelope shape (errbody.Shape*).
	Shapes        map[string]int64 `json:"shapes"`
	ErrorTypes    map[string]int64 `json:"error_types"`
	ResponseFlags map[string]int64 `json:"response_flags"`

	Partners []Partner `json:"partners"`
	// PartnerIDs are the distinct partner values as logged (key ids in
	// apigw/nginx-json, names in gateway.jsonl); "-" and "" mean none.
	PartnerIDs []string `json:"partner_ids"`
	// Secrets are every raw API key and bearer token in the files. None
	// may reach storage, in any table, including rejected lines.
	Secrets []Secret `json:"secrets"`
	Files   []File   `json:"files"`

	RetryStorms []Sequence `json:"retry_storms"`
	WellBehaved []Sequence `json:"well_behaved"`
	// RateLimits rates every partner against its plan's limits, and every
	// client IP whose per-IP limit is near or over, per the sample's ratescope.yaml.
	RateLimits    []RateLimit       `json:"rate_limits"`
	PartnerStates map[string]string `json:"partner_states"`

	// ExampleRequestID is a request with a logged error body and retries,
	// for `report request`.
	ExampleRequestID string   `json:"example_request_id"`
	Notes            []string `json:"notes"`
}

// CodeStatusCount is one row of ErrorsByCodeStatus.
type CodeStatusCount struct {
	Code   string `json:"code"`
	Status int    `json:"status"`
	Count  int64  `json:"count"`
}

// Partner is one API customer of the sample.
type Partner struct {
	Name     string   `json:"name"`
	Plan     string   `json:"plan"`
	KeyIDs   []string `json:"key_ids"`
	Files    []string `json:"files"`
	Requests int64    `json:"requests"`
}

// Secret is a raw credential that appears in the files.
type Secret struct {
	Value   string `json:"value"`
	Kind    string `json:"kind"`              // api_key or bearer
	Partner string `json:"partner,omitempty"` // its owner; "" for a key no partner owns
	// Files lists the files whose lines carry it.
	Files []string `json:"files"`
	// Unattributed lists the files where it is on lines with no partner id,
	// so it is the only thing identifying the caller there.
	Unattributed []string `json:"unattributed,omitempty"`
	// InRejectedLines is set when a malformed line carries it.
	InRejectedLines bool `json:"in_rejected_lines,omitempty"`
}

// File describes one generated log file.
type File struct {
	Name   string `json:"name"`
	Format string `json:"format"`
	Gzip   bool   `json:"gzip,omitempty"`
	// Lines counts every line; Records the good ones (including duplicates);
	// Duplicates the verbatim repeats among them; RequestIDs the distinct
	// request ids among them (one per line for nginx combined).
	Lines      int64      `json:"lines"`
	Records    int64      `json:"records"`
	Duplicates int64      `json:"duplicates"`
	RequestIDs int64      `json:"request_ids"`
	Rejected   []Rejected `json:"rejected"`
	// CopyOf names the file this one repeats a stretch of.
	CopyOf string `json:"copy_of,omitempty"`
}

// Rejected is a malformed line: 1-based line number, byte offset of its
// start in the (uncompressed) file, and what is wrong with it.
type Rejected struct {
	Line   int64  `json:"line"`
	Offset int64  `json:"offset"`
	Kind   string `json:"kind"` // truncated, garbage, invalid_utf8, non_numeric_status
}

// Sequence is one logical request and its retries: a storm the
// retry-storm report must find, or a well-behaved client it must not flag.
type Sequence struct {
	Name           string    `json:"name"`
	File           string    `json:"file"`
	Partner        string    `json:"partner"` // as logged; "" when the format carries none
	PartnerName    string    `json:"partner_name,omitempty"`
	ClientIP       string    `json:"client_ip"`
	Method         string    `json:"method"`
	Path           string    `json:"path"`
	Route          string    `json:"route,omitempty"` // the template, when the log carries one
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	Start          time.Time `json:"start"`
	End            time.Time `json:"end"`
	Attempts       int       `json:"attempts"`
	Retries        int       `json:"retries"`
	MedianGapMs    int64     `json:"median_gap_ms"`
	Statuses       []int     `json:"statuses"`
	RequestIDs     []string  `json:"request_ids"`
	Violations     []string  `json:"violations"`
}

// RateLimit is one subject measured against one limit.
type RateLimit struct {
	Subject     string  `json:"subject"` // partner name, or client IP for per-IP limits
	Limit       string  `json:"limit"`
	Kind        string  `json:"kind"` // window, token_bucket, quota
	Peak        int64   `json:"peak"` // highest count in any window (60 s for a token bucket, the month for a quota)
	Utilization float64 `json:"utilization"`
	Throttled   int64   `json:"throttled"`
	State       string  `json:"state"`
}

// maxManifestBytes bounds a manifest read back: far more than any run writes.
const maxManifestBytes = 1 << 30

// ReadManifest reads a manifest.json.
func ReadManifest(path string) (*Manifest, error) {
	b, err := readlimit.File(path, "manifest", maxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", path, err)
	}
	return &m, nil
}

var manifestNotes = []string{
	"Times are UTC; nginx.log and nginx-json.log are written in +01:00 local time.",
	"API Gateway writes \"-\" for an empty $context variable (apiKeyId, error.responseType, errorResponseType): it means absent.",
	"Movmo bodies (message/status_code/details) have no machine code: their code is \"\". An RFC 7807 body's code is the last path segment of its \"type\".",
	"errors_by_code_status falls back from the body's code to the gateway error type, then to Envoy's response flags.",
	"app-errors.jsonl holds error-log lines {time,service,request_id,status,body} (vendors-api logs @timestamp/req_id/status_code, personas-api timestamp in ms/x_request_id/response_code, payments-api its body as a JSON string) and bare envelopes carrying their own requestId (and no time); every one belongs to a request of an access file.",
	"gateway.jsonl names API-key partners in \"partner\" and OAuth clients (umbrella) in \"client_id\"; nginx-json.log has api_key_id from an nginx map of the raw key, \"\" for an unknown key.",
	"apigw-overlap.log repeats a stretch of apigw.log verbatim (malformed and duplicate lines included): it adds no request.",
	"Retry sequences are judged by the product's own rules (retry.Violations): no_backoff when at least two retries come sooner than half the documented exponential delay (1 s, 2 s, 4 s … capped at 30 s) without a Retry-After they honoured; ignored_retry_after when a retry comes before the Retry-After it was given; retried_non_retryable after a 400, 401, 403, 404, 409 or 422; missing_idempotency_key for a POST or PATCH retried without one. median_gap_ms is the median of the gaps (mean of the two middle ones for an even count).",
	"Rate-limit utilization is measured with the product's own functions (internal/ratelimit): window peak / limit over per-second counts; token bucket: max(peak 60 s average / rate, 1 - lowest simulated bucket level / burst); quota: the month-end projection / quota, projected from the sample's own coverage (its start to its end, as report rate-limits --to END does) — and a projection over the quota from less than a day of data is near, not over, unless the count passed the quota or quota rejections were seen. Where the logs carry X-RateLimit-Limit/Remaining (nginx-json.log, gateway.jsonl), a bucket's or window's utilization is at least 1 - lowest remaining / limit. A limit without a match counts the requests no sibling with a match counts. Throttled counts a partner's 429s (QUOTA_EXCEEDED to its quota, others to the first matching rate limit) and, for per-IP limits, the WAF_FILTERED 403s of that IP.",
}

// accum gathers the manifest while the sample is written.
type accum struct {
	m          *Manifest
	codeStatus map[codeStatus]int64
	partnerIDs map[string]bool
	partners   map[*partner]*partnerAcc
	secrets    map[string]*Secret
	secretList []*Secret
	ipTrack    map[string]*tracker
	ipOrder    []ipKey
	nginxSec   int64
	nginxSeen  map[uint64]bool
}

type codeStatus struct {
	code   string
	status int
}

type ipKey struct {
	ip  string
	lim *limitDef
}

type partnerAcc struct {
	files    map[string]bool
	requests int64
	trackers []*tracker
}

func newAccum(w *world) *accum {
	a := &accum{
		m: &Manifest{
			Version:       ManifestVersion,
			BodyPlacement: map[string]int64{},
			ByStatus:      map[string]int64{},
			Codes:         map[string]int64{},
			Shapes:        map[string]int64{},
			ErrorTypes:    map[string]int64{},
			ResponseFlags: map[string]int64{},
			PartnerStates: map[string]string{},
			Notes:         manifestNotes,
		},
		codeStatus: map[codeStatus]int64{},
		partnerIDs: map[string]bool{},
		partners:   map[*partner]*partnerAcc{},
		secrets:    map[string]*Secret{},
		ipTrack:    map[string]*tracker{},
		nginxSeen:  map[uint64]bool{},
	}
	for _, p := range w.partners {
		pa := &partnerAcc{files: map[string]bool{}}
		for i := range planByName(p.plan).limits {
			pa.trackers = append(pa.trackers, newTracker(&planByName(p.plan).limits[i]))
		}
		a.partners[p] = pa
		for _, k := range p.keys {
			a.addSecret(k.secret, "api_key", p.name)
		}
		for _, t := range p.tokens {
			a.addSecret(t, "bearer", p.name)
		}
	}
	a.addSecret(w.scanKey, "api_key", "")
	return a
}

func (a *accum) addSecret(v, kind, owner string) {
	s := &Secret{Value: v, Kind: kind, Partner: owner, Files: []string{}}
	a.secrets[v] = s
	a.secretList = append(a.secretList, s)
}

func addName(list []string, name string) []string {
	if slices.Contains(list, name) {
		return list
	}
	return append(list, name)
}

// secretSeen notes that a line of file carries secret v.
func (a *accum) secretSeen(v, file string, attributed, rejected bool) {
	s := a.secrets[v]
	if s == nil {
		return
	}
	s.Files = addName(s.Files, file)
	if !attributed {
		s.Unattributed = addName(s.Unattributed, file)
	}
	if rejected {
		s.InRejectedLines = true
	}
}

// record accounts for a request written to file, whose line carries its
// time as loggedAt (ms; whole seconds where the format has no more).
func (a *accum) record(r *request, file string, loggedAt int64) {
	m := a.m
	m.Requests++
	if r.id == "" {
		m.SyntheticRequests++
	}
	m.ByStatus[strconv.Itoa(r.status)]++
	logged := r.body != nil && r.place != placeNone
	if logged {
		m.ErrorBodies++
		m.BodyPlacement[placementNames[r.place]]++
		m.Shapes[r.body.shape]++
		m.FieldErrors += int64(r.body.fields)
		if r.body.code != "" {
			m.Codes[r.body.code]++
		}
	}
	if r.status >= 400 {
		m.Errors++
		k := codeStatus{status: r.status}
		switch {
		case logged && r.body.code != "":
			k.code = r.body.code
		case r.errType != "":
			k.code = r.errType
		default:
			k.code = r.flags
		}
		a.codeStatus[k]++
	}
	if r.errType != "" {
		m.ErrorTypes[r.errType]++
	}
	if r.flags != "" {
		m.ResponseFlags[r.flags]++
	}
	if r.partnerField != "" {
		a.partnerIDs[r.partnerField] = true
	}
	attributed := r.partnerField != ""
	for _, s := range []string{r.apiKey, r.auth, r.queryKey} {
		if s != "" {
			a.secretSeen(s, file, attributed, false)
		}
	}
	if r.partner != nil {
		pa := a.partners[r.partner]
		pa.files[file] = true
		pa.requests++
		attributedTo := false
		// The product's selection: a limit without a match counts the
		// requests no sibling with a match counts (ApiPolicy is "all other
		// endpoints"); a quota counts all.
		bySibling := false
		for _, t := range pa.trackers {
			if t.def.hasMatch() && t.def.quota == 0 && t.def.matches(r.method, r.path) {
				bySibling = true
			}
		}
		headers := r.rlLimit > 0 && r.rlRemaining >= 0 && (file == FileNginxJSON || file == FileGateway)
		for _, t := range pa.trackers {
			if !t.def.matches(r.method, r.path) || (!t.def.hasMatch() && t.def.quota == 0 && bySibling) {
				continue
			}
			t.add(loggedAt)
			if headers && t.def.quota == 0 {
				t.header(r.rlLimit, r.rlRemaining)
			}
			if r.status != 429 {
				continue
			}
			if t.def.quota > 0 {
				if r.errType == "QUOTA_EXCEEDED" {
					t.throttled++
				}
			} else if !attributedTo && r.errType != "QUOTA_EXCEEDED" {
				t.throttled++
				attributedTo = true
			}
		}
	}
	if r.ip != "" {
		for i := range ipLimitDefs {
			d := &ipLimitDefs[i]
			if !d.matches(r.method, r.path) {
				continue
			}
			key := r.ip + "|" + d.name
			t := a.ipTrack[key]
			if t == nil {
				t = newTracker(d)
				a.ipTrack[key] = t
				a.ipOrder = append(a.ipOrder, ipKey{r.ip, d})
			}
			t.add(loggedAt)
			if r.errType == "WAF_FILTERED" {
				t.throttled++
			}
		}
	}
}

// nginxLine notes an nginx.log line, counting lines identical to an
// earlier one (identical lines share their second, so one second is kept).
func (a *accum) nginxLine(at int64, line []byte) {
	if sec := at / 1000; sec != a.nginxSec {
		a.nginxSec = sec
		clear(a.nginxSeen)
	}
	h := fnv64(line)
	if a.nginxSeen[h] {
		a.m.IdenticalNginxLines++
	}
	a.nginxSeen[h] = true
}

func fnv64(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

func round3(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 3, 64), 64)
	return f
}

func kindOf(d *limitDef) string {
	switch {
	case d.rate > 0:
		return "token_bucket"
	case d.quota > 0:
		return "quota"
	default:
		return "window"
	}
}

// finish completes the manifest from the accumulators.
func (a *accum) finish(w *world, files []*File, storms, good []Sequence, example string) *Manifest {
	m := a.m
	for k, n := range a.codeStatus {
		m.ErrorsByCodeStatus = append(m.ErrorsByCodeStatus, CodeStatusCount{Code: k.code, Status: k.status, Count: n})
	}
	sort.Slice(m.ErrorsByCodeStatus, func(i, j int) bool {
		x, y := m.ErrorsByCodeStatus[i], m.ErrorsByCodeStatus[j]
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		if x.Code != y.Code {
			return x.Code < y.Code
		}
		return x.Status < y.Status
	})
	for id := range a.partnerIDs {
		m.PartnerIDs = append(m.PartnerIDs, id)
	}
	sort.Strings(m.PartnerIDs)
	for _, p := range w.partners {
		pa := a.partners[p]
		entry := Partner{Name: p.name, Plan: p.plan, Requests: pa.requests, Files: []string{}}
		for _, k := range p.keys {
			entry.KeyIDs = append(entry.KeyIDs, k.id)
		}
		for f := range pa.files {
			entry.Files = append(entry.Files, f)
		}
		sort.Strings(entry.Files)
		m.Partners = append(m.Partners, entry)
		worst := "ok"
		for _, t := range pa.trackers {
			u, days := t.utilization(m.Start, m.End)
			st := t.state(u, days)
			m.RateLimits = append(m.RateLimits, RateLimit{Subject: p.name, Limit: t.def.name, Kind: kindOf(t.def),
				Peak: t.peak(), Utilization: round3(u), Throttled: t.throttled, State: st})
			worst = worseState(worst, st)
		}
		m.PartnerStates[p.name] = worst
	}
	for _, k := range a.ipOrder {
		t := a.ipTrack[k.ip+"|"+k.lim.name]
		u, days := t.utilization(m.Start, m.End)
		if st := t.state(u, days); st != "ok" {
			m.RateLimits = append(m.RateLimits, RateLimit{Subject: k.ip, Limit: k.lim.name, Kind: kindOf(k.lim),
				Peak: t.peak(), Utilization: round3(u), Throttled: t.throttled, State: st})
		}
	}
	for _, s := range a.secretList {
		if len(s.Files) > 0 {
			sort.Strings(s.Files)
			sort.Strings(s.Unattributed)
			m.Secrets = append(m.Secrets, *s)
		}
	}
	for _, f := range files {
		m.Files = append(m.Files, *f)
		m.RejectedLines += int64(len(f.Rejected))
		if f.CopyOf == "" {
			m.DuplicateLines += f.Duplicates
		}
	}
	m.RetryStorms = storms
	m.WellBehaved = good
	m.ExampleRequestID = example
	if m.ErrorsByCodeStatus == nil {
		m.ErrorsByCodeStatus = []CodeStatusCount{}
	}
	return m
}

func worseState(a, b string) string {
	rank := map[string]int{"ok": 0, "near": 1, "over": 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}
