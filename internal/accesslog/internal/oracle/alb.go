package oracle

import "bytes"

// AWS Application Load Balancer access logs (space-separated, one request
// per line, fields in this documented order):
//
//	type time elb client:port target:port request_processing_time
//	target_processing_time response_processing_time elb_status_code
//	target_status_code received_bytes sent_bytes "request" "user_agent"
//	ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name"
//	"chosen_cert_arn" matched_rule_priority request_creation_time
//	"actions_executed" "redirect_url" "error_reason" … (more fields are
//	appended over time and ignored)
//
// Classic Load Balancer (ELB) lines have no type and stop after
// ssl_protocol:
//
//	time elb client:port backend:port request_processing_time
//	backend_processing_time response_processing_time elb_status_code
//	backend_status_code received_bytes sent_bytes "request" "user_agent"
//	ssl_cipher ssl_protocol
//
// Fields read: the time (when the load balancer answered); the client
// address without its port; the status the load balancer sent
// (elb_status_code; "-" is 0, a connection closed before any response);
// latency, the sum of the three processing times in seconds (absent when
// any is -1: the request never reached a target or the client went away);
// sent bytes; method and path from the request ("GET
// https://host:443/p?q HTTP/1.1" → GET, /p?q); the user agent; the request
// id, the Root of the X-Amzn-Trace-Id trace_id ("Root=1-5833…" → "1-5833…");
// the error_reason as the gateway error type.

// albTypes are the values of an ALB line's first field.
var albTypes = [...]string{"http", "https", "h2", "grpcs", "ws", "wss"}

// parseALB parses an ALB or classic ELB line into r. Rejections carry the
// reasons bad_alb_line (fields missing or out of place), bad_time,
// bad_status, bad_bytes and bad_request_line.
func (p *Parser) parseALB(line []byte, r *Record) error {
	s := fieldScanner{line: trimLineEnd(line)}
	first, kind := s.next()
	if kind != fieldBare {
		return &ParseError{Reason: "bad_alb_line", Detail: "no type or time field"}
	}
	classic := rfc3339Len(first) == len(first)
	when := first
	if !classic {
		if !isALBType(first) {
			return &ParseError{Reason: "bad_alb_line", Detail: "unknown type " + quoteDetail(first)}
		}
		when, _ = s.next()
	}
	ms, prec, ok := ParseTime(when)
	if !ok {
		return &ParseError{Reason: "bad_time", Detail: "time " + quoteDetail(when)}
	}
	r.TimeMs, r.TimePrec = ms, prec

	var bare [9][]byte // elb client target t1 t2 t3 elb_status target_status received
	for i := range bare {
		f, ok := s.nextWord()
		if !ok {
			return &ParseError{Reason: "bad_alb_line", Detail: "too few fields before the request"}
		}
		bare[i] = f
	}
	r.ClientIP = hostOnly(bare[1])
	r.LatencyMs = albLatency(bare[3], bare[4], bare[5])
	if !isDash(bare[6]) {
		if r.Status, ok = fieldStatus(bare[6]); !ok || r.Status < 100 {
			return &ParseError{Reason: "bad_status", Detail: quoteDetail(bare[6])}
		}
	}
	sent, kind := s.next()
	if kind != fieldBare {
		return &ParseError{Reason: "bad_alb_line", Detail: "no sent_bytes"}
	}
	if r.BytesSent, ok = nginxBytes(sent); !ok {
		return &ParseError{Reason: "bad_bytes", Detail: quoteDetail(sent)}
	}
	req, kind := s.next()
	if kind != fieldQuoted {
		return &ParseError{Reason: "bad_alb_line", Detail: "no quoted request"}
	}
	if err := p.albRequest(req, r); err != nil {
		return err
	}
	if ua, kind := s.next(); kind == fieldQuoted {
		r.UserAgent = dashToNil(ua)
	}
	if classic {
		return nil
	}
	// ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name"
	// "chosen_cert_arn" matched_rule_priority request_creation_time
	// "actions_executed" "redirect_url" "error_reason"
	var rest [11][]byte
	for i := range rest {
		f, kind := s.next()
		if kind == fieldEnd || kind == fieldBroken {
			break
		}
		rest[i] = f
	}
	r.RequestID = albTraceRoot(rest[3])
	r.ErrorType = dashToNil(rest[10])
	return nil
}

// albRequest splits the logged request ("GET https://host:443/p HTTP/1.1";
// "- - -" or "- http://host:80- -" when the load balancer could not read
// one: an access record without method and path).
func (p *Parser) albRequest(req []byte, r *Record) error {
	if len(bytes.Trim(req, "- ")) == 0 || bytes.HasPrefix(req, []byte("- ")) {
		return nil // "- - -", or "- http://host:80- -": no request could be read
	}
	method, target, ok := splitRequestLine(req)
	if !ok {
		return &ParseError{Reason: "bad_request_line", Detail: quoteDetail(req)}
	}
	r.Method, r.Path = method, originForm(target)
	if len(r.Path) == 0 || r.Path[0] == '?' { // "http://host", "http://host?q": the path is "/"
		n := len(p.scratch)
		p.scratch = append(append(p.scratch, '/'), r.Path...)
		r.Path = p.scratch[n:len(p.scratch):len(p.scratch)]
	}
	return nil
}

// originForm turns an absolute-form request target
// ("https://host:443/p?q") into its origin form ("/p?q"), a sub-slice of t;
// a target with no path gives "" or its "?query" (to which the caller
// prefixes the "/"). Other targets are returned as they are.
func originForm(t []byte) []byte {
	i := bytes.Index(t, []byte("://"))
	if i <= 0 || i > 8 {
		return t
	}
	rest := t[i+3:]
	j := bytes.IndexAny(rest, "/?")
	if j < 0 {
		return rest[len(rest):]
	}
	return rest[j:]
}

// albLatency sums the three processing times (seconds) into milliseconds;
// -1 (absent) when any is -1 or unreadable.
func albLatency(ts ...[]byte) float64 {
	total := 0.0
	for _, t := range ts {
		ms, ok := fieldSecondsMs(t)
		if !ok {
			return -1
		}
		total += ms
	}
	return total
}

// albTraceRoot returns the Root of an X-Amzn-Trace-Id
// ("Root=1-58337262-36d228ad5d99923122bbe354;Self=…" → "1-58337262-…"),
// the value itself when it has no Root=, or nil for "-".
func albTraceRoot(b []byte) []byte {
	b = dashToNil(b)
	if i := bytes.Index(b, []byte("Root=")); i >= 0 {
		b = b[i+len("Root="):]
	}
	if i := bytes.IndexByte(b, ';'); i >= 0 {
		b = b[:i]
	}
	return b
}

func isALBType(b []byte) bool {
	for _, t := range albTypes {
		if string(b) == t {
			return true
		}
	}
	return false
}

// looksALB reports whether line starts like an ALB line (a type, then an
// RFC 3339 time) or a classic ELB line (an RFC 3339 time, a name, then an
// address with a port).
func looksALB(line []byte) bool {
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return false
	}
	if isALBType(line[:sp]) {
		n := rfc3339Len(line[sp+1:])
		return n > 0 && sp+1+n < len(line) && line[sp+1+n] == ' '
	}
	if rfc3339Len(line) != sp {
		return false
	}
	s := fieldScanner{line: line[sp+1:]}
	name, k1 := s.next()
	addr, k2 := s.next()
	return k1 == fieldBare && k2 == fieldBare && len(name) > 0 && bytes.LastIndexByte(addr, ':') > 0
}
