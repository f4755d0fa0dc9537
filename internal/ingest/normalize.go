package ingest

import (
	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/errbody"
	"github.com/ratescope/ratescope/internal/route"
	"github.com/ratescope/ratescope/internal/secret"
)

// Reasons a parsed line is still rejected (parsers add their own).
const (
	ReasonTooLong         = "line_too_long"
	ReasonNoTime          = "no_time"
	ReasonNotARequest     = "not_a_request"
	ReasonBodyNoRequestID = "body_without_request_id"
)

// normalizer turns a parsed Record into a stored row: it decides the row's
// kind, gives id-less lines a synthetic request id, derives the route,
// redacts credentials from the path, turns a raw credential into a keyed
// caller id and normalises the error body. One per goroutine; the
// synthetic-id chain's state belongs to each source (ChainState).
type normalizer struct {
	hasher  *secret.Hasher
	known   *secret.KnownClean // routes and user agents found clean
	routes  *route.Templates   // configured templates; nil: derive only
	scratch []byte             // derived fields of the current record
	echoes  [][]byte           // credential values of the current line's query string
	synth   synthChain
	bodies  errbody.Normalizer
	env     errbody.Envelope
}

func newNormalizer(hashKey []byte) *normalizer {
	return &normalizer{hasher: secret.NewHasher(hashKey), known: secret.NewKnownClean(), synth: newSynthChain()}
}

// normalize completes r in place (its new slices point into n.scratch,
// valid until the next call: a later append that grows n.scratch leaves
// earlier slices on the old array, which stays intact) and returns the row
// kind and the error body, or a reject reason. An id-less line gets the
// next synthetic id of chain, which advances.
func (n *normalizer) normalize(r *accesslog.Record, format accesslog.Format, line []byte, chain *ChainState) (kind chstore.Kind, env *errbody.Envelope, synthetic bool, reason string) {
	n.scratch = n.scratch[:0]
	switch {
	case !format.IsJSON() || r.IsAccess() || (r.Status != 0 && r.Body == nil):
		kind = chstore.KindAccess
	case r.Body != nil:
		kind = chstore.KindErrorBody
	default:
		return 0, nil, false, ReasonNotARequest
	}
	if r.Body != nil {
		n.env = n.bodies.Normalize(r.Body)
		env = &n.env
		if len(r.RequestID) == 0 && env.RequestID != "" {
			r.RequestID = []byte(env.RequestID)
		}
	}
	if kind == chstore.KindErrorBody {
		if len(r.RequestID) == 0 {
			return 0, nil, false, ReasonBodyNoRequestID
		}
	} else if r.TimeMs == 0 {
		return 0, nil, false, ReasonNoTime
	}
	if len(r.RequestID) == 0 {
		start := len(n.scratch)
		n.scratch = n.synth.appendID(n.scratch, chain, line)
		r.RequestID = n.scratch[start:]
		synthetic = true
	}
	if len(r.Route) == 0 && len(r.Path) > 0 {
		start := len(n.scratch)
		n.scratch = n.routes.Append(n.scratch, r.Path)
		r.Route = n.scratch[start:]
	}
	n.redactRecord(r, env)
	if len(r.Partner) == 0 && len(r.Secret) > 0 {
		start := len(n.scratch)
		n.scratch = n.hasher.AppendID(n.scratch, r.Secret)
		r.Partner = n.scratch[start:]
	}
	r.Secret = nil
	return kind, env, synthetic, ""
}

// isErrorBody reports whether a JSON line is an error body of a known
// shape. It runs only for lines about to be rejected.
func (n *normalizer) isErrorBody(line []byte) bool {
	return n.bodies.Normalize(line).Shape != errbody.ShapeUnknown
}

// redactRecord keeps credentials out of every free-text field of r and
// of its error body: the values of credential-named parameters and keys
// and anything shaped like a credential (secret.AppendRedacted), and a
// credential of the line's query string wherever it is echoed (an error
// body repeating the api_key it was given). Redacted copies go to
// n.scratch.
func (n *normalizer) redactRecord(r *accesslog.Record, env *errbody.Envelope) {
	n.echoes = n.echoes[:0]
	fields := [...]*[]byte{&r.Path, &r.Route, &r.UserAgent, &r.IdempotencyKey}
	// The common line holds no credential: one pass per field
	// (secret.MayHold), or none for a route or user agent seen clean
	// before, proves it, and nothing is copied.
	var may [len(fields)]bool
	for i, f := range fields {
		if len(*f) == 0 {
			continue
		}
		repeats := f == &r.Route || f == &r.UserAgent
		if repeats && n.known.Has(*f) {
			continue
		}
		may[i] = secret.MayHold(*f)
		if !may[i] && repeats {
			n.known.Add(*f)
		}
	}
	if may[0] {
		secret.NamedValues(r.Path, func(v []byte) { n.echoes = append(n.echoes, v) })
	}
	if may[1] {
		secret.NamedValues(r.Route, func(v []byte) { n.echoes = append(n.echoes, v) })
	}
	for i, f := range fields {
		if may[i] || len(n.echoes) > 0 {
			n.redactField(f)
		}
	}
	if env != nil {
		redact := func(s *string) {
			if *s == "" {
				return
			}
			b := secret.RedactText([]byte(*s))
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
	clear(n.echoes) // don't pin the parser's buffer
}

// redactField replaces *f by a redacted copy in n.scratch when it holds a
// credential.
func (n *normalizer) redactField(f *[]byte) {
	if len(*f) == 0 {
		return
	}
	start := len(n.scratch)
	out, changed := secret.AppendRedacted(n.scratch, *f)
	if !changed {
		out, changed = secret.AppendScrubbed(n.scratch, *f, n.echoes)
	} else if len(n.echoes) > 0 {
		// Scrub the echoes from the redacted copy, in place of it.
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
