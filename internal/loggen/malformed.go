package loggen

import (
	"bytes"
	"fmt"
	"time"
)

// Kinds of malformed lines (Rejected.Kind).
const (
	MalformedTruncated        = "truncated"
	MalformedGarbage          = "garbage"
	MalformedInvalidUTF8      = "invalid_utf8"
	MalformedNonNumericStatus = "non_numeric_status"
)

// malformedKinds are the kinds each file may get at random.
var malformedKinds = [numSinks][]string{
	sinkArchive:   {MalformedTruncated},
	sinkAPIGW:     {MalformedTruncated, MalformedNonNumericStatus, MalformedGarbage},
	sinkNginx:     {MalformedGarbage, MalformedInvalidUTF8, MalformedTruncated},
	sinkNginxJSON: {MalformedTruncated, MalformedNonNumericStatus},
	sinkEnvoy:     {MalformedGarbage, MalformedTruncated},
	sinkGateway:   {MalformedTruncated, MalformedInvalidUTF8, MalformedNonNumericStatus},
	sinkAppErrors: {MalformedTruncated, MalformedGarbage},
}

// plannedMalformed are malformed lines every sample has, at fractions of
// the span, so each kind shows up even in a small sample.
var plannedMalformed = [numSinks][]struct {
	f    float64
	kind string
}{
	sinkArchive:   {{0.15, MalformedTruncated}},
	sinkAPIGW:     {{0.45, MalformedTruncated}, {0.60, MalformedNonNumericStatus}, {0.90, MalformedGarbage}},
	sinkNginx:     {{0.30, MalformedGarbage}, {0.50, MalformedInvalidUTF8}, {0.80, MalformedTruncated}},
	sinkNginxJSON: {{0.35, MalformedTruncated}, {0.70, MalformedNonNumericStatus}},
	sinkEnvoy:     {{0.40, MalformedGarbage}, {0.75, MalformedTruncated}},
	sinkGateway:   {{0.50, MalformedTruncated}, {0.65, MalformedInvalidUTF8}, {0.85, MalformedNonNumericStatus}},
	sinkAppErrors: {{0.55, MalformedTruncated}, {0.80, MalformedGarbage}},
}

// plannedDuplicates are lines every sample repeats verbatim.
var plannedDuplicates = [numSinks][]float64{
	sinkArchive:   {0.2},
	sinkAPIGW:     {0.5, 0.7},
	sinkNginxJSON: {0.3, 0.6},
	sinkEnvoy:     {0.45},
	sinkGateway:   {0.55, 0.8},
	sinkAppErrors: {0.6},
}

// writeMalformed writes a malformed line of the given kind to s.
func (g *gen) writeMalformed(s *sink, kind string, at int64) {
	line, r := g.malformedLine(s.id, kind, at)
	if r != nil {
		for _, secret := range []string{r.apiKey, r.auth} {
			if secret != "" && bytes.Contains(line, []byte(secret)) {
				g.acc.secretSeen(secret, s.file.Name, r.partnerField != "", true)
			}
		}
	}
	s.put(line, lineMalformed, kind)
}

// fake returns a plausible request for a file that will be written
// malformed: it is not counted anywhere, and its id is used nowhere else.
func (g *gen) fake(id sinkID, at int64) *request {
	var rt *route
	var c client
	switch id {
	case sinkArchive, sinkAPIGW:
		rt, c = &apigwRoutes[0], g.partnerClient(g.w.globex)
		id = sinkAPIGW
	case sinkNginx:
		rt, c = &nginxRoutes[0], g.anonClient(g.w.webUAs)
	case sinkNginxJSON:
		rt, c = &nginxJSONRoutes[1], g.partnerClient(g.w.initech)
	case sinkEnvoy:
		rt, c = &envoyRoutes[1], g.anonClient(g.w.appUAs)
	default:
		rt, c = &jsonlRoutes[1], g.partnerClient(g.w.globex)
		id = sinkGateway
	}
	r := g.newRequest(id, rt, c, at)
	r.status = 503
	r.latencyMs = 12
	r.bytesOut = 91
	return r
}

// cutOutside moves cut back to the start of any secret it would split, so
// a truncated line holds each secret whole or not at all.
func cutOutside(line []byte, cut int, secrets ...string) int {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if i := bytes.Index(line, []byte(s)); i >= 0 && i < cut && cut < i+len(s) {
			cut = i
		}
	}
	return cut
}

// malformedLine builds a line ingest must reject, and returns the request
// it was made from, if any.
func (g *gen) malformedLine(id sinkID, kind string, at int64) ([]byte, *request) {
	ts := time.UnixMilli(at).UTC()
	switch kind {
	case MalformedGarbage:
		switch id {
		case sinkNginx:
			// An error-log line that went to the access log.
			return []byte(fmt.Sprintf("%s [error] 2817#2817: *%d upstream timed out (110: Connection timed out) while reading response header from upstream, client: 100.64.3.9, server: www.example.com",
				ts.Add(time.Hour).Format("2006/01/02 15:04:05"), 100000+g.rnd.IntN(900000))), nil
		case sinkEnvoy:
			return []byte(fmt.Sprintf("[%s][14][warning][config] [source/common/config/grpc_stream.h:193] StreamAggregatedResources gRPC config stream to xds_cluster closed: 13, ",
				ts.Format("2006-01-02 15:04:05.000"))), nil
		case sinkAppErrors:
			return []byte("panic: runtime error: invalid memory address or nil pointer dereference [recovered]"), nil
		default:
			return []byte(fmt.Sprintf("%s Execution failed due to configuration error: Invalid endpoint address", ts.Format("2006-01-02T15:04:05.000Z"))), nil
		}
	case MalformedInvalidUTF8:
		// A TLS ClientHello that hit the plain-HTTP port, logged raw.
		b := []byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03}
		for i := 0; i < 24; i++ {
			c := byte(0x80 + g.rnd.IntN(0x80))
			b = append(b, c)
		}
		return append(b, " \xff\xfeGET / HTTP/1.1"...), nil
	case MalformedNonNumericStatus:
		// Access files only: no malformedKinds or plannedMalformed entry
		// gives app-errors.jsonl this kind.
		r := g.fake(id, at)
		r.statusText = "OK"
		return g.format(nil, r, id), r
	default: // MalformedTruncated
		r := g.fake(id, at)
		switch id {
		case sinkAppErrors:
			r.body = moovLogicBody(g.rnd, "validation_error", r.id)
			line := appendErrorLog(nil, r, at)
			return line[:len(line)*2/3], r
		case sinkGateway:
			// Cut after the bearer token: the rejected line still holds a secret.
			r.auth = g.w.globex.token(g.frac(at))
			line := appendGateway(nil, r)
			cut := len(line) * 2 / 3
			if i := bytes.Index(line, []byte(r.auth)); i >= 0 {
				cut = i + len(r.auth) + 3
			}
			return line[:cut], r
		case sinkNginx, sinkEnvoy:
			line := g.format(nil, r, id)
			q := bytes.IndexByte(line, '"')
			return line[:q+12], r
		default:
			line := g.format(nil, r, id)
			return line[:cutOutside(line, len(line)*3/5, r.apiKey, r.auth)], r
		}
	}
}
