package loggen_test

// This test's own parsers for the sample's formats: regular expressions
// and encoding/json, nothing from ratescope.

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	combinedRE = regexp.MustCompile(`^(\S+) - (\S+) \[(\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "([A-Z]+) ([^ "]+) HTTP/1\.[01]" (\d{3}) (\d+) "([^"]*)" "([^"]*)"$`)
	envoyRE    = regexp.MustCompile(`^\[(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\] "([A-Z]+) ([^ "]+) HTTP/1\.1" (\d{3}) (-|[A-Z]+(?:,[A-Z]+)*) (\d+) (\d+) (\d+) (-|\d+) "([^"]*)" "([^"]*)" "([0-9a-f-]{36})" "([^"]*)" "(-|[0-9.]+:\d+)"$`)
	uuidRE     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	hex32RE    = regexp.MustCompile(`^[0-9a-f]{32}$`)
	reqIDRE    = regexp.MustCompile(`^req_[0-9A-HJKMNP-TV-Z]{26}$`)
	digitsRE   = regexp.MustCompile(`^\d+$`)
	apiKeyRE   = regexp.MustCompile(`rk_live_[0-9A-Za-z]{32}`)
	bearerRE   = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}`)
	queryKeyRE = regexp.MustCompile(`[?&]api_key=([^& ]+)`)
)

const clfLayout = "02/Jan/2006:15:04:05 -0700"

// access is one access-log request as this test reads it.
type access struct {
	file       string
	at         time.Time
	status     int
	method     string
	path       string
	ip         string
	partner    string
	idem       string
	retryAfter int // -1: none logged
	errType    string
}

// bodyRec is one logged error body.
type bodyRec struct {
	file   string
	status int // the status its error-log line states; 0 for embedded and bare
	body   map[string]any
	raw    string
}

func decodeObject(line string) (map[string]any, error) {
	if !utf8.ValidString(line) {
		return nil, fmt.Errorf("invalid UTF-8")
	}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data")
	}
	return m, nil
}

func str(m map[string]any, k string) (string, bool) {
	s, ok := m[k].(string)
	return s, ok
}

func num(m map[string]any, k string) (int64, bool) {
	n, ok := m[k].(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

func float(m map[string]any, k string) (float64, bool) {
	n, ok := m[k].(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

var apigwErrTypes = map[string]int{"-": 0, "THROTTLED": 429, "QUOTA_EXCEEDED": 429, "WAF_FILTERED": 403}

func parseAPIGW(line string, v1Only bool) (string, *access, error) {
	m, err := decodeObject(line)
	if err != nil {
		return "", nil, err
	}
	a := &access{retryAfter: -1}
	id, _ := str(m, "requestId")
	if !uuidRE.MatchString(id) {
		return "", nil, fmt.Errorf("requestId %q", id)
	}
	rt, _ := str(m, "requestTime")
	at, err := time.Parse(clfLayout, rt)
	if err != nil {
		return "", nil, fmt.Errorf("requestTime: %v", err)
	}
	a.at = at
	if ep, ok := m["requestTimeEpoch"]; ok {
		if v1Only {
			return "", nil, fmt.Errorf("requestTimeEpoch in the old layout")
		}
		ms, ok := num(m, "requestTimeEpoch")
		if !ok || ms/1000 != at.Unix() {
			return "", nil, fmt.Errorf("requestTimeEpoch %v vs requestTime %s", ep, rt)
		}
		a.at = time.UnixMilli(ms)
	}
	st, _ := str(m, "status")
	if !digitsRE.MatchString(st) || len(st) != 3 {
		return "", nil, fmt.Errorf("status %q", st)
	}
	a.status, _ = strconv.Atoi(st)
	for _, k := range []string{"responseLength", "responseLatency"} {
		if v, _ := str(m, k); !digitsRE.MatchString(v) {
			return "", nil, fmt.Errorf("%s %q", k, v)
		}
	}
	a.method, _ = str(m, "httpMethod")
	a.path, _ = str(m, "path")
	a.ip, _ = str(m, "ip")
	if rp, _ := str(m, "resourcePath"); a.method == "" || !strings.HasPrefix(a.path, "/") || !strings.HasPrefix(rp, "/") || a.ip == "" {
		return "", nil, fmt.Errorf("method/path/resourcePath/ip missing")
	}
	key, ok := str(m, "apiKeyId")
	if !ok {
		return "", nil, fmt.Errorf("no apiKeyId")
	}
	if key != "-" {
		a.partner = key
	}
	if e, ok := m["error"].(map[string]any); ok {
		if v1Only {
			return "", nil, fmt.Errorf("error object in the old layout")
		}
		a.errType, _ = str(e, "responseType")
	} else {
		a.errType, ok = str(m, "errorResponseType")
		if !ok {
			return "", nil, fmt.Errorf("no error type")
		}
	}
	want, known := apigwErrTypes[a.errType]
	if !known || (want != 0 && want != a.status) {
		return "", nil, fmt.Errorf("error type %q on status %d", a.errType, a.status)
	}
	if a.errType == "-" {
		a.errType = ""
	}
	return id, a, nil
}

func parseCombined(line string) (*access, error) {
	g := combinedRE.FindStringSubmatch(line)
	if g == nil {
		return nil, fmt.Errorf("not combined")
	}
	at, err := time.Parse(clfLayout, g[3])
	if err != nil {
		return nil, err
	}
	st, _ := strconv.Atoi(g[6])
	return &access{at: at, ip: g[1], method: g[4], path: g[5], status: st, retryAfter: -1}, nil
}

var nginxJSONKeys = []string{"api_key_id", "body_bytes_sent", "http_idempotency_key", "http_user_agent", "http_x_api_key", "msec",
	"remote_addr", "request", "request_id", "request_method", "request_time", "request_uri", "resp_body",
	"sent_http_retry_after", "sent_http_x_ratelimit_limit", "sent_http_x_ratelimit_remaining", "sent_http_x_ratelimit_reset",
	"status", "time_iso8601", "uri"}

func parseNginxJSON(line string) (string, *access, map[string]any, error) {
	m, err := decodeObject(line)
	if err != nil {
		return "", nil, nil, err
	}
	if keys := slices.Sorted(maps.Keys(m)); !slices.Equal(keys, nginxJSONKeys) {
		return "", nil, nil, fmt.Errorf("keys %v", keys)
	}
	id, _ := str(m, "request_id")
	if !hex32RE.MatchString(id) {
		return "", nil, nil, fmt.Errorf("request_id %q", id)
	}
	st, ok := num(m, "status")
	if !ok {
		return "", nil, nil, fmt.Errorf("status %v", m["status"])
	}
	iso, _ := str(m, "time_iso8601")
	at, err := time.Parse(time.RFC3339, iso)
	if err != nil {
		return "", nil, nil, err
	}
	msec, ok := float(m, "msec")
	if !ok || int64(msec) != at.Unix() {
		return "", nil, nil, fmt.Errorf("msec %v vs %s", m["msec"], iso)
	}
	a := &access{status: int(st), at: time.UnixMilli(int64(msec*1000 + 0.5)), retryAfter: -1}
	a.method, _ = str(m, "request_method")
	a.path, _ = str(m, "request_uri")
	if req, _ := str(m, "request"); req != a.method+" "+a.path+" HTTP/1.1" {
		return "", nil, nil, fmt.Errorf("request %q", req)
	}
	if uri, _ := str(m, "uri"); uri != strings.SplitN(a.path, "?", 2)[0] {
		return "", nil, nil, fmt.Errorf("uri %q", uri)
	}
	a.ip, _ = str(m, "remote_addr")
	a.partner, _ = str(m, "api_key_id")
	a.idem, _ = str(m, "http_idempotency_key")
	if ra, _ := str(m, "sent_http_retry_after"); ra != "" {
		a.retryAfter, _ = strconv.Atoi(ra)
	}
	var body map[string]any
	if rb, _ := str(m, "resp_body"); rb != "" {
		if body, err = decodeObject(rb); err != nil {
			return "", nil, nil, fmt.Errorf("resp_body: %v", err)
		}
	}
	return id, a, body, nil
}

func parseEnvoy(line string) (string, *access, error) {
	g := envoyRE.FindStringSubmatch(line)
	if g == nil {
		return "", nil, fmt.Errorf("not envoy")
	}
	at, err := time.Parse(time.RFC3339Nano, g[1])
	if err != nil {
		return "", nil, err
	}
	st, _ := strconv.Atoi(g[4])
	a := &access{at: at, method: g[2], path: g[3], status: st, ip: g[10], retryAfter: -1}
	if g[5] != "-" {
		a.errType = g[5]
	}
	return g[12], a, nil
}

func parseGateway(line string) (string, *access, map[string]any, error) {
	m, err := decodeObject(line)
	if err != nil {
		return "", nil, nil, err
	}
	id, _ := str(m, "request_id")
	if !reqIDRE.MatchString(id) {
		return "", nil, nil, fmt.Errorf("request_id %q", id)
	}
	ts, _ := str(m, "time")
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return "", nil, nil, err
	}
	st, ok := num(m, "status")
	if !ok {
		return "", nil, nil, fmt.Errorf("status %v", m["status"])
	}
	a := &access{at: at, status: int(st), retryAfter: -1}
	a.method, _ = str(m, "method")
	a.path, _ = str(m, "path")
	a.ip, _ = str(m, "client_ip")
	a.partner, _ = str(m, "partner")
	if cid, ok := str(m, "client_id"); ok {
		if a.partner != "" {
			return "", nil, nil, fmt.Errorf("both partner and client_id")
		}
		a.partner = cid
	}
	a.idem, _ = str(m, "idempotency_key")
	if route, _ := str(m, "route"); a.method == "" || !strings.HasPrefix(a.path, "/") || !strings.HasPrefix(route, "/") {
		return "", nil, nil, fmt.Errorf("method/path/route")
	}
	if _, ok := float(m, "latency_ms"); !ok {
		return "", nil, nil, fmt.Errorf("latency_ms")
	}
	if auth, ok := str(m, "authorization"); ok && !strings.HasPrefix(auth, "Bearer ") {
		return "", nil, nil, fmt.Errorf("authorization %q", auth)
	}
	if ra, ok := num(m, "retry_after"); ok {
		a.retryAfter = int(ra)
	}
	for _, k := range []string{"ratelimit_limit", "ratelimit_remaining", "ratelimit_reset"} {
		if _, present := m[k]; present {
			if _, ok := num(m, k); !ok {
				return "", nil, nil, fmt.Errorf("%s", k)
			}
		}
	}
	var body map[string]any
	if rb, present := m["response_body"]; present {
		if body, ok = rb.(map[string]any); !ok {
			return "", nil, nil, fmt.Errorf("response_body is not an object")
		}
	}
	return id, a, body, nil
}

// parseAppError reads an error-log line, in any of the services' styles,
// or a bare envelope.
func parseAppError(line string) (string, bodyRec, error) {
	m, err := decodeObject(line)
	if err != nil {
		return "", bodyRec{}, err
	}
	styles := []struct{ time, id, status string }{
		{"time", "request_id", "status"},
		{"@timestamp", "req_id", "status_code"},
		{"timestamp", "x_request_id", "response_code"},
	}
	for _, st := range styles {
		id, ok := str(m, st.id)
		if !ok {
			continue
		}
		if st.time == "timestamp" {
			if _, ok := num(m, st.time); !ok {
				return "", bodyRec{}, fmt.Errorf("timestamp %v", m[st.time])
			}
		} else if ts, _ := str(m, st.time); !isRFC3339(ts) {
			return "", bodyRec{}, fmt.Errorf("%s %q", st.time, ts)
		}
		status, ok := num(m, st.status)
		if !ok {
			return "", bodyRec{}, fmt.Errorf("%s %v", st.status, m[st.status])
		}
		var body map[string]any
		switch b := m["body"].(type) {
		case map[string]any:
			body = b
		case string: // the body's text
			if body, err = decodeObject(b); err != nil {
				return "", bodyRec{}, fmt.Errorf("body text: %v", err)
			}
		}
		if body == nil || id == "" {
			return "", bodyRec{}, fmt.Errorf("no body")
		}
		return id, bodyRec{status: int(status), body: body}, nil
	}
	id, _ := str(m, "requestId")
	_, hasMethod := m["method"]
	_, hasPath := m["path"]
	if id == "" || hasMethod || hasPath {
		return "", bodyRec{}, fmt.Errorf("neither an error-log line nor a bare envelope")
	}
	return id, bodyRec{body: m}, nil
}

func isRFC3339(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// bodyShape classifies an error body by its keys, as this test reads the
// seed pages, and returns its code and the number of field errors.
func bodyShape(b map[string]any) (shape, code string, fields int) {
	if _, ok := b["errorCode"]; ok {
		code, _ = str(b, "errorCode")
		if d, ok := b["details"].(map[string]any); ok {
			f, _ := d["fields"].([]any)
			fields = len(f)
		}
		return "success_errorcode", code, fields
	}
	switch e := b["error"].(type) {
	case string:
		errs, _ := b["errors"].([]any)
		return "error_string", e, len(errs)
	case map[string]any:
		code, _ = str(e, "code")
		d, _ := e["details"].([]any)
		return "error_object", code, len(d)
	}
	if t, ok := str(b, "type"); ok {
		if _, ok := b["title"]; ok {
			p, _ := b["invalid-params"].([]any)
			return "problem", t[strings.LastIndex(t, "/")+1:], len(p)
		}
	}
	if _, ok := str(b, "message"); ok {
		f, _ := b["fields"].(map[string]any)
		return "message_status", "", len(f)
	}
	return "unknown", "", 0
}

func bodyRetryAfter(b map[string]any) int {
	for _, d := range []any{b["details"], func() any {
		if e, ok := b["error"].(map[string]any); ok {
			return e["details"]
		}
		return nil
	}()} {
		if dm, ok := d.(map[string]any); ok {
			if n, ok := num(dm, "retryAfter"); ok {
				return int(n)
			}
		}
	}
	return -1
}
