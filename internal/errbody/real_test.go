package errbody

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realBody is what one real body (a line of ../../testdata/bodies/*.jsonl,
// copied from the public API clients named in ../../testdata/SOURCES.md)
// must normalise to.
type realBody struct {
	shape, code string
	status      uint16
	fields      string // "field=message;…" ("" when none)
	message     string // a prefix of the message
}

var realBodies = map[string][]realBody{
	"twilio.jsonl": {
		{ShapeCodeMessage, "20001", 400, "", "Bad request"},
		{ShapeCodeMessage, "20001", 400, "", "Bad request"},
	},
	"slack.jsonl": {
		{ShapeErrorString, "missing_argument", 0, "", ""},
		{ShapeErrorString, "not_found", 0, "", ""},
		{ShapeErrorString, "invalid_arguments", 0, "", ""},
	},
	"anthropic.jsonl": {
		{ShapeErrorObject, "invalid_request_error", 0, "", "Invalid request"},
		{ShapeErrorObject, "invalid_request_error", 0, "", "Bad request"},
		{ShapeErrorObject, "overloaded_error", 0, "", "Overloaded"},
		{ShapeErrorObject, "invalid_request_error", 0, "", "max_tokens: too large"},
	},
	"stripe.jsonl": {
		{ShapeErrorObject, "temporary_session_expired", 0, "", "Temporary session expired"},
		{ShapeErrorObject, "card_error", 0, "", ""},
		{ShapeErrorString, "", 0, "", "Conflict (this should be retried)."}, // a sentence is a message
		{ShapeErrorString, "invalid_grant", 0, "", "Authorization code does not exist"},
	},
	"openai.jsonl": {
		{ShapeErrorObject, "", 0, "", "Unauthorized"},
		{ShapeErrorObject, "", 0, "", "retry"},
	},
	"google.jsonl": {
		{ShapeErrorObject, "", 0, "", "Error message for StatusNotFound."},
		{ShapeErrorString, "invalid_token", 0, "", "Invalid Value"},
		{ShapeErrorObject, "keyInvalid", 400, "", "Bad Request"},
		{ShapeErrorObject, "INVALID_ARGUMENT", 400,
			"metadata.name=The revision name must be prefixed by the name of the enclosing Service or Configuration with a trailing -",
			"The request has errors"},
		{ShapeErrorObject, "", 0, "", ""},
	},
	"azure.jsonl": {
		{ShapeErrorObject, "InternalError", 0, "", "Azure is having trouble right now."},
		{ShapeErrorObject, "MissingSubscriptionRegistration", 0,
			"Microsoft.EventGrid=The subscription registration is in 'Unregistered' state. The subscription must be registered to use namespace 'Microsoft.EventGrid'. See https://aka.ms/rps-not-found for how to register subscriptions.",
			"The subscription registration"},
	},
	"graphql.jsonl": {
		{ShapeErrorsArray, "COMPLEXITY_LIMIT_EXCEEDED", 0, "", "operation has complexity 4"},
		{ShapeErrorsArray, "GRAPHQL_VALIDATION_FAILED", 0, "variable.episode=INVALID is not a valid Episode", "INVALID is not a valid Episode"},
		{ShapeErrorsArray, "GRAPHQL_VALIDATION_FAILED", 0, "", "String cannot represent a non string value: 1"},
	},
	"github.jsonl": {
		{ShapeMessageStatus, "", 0, "", "Resource not found"},
		{ShapeMessageStatus, "", 0, "", "API rate limit exceeded"},
		{ShapeMessageStatus, "", 0, "=error 1", "m"},
	},
	"jsonapi.jsonl": {
		{ShapeErrorsArray, "", 422, "first-name=First name must contain at least three characters.", "Invalid Attribute"},
		{ShapeErrorsArray, "", 400, "include=Include parameter is invalid", "BadRequest"},
	},
}

// TestNormalizeRealBodies normalises every line of the real-world body
// fixtures and checks each against its expectation; a fixture line
// without one fails, so the corpus cannot grow untested.
func TestNormalizeRealBodies(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "bodies", "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no body fixtures: %v", err)
	}
	total := 0
	for _, path := range files {
		name := filepath.Base(path)
		want, ok := realBodies[name]
		if !ok {
			t.Errorf("%s: no expectations", name)
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		n := 0
		for sc.Scan() {
			if n >= len(want) {
				t.Errorf("%s:%d: no expectation for this line", name, n+1)
				n++
				continue
			}
			w := want[n]
			n++
			env := Normalize(sc.Bytes())
			var fields []string
			for _, fe := range env.Fields {
				fields = append(fields, fe.Field+"="+fe.Message)
			}
			got := strings.Join(fields, ";")
			if env.Shape != w.shape || env.Code != w.code || env.Status != w.status || got != w.fields || !strings.HasPrefix(env.Message, w.message) {
				t.Errorf("%s:%d: shape %q code %q status %d fields %q message %q;\nwant shape %q code %q status %d fields %q message %q…",
					name, n, env.Shape, env.Code, env.Status, got, env.Message, w.shape, w.code, w.status, w.fields, w.message)
			}
		}
		_ = f.Close()
		if n != len(want) {
			t.Errorf("%s: %d lines, %d expectations", name, n, len(want))
		}
		total += n
	}
	t.Logf("%d real bodies in %d files", total, len(files))
}
