package accesslog

// Envoy's default access-log format:
//
//	[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
//	%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
//	%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%"
//	"%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
//
// Istio's defaults and common custom formats put more fields between the
// flags and the byte counters (%RESPONSE_CODE_DETAILS%,
// %CONNECTION_TERMINATION_DETAILS%, a quoted upstream failure reason) and
// after the upstream host (cluster, addresses, SNI, route name). parseEnvoy
// skips both: the four counters are the last four bare fields before the
// first quoted field that follows them, and whatever comes after the
// upstream host is ignored. Envoy writes details without spaces
// (upstream_reset_before_response_started{connection_failure,…}), so they
// stay single fields.

// parseEnvoy parses an Envoy access-log line into r. Status is 0 for a TCP
// or reset stream; ClientIP is the first X-Forwarded-For entry, else — in
// Istio's formats — %DOWNSTREAM_REMOTE_ADDRESS% without its port, else
// empty (Envoy's default format logs no peer address). Rejections carry
// the reasons bad_envoy_line (no [time], quoted request, counters or quoted
// headers), bad_time, bad_status (not 0–999) and bad_response_flags.
func (p *Parser) parseEnvoy(line []byte, r *Record) error {
	s := fieldScanner{line: trimLineEnd(line)}
	when, kind := s.next()
	if kind != fieldBracket {
		return &ParseError{Reason: "bad_envoy_line", Detail: "no [START_TIME] field"}
	}
	ms, prec, ok := ParseTime(when)
	if !ok {
		return &ParseError{Reason: "bad_time", Detail: "start_time " + quoteDetail(when)}
	}
	r.TimeMs, r.TimePrec = ms, prec

	req, kind := s.next()
	if kind != fieldQuoted {
		return &ParseError{Reason: "bad_envoy_line", Detail: "no quoted request after the time"}
	}
	if r.Method, r.Path, ok = splitRequest(req); !ok {
		return &ParseError{Reason: "bad_request_line", Detail: quoteDetail(req)}
	}

	status, kind := s.next()
	if r.Status, ok = fieldStatus(status); !ok || kind != fieldBare {
		return &ParseError{Reason: "bad_status", Detail: quoteDetail(status)}
	}
	flags, kind := s.next()
	if !isResponseFlags(flags) || kind != fieldBare {
		return &ParseError{Reason: "bad_response_flags", Detail: quoteDetail(flags)}
	}
	r.ResponseFlags = dashToNil(flags)
	return envoyRest(&s, r)
}

// envoyRest reads from after the flags to the upstream host.
func envoyRest(s *fieldScanner, r *Record) error {
	var (
		ring [4][]byte // the most recent bare fields: field n-1 is at (n-1)%4
		n    int       // bare fields since the last quoted one
	)
	for {
		f, kind := s.next()
		switch kind {
		case fieldBare:
			ring[n%4] = f
			n++
			continue
		case fieldQuoted:
			// The last four bare fields, oldest first.
			last := [4][]byte{ring[n%4], ring[(n+1)%4], ring[(n+2)%4], ring[(n+3)%4]}
			if n < 4 || !envoyCounters(last, r) {
				n = 0
				continue
			}
			r.ClientIP = firstListEntry(f)
			return envoyHeaders(s, r)
		}
		return &ParseError{Reason: "bad_envoy_line", Detail: "no byte counters and duration before the quoted headers"}
	}
}

// envoyCounters checks and stores BYTES_RECEIVED BYTES_SENT DURATION
// UPSTREAM-SERVICE-TIME; the last two may be "-" (DURATION "-" leaves
// LatencyMs absent).
func envoyCounters(c [4][]byte, r *Record) bool {
	_, okRx := fieldUint(c[0])
	sent, okTx := fieldUint(c[1])
	dur, okDur := fieldUint(c[2])
	if !okRx || !okTx || !(okDur || isDash(c[2])) || !uintOrDash(c[3]) {
		return false
	}
	r.BytesSent = sent
	if okDur {
		r.LatencyMs = float64(dur)
	}
	return true
}

// envoyHeaders reads the quoted fields after X-FORWARDED-FOR: USER-AGENT,
// X-REQUEST-ID, :AUTHORITY and UPSTREAM_HOST.
func envoyHeaders(s *fieldScanner, r *Record) error {
	var got [4][]byte
	for i := range got {
		f, kind := s.next()
		if kind != fieldQuoted {
			return &ParseError{Reason: "bad_envoy_line", Detail: "missing quoted user agent, request id, authority or upstream host"}
		}
		got[i] = f
	}
	r.UserAgent, r.RequestID = dashToNil(got[0]), dashToNil(got[1])
	if len(r.ClientIP) == 0 {
		r.ClientIP = istioDownstream(s)
	}
	return nil
}

// istioDownstream reads, after the upstream host, Istio's
// %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS%
// %DOWNSTREAM_REMOTE_ADDRESS% and returns the last when it is an address:
// the client when X-Forwarded-For is "-". Envoy's default format has no
// such fields: nil.
func istioDownstream(s *fieldScanner) []byte {
	var f []byte
	for range 4 {
		var kind fieldKind
		f, kind = s.next()
		switch kind {
		case fieldBare:
		case fieldBracket: // "[2001:db8::1]:443": the scanner stops at ']'
			for s.pos < len(s.line) && s.line[s.pos] != ' ' {
				s.pos++
			}
		default:
			return nil
		}
	}
	if !isIPAddr(f) {
		return nil
	}
	return f
}

func uintOrDash(b []byte) bool {
	_, ok := fieldUint(b)
	return ok || isDash(b)
}

// isResponseFlags reports whether b is "-" or a comma-separated list of
// Envoy response flags (upper-case letters: RL, UF,URX, UAEX, …).
func isResponseFlags(b []byte) bool {
	if isDash(b) {
		return true
	}
	prev := byte(',')
	for _, c := range b {
		switch {
		case 'A' <= c && c <= 'Z':
		case c == ',' && prev != ',':
		default:
			return false
		}
		prev = c
	}
	return len(b) > 0 && prev != ','
}
