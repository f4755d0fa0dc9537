package ingest

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/benchlines"
	"github.com/ratescope/ratescope/internal/cputime"
	"github.com/ratescope/ratescope/internal/errbody"
	"github.com/ratescope/ratescope/internal/secret"
)

// redactRecordOracle is redactRecord as it was before the fast path
// (secret.MayHold, secret.KnownClean): every field through every rule
// (secret.AppendRedactedAll). The tests below hold the fast path to its
// results.
func redactRecordOracle(n *normalizer, r *accesslog.Record, env *errbody.Envelope) {
	n.echoes = n.echoes[:0]
	secret.NamedValues(r.Path, func(v []byte) { n.echoes = append(n.echoes, v) })
	secret.NamedValues(r.Route, func(v []byte) { n.echoes = append(n.echoes, v) })
	for _, f := range [...]*[]byte{&r.Path, &r.Route, &r.UserAgent, &r.IdempotencyKey} {
		redactFieldOracle(n, f)
	}
	if env != nil {
		redact := func(s *string) {
			if *s == "" {
				return
			}
			b := []byte(*s)
			if out, ok := secret.AppendRedactedAll(nil, b); ok {
				b = out
			}
			if out, ok := secret.AppendScrubbed(nil, b, n.echoes); ok {
				b = out
			}
			if string(b) != *s {
				*s = string(b)
			}
		}
		redact(&env.Raw)
		redact(&env.Message)
		redact(&env.Details)
		for i := range env.Fields {
			redact(&env.Fields[i].Message)
		}
	}
	clear(n.echoes)
}

// redactPieces are bits of paths, routes, user agents and bodies, clean
// and not, mixed at random by TestRedactRecordFastPath.
var redactPieces = []string{
	"/v1/r3/1234", "?page=2", "&", "?api_key=", "sk_live_abcdef123", "AT1xAT1x", "&token=", "{id}", "/users/",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36", " Bearer ", "abcdef123456", "curl/8.5.0", "eyJhbGciOiJI",
	".eyJzdWIi.", "sig", "https://", "alice:", "pw@", "host", "%40", "%2F%2F", "=", ":", " ", "\"", "value", "\":",
	"AKIA0123456789ABCDEF", "ghp_0123456789abcdefghij", "idem-", "42", "é", "x-api-key: ", "\"apiKey\"",
}

func randomPiecesText(rng *rand.Rand, maxPieces int) []byte {
	var b []byte
	for k := rng.IntN(maxPieces + 1); k > 0; k-- {
		b = append(b, redactPieces[rng.IntN(len(redactPieces))]...)
	}
	return b
}

// TestRedactRecordFastPath: on random records, mostly clean, some with
// credentials in any field, echoed in each other's text and in an error
// body, redactRecord gives exactly what every rule on every field gives.
// User agents and routes come from small pools, so they repeat and the
// normalizer's KnownClean answers for them too.
func TestRedactRecordFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 2))
	var agents, routes [][]byte
	for range 40 {
		agents = append(agents, randomPiecesText(rng, 4))
		routes = append(routes, randomPiecesText(rng, 3))
	}
	fast, full := newNormalizer([]byte("k")), newNormalizer([]byte("k"))
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	redacted := 0
	for i := range n {
		r := accesslog.Record{
			Path:           randomPiecesText(rng, 4),
			Route:          routes[rng.IntN(len(routes))],
			UserAgent:      agents[rng.IntN(len(agents))],
			IdempotencyKey: randomPiecesText(rng, 1),
		}
		var env *errbody.Envelope
		if i%5 == 0 {
			env = &errbody.Envelope{
				Message: string(randomPiecesText(rng, 3)), Details: string(randomPiecesText(rng, 2)),
				Raw:    `{"error":"` + string(randomPiecesText(rng, 4)) + `"}`,
				Fields: []errbody.FieldError{{Field: "f", Message: string(randomPiecesText(rng, 2))}},
			}
		}
		got, want := cloneRecord(r), cloneRecord(r)
		gotEnv, wantEnv := cloneEnv(env), cloneEnv(env)
		fast.scratch, full.scratch = fast.scratch[:0], full.scratch[:0]
		fast.redactRecord(&got, gotEnv)
		redactRecordOracle(full, &want, wantEnv)
		for _, f := range []struct {
			name      string
			got, want []byte
		}{
			{"path", got.Path, want.Path}, {"route", got.Route, want.Route},
			{"user agent", got.UserAgent, want.UserAgent}, {"idempotency key", got.IdempotencyKey, want.IdempotencyKey},
		} {
			if !bytes.Equal(f.got, f.want) {
				t.Fatalf("record %d: %s %q, every rule gives %q (record %+v)", i, f.name, f.got, f.want, r)
			}
		}
		if !bytes.Equal(want.Path, r.Path) || !bytes.Equal(want.UserAgent, r.UserAgent) {
			redacted++
		}
		if env != nil && (gotEnv.Message != wantEnv.Message || gotEnv.Details != wantEnv.Details ||
			gotEnv.Raw != wantEnv.Raw || gotEnv.Fields[0].Message != wantEnv.Fields[0].Message) {
			t.Fatalf("record %d: body %+v, every rule gives %+v", i, gotEnv, wantEnv)
		}
	}
	// Both paths ran: records with credentials and clean ones.
	if redacted < n/20 || redacted > n-n/20 {
		t.Errorf("%d of %d records had a credential in the path or user agent: the mix tests one path only", redacted, n)
	}
	t.Logf("%d of %d records redacted", redacted, n)
}

// redactFieldOracle is normalizer.redactField with every rule run.
func redactFieldOracle(n *normalizer, f *[]byte) {
	if len(*f) == 0 {
		return
	}
	start := len(n.scratch)
	out, changed := secret.AppendRedactedAll(n.scratch, *f)
	if !changed {
		out, changed = secret.AppendScrubbed(n.scratch, *f, n.echoes)
	} else if len(n.echoes) > 0 {
		red := out[start:]
		if scrubbed, ok := secret.AppendScrubbed(nil, red, n.echoes); ok {
			out = append(out[:start], scrubbed...)
		}
	}
	if changed {
		n.scratch = out
		*f = n.scratch[start:len(n.scratch):len(n.scratch)]
	}
}

func cloneRecord(r accesslog.Record) accesslog.Record {
	r.Path, r.Route = bytes.Clone(r.Path), bytes.Clone(r.Route)
	r.UserAgent, r.IdempotencyKey = bytes.Clone(r.UserAgent), bytes.Clone(r.IdempotencyKey)
	return r
}

func cloneEnv(env *errbody.Envelope) *errbody.Envelope {
	if env == nil {
		return nil
	}
	c := *env
	c.Fields = append([]errbody.FieldError(nil), env.Fields...)
	return &c
}

// BenchmarkRedactRecord measures the redaction of parsed records per
// format (one op is one line), the fast path against every rule on every
// field (the code before it), in the same run.
func BenchmarkRedactRecord(b *testing.B) {
	for _, format := range benchlines.Formats {
		lines, _ := benchLines(b, format, 1024)
		p := accesslog.NewParser(benchFormats[format])
		recs := make([]accesslog.Record, len(lines))
		for i, l := range lines {
			var r accesslog.Record
			if err := p.Parse(l, &r); err != nil {
				b.Fatal(err)
			}
			recs[i] = cloneRecord(r)
		}
		for _, path := range []string{"fast", "full"} {
			b.Run(format+"/"+path, func(b *testing.B) {
				n := newNormalizer([]byte("k"))
				b.ReportAllocs()
				runtime.LockOSThread() // cputime.Thread counts this goroutine's thread
				defer runtime.UnlockOSThread()
				cpu0 := cputime.Thread(b)
				i := 0
				for b.Loop() {
					r := recs[i%len(recs)] // a copy: redaction rewrites the fields
					n.scratch = n.scratch[:0]
					if path == "fast" {
						n.redactRecord(&r, nil)
					} else {
						redactRecordOracle(n, &r, nil)
					}
					i++
				}
				b.ReportMetric(float64(cputime.Thread(b)-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
