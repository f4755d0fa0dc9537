package accesslog

import (
	"slices"
	"testing"
)

func TestMapping(t *testing.T) {
	m, err := NewMapping(map[string]FieldSpec{
		"time": {Key: "ts"}, "request_id": {Key: "rid"}, "request": {Key: "req"},
		"status": {Key: "code"}, "client_ip": {Key: "client"}, "latency": {Key: "dur", Unit: "s"},
	})
	if err != nil {
		t.Fatal(err)
	}
	line := []byte(`{"ts":"2026-12-04T10:00:00Z","client":"10.0.0.1","req":"GET /v1/x?y=1 HTTP/1.1","code":503,"dur":0.25,"rid":"r-1"}`)
	p := NewParser(FormatJSONL)
	var r Record
	if err := p.Parse(line, &r); err == nil && (r.Status != 0 || len(r.RequestID) != 0) {
		t.Fatalf("without the mapping the line is understood: %+v", r)
	}
	p.SetMapping(m)
	if err := p.Parse(line, &r); err != nil {
		t.Fatal(err)
	}
	if string(r.RequestID) != "r-1" || r.Status != 503 || string(r.Method) != "GET" || string(r.Path) != "/v1/x?y=1" ||
		string(r.ClientIP) != "10.0.0.1" || r.LatencyMs != 250 || r.TimeMs == 0 {
		t.Errorf("record = %+v", r)
	}
	if got := UnknownKeys(line, nil); !slices.Equal(got, []string{"client", "req", "dur", "rid"}) {
		t.Errorf("UnknownKeys without mapping = %v", got)
	}
	if got := UnknownKeys(line, m); len(got) != 0 {
		t.Errorf("UnknownKeys with mapping = %v", got)
	}
}

func TestMappingErrors(t *testing.T) {
	for _, f := range []map[string]FieldSpec{
		{"stauts": {Key: "code"}},
		{"status": {}},
		{"status": {Key: "a"}, "time": {Key: "a"}},
		{"latency": {Key: "d", Unit: "h"}},
		{"status": {Key: "c", Unit: "s"}},
	} {
		if _, err := NewMapping(f); err == nil {
			t.Errorf("NewMapping(%v): no error", f)
		}
	}
}
