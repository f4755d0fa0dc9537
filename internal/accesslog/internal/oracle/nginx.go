package oracle

import (
	"bytes"
	"net/netip"
	"strconv"
)

// nginx's combined format:
//
//	$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
//
// parseNginx also reads the variants real servers write around it:
//
//   - CLF: the line ends after $body_bytes_sent (no referer, no user agent);
//   - a "$host[:port] " prefix before the address;
//   - an X-Forwarded-For list before $remote_addr, quoted
//     ("203.0.113.9, 10.0.0.1" 10.0.0.2) or not (203.0.113.9, 10.0.0.1 10.0.0.2),
//     or in its place (203.0.113.9, 10.0.0.1);
//   - "unix:" or a host name as the address;
//   - a $request_time number between $body_bytes_sent and the referer;
//   - a quoted "$http_x_forwarded_for" after the user agent (nginx's stock
//     "main" format);
//   - anything else after the user agent (extra quoted fields, junk), ignored.
//
// ClientIP is the originating client: the first entry of an X-Forwarded-For
// list when the line has one (before the address, or trailing as in the
// "main" format), else the first entry of $remote_addr; the $host prefix
// is never the client. The address area is read as up to three
// groups — a group is a quoted value, or bare words chained by trailing
// commas — and, when there are two groups of which the first is a single
// bare word, that word is taken as $host (a lone unquoted forwarded address
// cannot be told from a host name; we follow the host-prefix reading).

// parseNginx parses a combined-format line into r. Rejections carry the
// reasons bad_nginx_line (not combined: no [time], no quoted request, too
// many address fields), bad_time, bad_status (not 100–999) and bad_bytes.
func (p *Parser) parseNginx(line []byte, r *Record) error {
	s := fieldScanner{line: trimLineEnd(line)}
	client, forwarded, when, err := nginxHead(&s)
	if err != nil {
		return err
	}
	ms, prec, ok := ParseTime(when)
	if !ok {
		return &ParseError{Reason: "bad_time", Detail: "time_local " + quoteDetail(when)}
	}
	r.TimeMs, r.TimePrec, r.ClientIP = ms, prec, client

	req, kind := s.next()
	if kind != fieldQuoted {
		return &ParseError{Reason: "bad_nginx_line", Detail: "no quoted request after the time"}
	}
	if r.Method, r.Path, ok = splitRequest(req); !ok {
		return &ParseError{Reason: "bad_request_line", Detail: quoteDetail(req)}
	}

	status, kind := s.next()
	if r.Status, ok = fieldStatus(status); !ok || kind != fieldBare || r.Status < 100 {
		return &ParseError{Reason: "bad_status", Detail: quoteDetail(status)}
	}
	sent, kind := s.next()
	if r.BytesSent, ok = nginxBytes(sent); !ok || kind != fieldBare {
		return &ParseError{Reason: "bad_bytes", Detail: quoteDetail(sent)}
	}
	nginxTail(&s, r, forwarded)
	return nil
}

// nginxHead reads the fields before [$time_local] — the address area,
// "-" and $remote_user — and returns the client address and the time text.
// The last two fields before the time are never addresses, so the address
// area is fed to the grouping two fields late.
func nginxHead(s *fieldScanner) (client []byte, forwarded bool, when []byte, err error) {
	var (
		addrs  nginxAddrs
		held   [2][]byte // the two most recent fields, not yet known to be addresses
		quoted [2]bool
		n      int
	)
	for {
		f, kind := s.next()
		switch kind {
		case fieldBracket:
			if n < 3 {
				return nil, false, nil, &ParseError{Reason: "bad_nginx_line", Detail: "too few fields before the time"}
			}
			client, forwarded, ok := addrs.client()
			if !ok {
				return nil, false, nil, &ParseError{Reason: "bad_nginx_line", Detail: "too many address fields before the time"}
			}
			return client, forwarded, f, nil
		case fieldBare, fieldQuoted:
			if n >= 2 {
				addrs.add(held[n%2], quoted[n%2])
			}
			held[n%2], quoted[n%2] = f, kind == fieldQuoted
			n++
		default:
			return nil, false, nil, &ParseError{Reason: "bad_nginx_line", Detail: "no [time] field"}
		}
	}
}

// nginxAddrs groups the fields of the address area: [$host] [XFF] $remote_addr.
type nginxAddrs struct {
	first  [3][]byte // each group's first entry
	list   [3]bool   // the group is forwarded-for style: quoted or comma-separated
	groups int
	chain  bool // the last bare field ended with a comma: the next one continues its group
	over   bool // more than three groups
}

func (a *nginxAddrs) add(f []byte, quoted bool) {
	continues := a.chain && !quoted
	a.chain = !quoted && len(f) > 0 && f[len(f)-1] == ','
	if continues {
		return
	}
	if a.groups == len(a.first) {
		a.over = true
		return
	}
	a.first[a.groups] = firstListEntry(f)
	a.list[a.groups] = quoted || a.chain || bytes.IndexByte(f, ',') >= 0
	a.groups++
}

// client picks the originating client address (see the comment at the
// top) and says whether it came from a forwarded-for list.
func (a *nginxAddrs) client() (addr []byte, forwarded, ok bool) {
	var xff, remote []byte
	switch {
	case a.over || a.groups == 0:
		return nil, false, false
	case a.groups == 1:
		remote = a.first[0]
	case a.groups == 2 && a.list[0]: // XFF $remote_addr
		xff, remote = a.first[0], a.first[1]
	case a.groups == 2: // $host $remote_addr
		remote = a.first[1]
	default: // $host XFF $remote_addr
		xff, remote = a.first[1], a.first[2]
	}
	if len(xff) > 0 {
		return xff, true, true
	}
	return remote, false, true
}

// nginxBytes parses $body_bytes_sent; Apache's CLF "-" means no body (0).
func nginxBytes(b []byte) (int64, bool) {
	if isDash(b) {
		return 0, true
	}
	return fieldUint(b)
}

// nginxTail reads what may follow $body_bytes_sent: an optional
// $request_time, the referer, the user agent and — as nginx's stock "main"
// format ends — a quoted "$http_x_forwarded_for". That last one gives the
// client when the address area had no forwarded-for list and its first
// entry is an IP address (so trailing junk is never taken for a client).
// Anything else ends the line's useful part; it is ignored, not an error.
func nginxTail(s *fieldScanner, r *Record, forwarded bool) {
	f, kind := s.next()
	if kind == fieldBare {
		ms, ok := fieldSecondsMs(f)
		if !ok {
			return
		}
		r.LatencyMs = ms
		_, kind = s.next()
	}
	if kind != fieldQuoted { // referer
		return
	}
	if f, kind = s.next(); kind != fieldQuoted {
		return
	}
	r.UserAgent = dashToNil(f)
	if f, kind = s.next(); kind == fieldQuoted && !forwarded {
		// A bare address only: "10.0.0.5:8080" is an $upstream_addr.
		if first := firstListEntry(f); isBareIP(first) {
			r.ClientIP = first
		}
	}
}

// isIPAddr reports whether b is an IPv4 or IPv6 address, possibly
// bracketed or with a port (Istio's %DOWNSTREAM_REMOTE_ADDRESS%).
func isIPAddr(b []byte) bool { return isBareIP(hostOnly(b)) }

// isBareIP reports whether b is an IPv4 or IPv6 address with no port, as
// an X-Forwarded-For entry is.
func isBareIP(b []byte) bool {
	if len(b) == 0 || len(b) > len("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%eth0") {
		return false
	}
	_, err := netip.ParseAddr(string(b))
	return err == nil
}

// quoteDetail quotes a field for a ParseError's detail, cut to 40 bytes.
func quoteDetail(b []byte) string {
	const limit = 40
	if len(b) > limit {
		return strconv.Quote(string(b[:limit])) + "…"
	}
	return strconv.Quote(string(b))
}
