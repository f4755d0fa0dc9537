package loggen

import (
	"strconv"
	"strings"
)

// placement says where a request's error body is logged.
type placement uint8

const (
	placeNone     placement = iota // not logged anywhere
	placeEmbedded                  // in the access line (resp_body string, response_body object)
	placeErrorLog                  // app-errors.jsonl: {"time","request_id","status","body"}
	placeBare                      // app-errors.jsonl: the envelope alone, with its own requestId
)

var placementNames = [...]string{placeNone: "none", placeEmbedded: "embedded", placeErrorLog: "error_log", placeBare: "bare"}

// request is one access-log line to be: a request as the gateway saw it.
type request struct {
	at      int64 // Unix ms
	sink    sinkID
	rt      *route
	id      string // "" for nginx combined (no request id)
	method  string
	path    string
	status  int
	code    string // the body's code chosen with the status
	forced  bool   // status was set by a scenario; limits must not override it
	partner *partner
	// partnerField is the partner id as logged (a key id, a partner name),
	// "" when the line carries none.
	partnerField string
	ip, ua       string
	latencyMs    float64
	bytesIn      int
	bytesOut     int
	idem         string
	retryAfter   int // Retry-After header, seconds; -1 = absent
	rlLimit      int64
	rlRemaining  int64
	rlReset      int64 // epoch seconds (nginx-json) or seconds to reset (gateway.jsonl); -1 = absent
	errType      string
	flags        string
	apiKey       string // raw x-api-key (nginx-json)
	auth         string // raw bearer token (gateway.jsonl)
	queryKey     string // raw api_key in the query string (nginx combined)
	upstream     string
	body         *body
	place        placement
	wantBody     bool    // scenario attempts always log their body
	statusText   string  // malformed lines only: a non-numeric status to write instead of status
	run          *seqRun // the scenario sequence the request belongs to, if any
}

func (r *request) loggedRetryAfter() int {
	if r.retryAfter >= 0 {
		return r.retryAfter
	}
	if r.body != nil && r.place != placeNone && r.body.retryAfter >= 0 {
		return r.body.retryAfter
	}
	return -1
}

func appendInt(dst []byte, v int64) []byte { return strconv.AppendInt(dst, v, 10) }

func (r *request) appendStatus(dst []byte, quoted bool) []byte {
	if r.statusText != "" {
		return appendJSONString(dst, r.statusText)
	}
	if quoted {
		dst = append(dst, '"')
		dst = appendInt(dst, int64(r.status))
		return append(dst, '"')
	}
	return appendInt(dst, int64(r.status))
}

func pathOnly(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[:i]
	}
	return p
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

var errTypeMessages = map[string]string{
	"THROTTLED":      "Too Many Requests",
	"QUOTA_EXCEEDED": "Limit Exceeded",
	"WAF_FILTERED":   "Forbidden",
}

// appendAPIGW appends an API Gateway JSON access-log line. Values are
// strings as $context variables render them, "-" when empty. The v2 layout
// (after a log-format change) adds requestTimeEpoch and nests
// error.responseType; v1 has a flat errorResponseType.
func appendAPIGW(dst []byte, r *request, v2 bool) []byte {
	dst = append(dst, `{"requestId":`...)
	dst = appendJSONString(dst, r.id)
	dst = append(dst, `,"ip":`...)
	dst = appendJSONString(dst, r.ip)
	dst = append(dst, `,"requestTime":"`...)
	dst = appendCLF(dst, r.at, 0)
	dst = append(dst, '"')
	if v2 {
		dst = append(dst, `,"requestTimeEpoch":`...)
		dst = appendInt(dst, r.at)
	}
	dst = append(dst, `,"httpMethod":`...)
	dst = appendJSONString(dst, r.method)
	dst = append(dst, `,"resourcePath":`...)
	dst = appendJSONString(dst, r.rt.tmpl)
	dst = append(dst, `,"path":`...)
	dst = appendJSONString(dst, pathOnly(r.path))
	dst = append(dst, `,"status":`...)
	dst = r.appendStatus(dst, true)
	dst = append(dst, `,"protocol":"HTTP/1.1","responseLength":"`...)
	dst = appendInt(dst, int64(r.bytesOut))
	dst = append(dst, `","responseLatency":"`...)
	dst = appendInt(dst, int64(r.latencyMs))
	dst = append(dst, `","apiKeyId":`...)
	dst = appendJSONString(dst, dash(r.partnerField))
	if v2 {
		dst = append(dst, `,"error":{"responseType":`...)
		dst = appendJSONString(dst, dash(r.errType))
		dst = append(dst, `,"message":`...)
		dst = appendJSONString(dst, dash(errTypeMessages[r.errType]))
		dst = append(dst, '}')
	} else {
		dst = append(dst, `,"errorResponseType":`...)
		dst = appendJSONString(dst, dash(r.errType))
	}
	return append(dst, '}')
}

// appendNginxEscaped appends s as nginx escapes variables in the default
// (non-JSON) log format: '"', '\' and bytes outside printable ASCII as \xHH.
func appendNginxEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' || c < 0x20 || c > 0x7e {
			dst = append(dst, '\\', 'x', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&0xf])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// nginxOffset is the UTC offset, in minutes, of the nginx servers' local time.
const nginxOffset = 60

// appendNginx appends an nginx "combined" line.
func appendNginx(dst []byte, r *request) []byte {
	dst = append(dst, r.ip...)
	dst = append(dst, " - - ["...)
	dst = appendCLF(dst, r.at, nginxOffset)
	dst = append(dst, `] "`...)
	dst = append(dst, r.method...)
	dst = append(dst, ' ')
	dst = appendNginxEscaped(dst, r.path)
	dst = append(dst, ` HTTP/1.1" `...)
	dst = appendInt(dst, int64(r.status))
	dst = append(dst, ' ')
	dst = appendInt(dst, int64(r.bytesOut))
	dst = append(dst, ` "`...)
	if r.rt != nil && strings.HasPrefix(r.rt.tmpl, "/static/") {
		dst = append(dst, "https://www.example.com/"...)
	} else {
		dst = append(dst, '-')
	}
	dst = append(dst, `" "`...)
	dst = appendNginxEscaped(dst, r.ua)
	return append(dst, '"')
}

// appendNginxJSON appends a line of an nginx log_format with escape=json:
// strings for variables, numbers where the format leaves them unquoted, ""
// for unset headers.
func appendNginxJSON(dst []byte, r *request) []byte {
	dst = append(dst, `{"time_iso8601":"`...)
	dst = appendISO(dst, r.at, nginxOffset, false)
	dst = append(dst, `","msec":`...)
	dst = appendMsec(dst, r.at)
	dst = append(dst, `,"request_id":`...)
	dst = appendJSONString(dst, r.id)
	dst = append(dst, `,"remote_addr":`...)
	dst = appendJSONString(dst, r.ip)
	dst = append(dst, `,"request":`...)
	dst = appendJSONString(dst, r.method+" "+r.path+" HTTP/1.1")
	dst = append(dst, `,"request_method":`...)
	dst = appendJSONString(dst, r.method)
	dst = append(dst, `,"request_uri":`...)
	dst = appendJSONString(dst, r.path)
	dst = append(dst, `,"uri":`...)
	dst = appendJSONString(dst, pathOnly(r.path))
	dst = append(dst, `,"status":`...)
	dst = r.appendStatus(dst, false)
	dst = append(dst, `,"body_bytes_sent":`...)
	dst = appendInt(dst, int64(r.bytesOut))
	dst = append(dst, `,"request_time":`...)
	dst = appendJSON(dst, fixed{r.latencyMs / 1000, 3})
	dst = append(dst, `,"http_user_agent":`...)
	dst = appendJSONString(dst, r.ua)
	dst = append(dst, `,"http_x_api_key":`...)
	dst = appendJSONString(dst, r.apiKey)
	dst = append(dst, `,"api_key_id":`...)
	dst = appendJSONString(dst, r.partnerField)
	dst = append(dst, `,"http_idempotency_key":`...)
	dst = appendJSONString(dst, r.idem)
	dst = appendOptInt(dst, `,"sent_http_x_ratelimit_limit":`, r.rlLimit)
	dst = appendOptInt(dst, `,"sent_http_x_ratelimit_remaining":`, r.rlRemaining)
	dst = appendOptInt(dst, `,"sent_http_x_ratelimit_reset":`, r.rlReset)
	dst = appendOptInt(dst, `,"sent_http_retry_after":`, int64(r.retryAfter))
	dst = append(dst, `,"resp_body":`...)
	if r.body != nil && r.place == placeEmbedded {
		// $resp_body holds the body's text: a JSON document inside a JSON string.
		dst = appendJSONString(dst, string(appendJSON(nil, r.body.v)))
	} else {
		dst = append(dst, `""`...)
	}
	return append(dst, '}')
}

// appendOptInt appends key and v as a string, or "" when v < 0.
func appendOptInt(dst []byte, key string, v int64) []byte {
	dst = append(dst, key...)
	dst = append(dst, '"')
	if v >= 0 {
		dst = appendInt(dst, v)
	}
	return append(dst, '"')
}

// appendEnvoy appends a line in Envoy's default access-log format:
// [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
// %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
// %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
// "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
func appendEnvoy(dst []byte, r *request) []byte {
	dst = append(dst, '[')
	dst = appendISO(dst, r.at, 0, true)
	dst = append(dst, `] "`...)
	dst = append(dst, r.method...)
	dst = append(dst, ' ')
	dst = append(dst, r.path...)
	dst = append(dst, ` HTTP/1.1" `...)
	dst = appendInt(dst, int64(r.status))
	dst = append(dst, ' ')
	dst = append(dst, dash(r.flags)...)
	dst = append(dst, ' ')
	dst = appendInt(dst, int64(r.bytesIn))
	dst = append(dst, ' ')
	dst = appendInt(dst, int64(r.bytesOut))
	dst = append(dst, ' ')
	dst = appendInt(dst, int64(r.latencyMs))
	dst = append(dst, ' ')
	if r.upstream == "" {
		dst = append(dst, '-')
	} else {
		dst = appendInt(dst, max(int64(r.latencyMs)-1-int64(r.latencyMs)/20, 0))
	}
	dst = append(dst, ` "`...)
	dst = append(dst, r.ip...)
	dst = append(dst, `" "`...)
	dst = append(dst, r.ua...)
	dst = append(dst, `" "`...)
	dst = append(dst, r.id...)
	dst = append(dst, `" "api.example.com" "`...)
	dst = append(dst, dash(r.upstream)...)
	return append(dst, '"')
}

// appendGateway appends a generic JSON line from the sessions gateway.
func appendGateway(dst []byte, r *request) []byte {
	dst = append(dst, `{"time":"`...)
	dst = appendISO(dst, r.at, 0, true)
	level := "info"
	if r.status >= 500 {
		level = "error"
	} else if r.status >= 400 {
		level = "warn"
	}
	dst = append(dst, `","level":"`...)
	dst = append(dst, level...)
	dst = append(dst, `","msg":"request","request_id":`...)
	dst = appendJSONString(dst, r.id)
	dst = append(dst, `,"method":`...)
	dst = appendJSONString(dst, r.method)
	dst = append(dst, `,"path":`...)
	dst = appendJSONString(dst, r.path)
	dst = append(dst, `,"route":`...)
	dst = appendJSONString(dst, r.rt.tmpl)
	dst = append(dst, `,"status":`...)
	dst = r.appendStatus(dst, false)
	if r.partnerField != "" {
		// OAuth clients are logged by client id, API-key partners as partner.
		if r.partner != nil && r.partner.oauth {
			dst = append(dst, `,"client_id":`...)
		} else {
			dst = append(dst, `,"partner":`...)
		}
		dst = appendJSONString(dst, r.partnerField)
	}
	dst = append(dst, `,"client_ip":`...)
	dst = appendJSONString(dst, r.ip)
	dst = append(dst, `,"latency_ms":`...)
	dst = appendJSON(dst, fixed{r.latencyMs, 1})
	dst = append(dst, `,"user_agent":`...)
	dst = appendJSONString(dst, r.ua)
	if r.auth != "" {
		dst = append(dst, `,"authorization":`...)
		dst = appendJSONString(dst, "Bearer "+r.auth)
	}
	if r.idem != "" {
		dst = append(dst, `,"idempotency_key":`...)
		dst = appendJSONString(dst, r.idem)
	}
	if r.rlLimit >= 0 {
		dst = append(dst, `,"ratelimit_limit":`...)
		dst = appendInt(dst, r.rlLimit)
		dst = append(dst, `,"ratelimit_remaining":`...)
		dst = appendInt(dst, r.rlRemaining)
		dst = append(dst, `,"ratelimit_reset":`...)
		dst = appendInt(dst, r.rlReset)
	}
	if r.retryAfter >= 0 {
		dst = append(dst, `,"retry_after":`...)
		dst = appendInt(dst, int64(r.retryAfter))
	}
	if r.body != nil && r.place == placeEmbedded {
		dst = append(dst, `,"response_body":`...)
		dst = appendJSON(dst, r.body.v)
	}
	return append(dst, '}')
}

// appendErrorLog appends an application's error-log line for r's body,
// logged at time at. Services log in their own style, as the field
// vocabulary allows:
//
//	{"time","service","request_id","status","body":{…}}            most services
//	{"@timestamp","service","req_id","status_code","body":{…}}      vendors-api
//	{"timestamp":ms,"service","x_request_id","response_code","body":{…}}  personas-api
//	{"time","service","request_id","status","body":"{…}"}           payments-api (body as text)
func appendErrorLog(dst []byte, r *request, at int64) []byte {
	var timeKey, idKey, statusKey string
	switch r.rt.be {
	case beMVMNT:
		timeKey, idKey, statusKey = "@timestamp", "req_id", "status_code"
	case beMoonborn:
		timeKey, idKey, statusKey = "timestamp", "x_request_id", "response_code"
	default:
		timeKey, idKey, statusKey = "time", "request_id", "status"
	}
	dst = append(dst, `{"`...)
	dst = append(dst, timeKey...)
	dst = append(dst, `":`...)
	if timeKey == "timestamp" {
		dst = appendInt(dst, at)
	} else {
		dst = append(dst, '"')
		dst = appendISO(dst, at, 0, true)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"service":"`...)
	dst = append(dst, serviceNames[r.rt.be]...)
	dst = append(dst, `","`...)
	dst = append(dst, idKey...)
	dst = append(dst, `":`...)
	dst = appendJSONString(dst, r.id)
	dst = append(dst, `,"`...)
	dst = append(dst, statusKey...)
	dst = append(dst, `":`...)
	dst = r.appendStatus(dst, false)
	dst = append(dst, `,"body":`...)
	if r.rt.be == bePayments {
		dst = appendJSONString(dst, string(appendJSON(nil, r.body.v)))
	} else {
		dst = appendJSON(dst, r.body.v)
	}
	return append(dst, '}')
}

var serviceNames = [...]string{
	beMovmo:     "flights-api",
	beMoovLogic: "transfers-api",
	beMVMNT:     "vendors-api",
	beSessions:  "sessions-api",
	beMoonborn:  "personas-api",
	bePayments:  "payments-api",
	beWebsite:   "website",
}
