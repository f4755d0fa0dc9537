package errbody

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"
)

func FuzzNormalize(f *testing.F) {
	for _, dir := range []string{"seeds", "bodies"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			body, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(body)
			f.Add(jsonString(f, body))
		}
	}
	for _, s := range []string{
		"", " ", "null", "[]", `""`, `"\"\""`, "{", `{"message":"\xff"}`,
		`{"error":{"code":1e999,"details":{"retryAfter":-1e999}}}`,
		`{"title":"t","status":"2000","errors":{"a":[{"reason":"r"}]}}`,
		`{"error":{"code":429,"message":"q","status":"RESOURCE_EXHAUSTED","details":[{"@type":"x.ErrorInfo","reason":"R"},{"@type":"x.RetryInfo","retryDelay":"3s"},{"@type":"x.BadRequest","fieldViolations":[{"field":"f","description":"d"}]}]}}`,
		`{"errors":[{"status":"422","code":"c","title":"t","detail":"d","source":{"pointer":"/data/attributes/e"}},{"source":{"parameter":"p"}}]}`,
		`{"errors":[{"message":"m","path":["a",0,"b"],"extensions":{"code":"C","status":503}}],"data":null}`,
		`{"code":20001,"message":"Bad request","more_info":"https://www.twilio.com/docs/errors/20001","status":400}`,
		`{"error":"Model x is currently loading","estimated_time":20.5}`,
		`{"error":{"type":"invalid_request_error","message":"m","param":"amount"}}`,
		`{"detail":"Not found."}`,
	} {
		f.Add([]byte(s))
	}

	const warmUp = `{"error":{"code":"warm","message":"up","details":[{"field":"a","message":"b"}]},"requestId":"r"}`
	f.Fuzz(func(t *testing.T, body []byte) {
		env := Normalize(body)

		switch env.Shape {
		case ShapeMessageStatus, ShapeErrorString, ShapeErrorObject, ShapeSuccessErrorCode, ShapeProblem, ShapeCodeMessage, ShapeErrorsArray:
		case ShapeUnknown:
			if env.Code != "" || env.Message != "" || env.Details != "" || env.Fields != nil || env.RetryAfter != -1 {
				t.Errorf("unknown shape with normalised fields: %#v", env)
			}
		default:
			t.Errorf("Shape = %q", env.Shape)
		}
		if env.Code != "" && !isCodeText([]byte(env.Code)) {
			t.Errorf("Code %q is not an identifier", env.Code)
		}
		if len(env.Raw) > MaxRaw || !utf8.ValidString(env.Raw) {
			t.Errorf("Raw: %d bytes (max %d), valid UTF-8 %v", len(env.Raw), MaxRaw, utf8.ValidString(env.Raw))
		}
		if env.RetryAfter < -1 {
			t.Errorf("RetryAfter = %d", env.RetryAfter)
		}
		if env.Status != 0 && (env.Status < 100 || env.Status > 599) {
			t.Errorf("Status = %d", env.Status)
		}
		if len(env.Fields) > maxFields {
			t.Errorf("%d fields, max %d", len(env.Fields), maxFields)
		}
		strs := []string{env.Code, env.Message, env.Details, env.RequestID}
		for _, fe := range env.Fields {
			strs = append(strs, fe.Field, fe.Message)
		}
		for _, s := range strs {
			if len(s) > MaxRaw {
				t.Errorf("string of %d bytes, max %d", len(s), MaxRaw)
			}
			if utf8.Valid(body) && !utf8.ValidString(s) {
				t.Errorf("invalid UTF-8 %q from a valid body", s)
			}
		}

		// A reused Normalizer gives the same Envelope, and the Envelope
		// survives the caller overwriting its buffer.
		var n Normalizer
		n.Normalize([]byte(warmUp))
		buf := bytes.Clone(body)
		got := n.Normalize(buf)
		clear(buf)
		n.Normalize([]byte(warmUp))
		if !reflect.DeepEqual(got, env) {
			t.Errorf("reused Normalizer:\n got %#v\nwant %#v", got, env)
		}
	})
}
