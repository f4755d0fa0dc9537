package errbody

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// seedCases are the exact example bodies of the five seed pages
// (testdata/seeds) with every normalised field. Raw is filled in by the
// test: the file's text without surrounding whitespace.
var seedCases = []struct {
	file string
	want Envelope
}{
	{"movmo_not_found.json", Envelope{
		Shape:      ShapeMessageStatus,
		Message:    "user payment method not found",
		Details:    "payment method 00000000-0000-0000-0000-000000000010 not found for user 00000000-0000-0000-0000-000000000001",
		RetryAfter: -1,
		Status:     404,
	}},
	{"moovlogic_invalid_credentials.json", Envelope{
		Shape:      ShapeErrorString,
		Code:       "invalid_credentials",
		Message:    "The API key or secret is incorrect.",
		RetryAfter: -1,
		RequestID:  "req_01HZ9VBKX4EFGH2J...",
	}},
	{"moovlogic_validation_error.json", Envelope{
		Shape:   ShapeErrorString,
		Code:    "validation_error",
		Message: "One or more fields failed validation.",
		Fields: []FieldError{
			{"pickupDateTimeUtc", "Pickup time must be in the future."},
			{"passengerEmail", "Invalid email address format."},
		},
		RetryAfter: -1,
		RequestID:  "req_01HZ9VBKX4E...",
	}},
	{"mvmnt_validation_error.json", Envelope{
		Shape:      ShapeErrorObject,
		Code:       "VALIDATION_ERROR",
		Message:    "Validation failed",
		Fields:     []FieldError{{"email", "Invalid email format"}},
		RetryAfter: -1,
	}},
	{"mvmnt_bad_request.json", Envelope{
		Shape:      ShapeErrorObject,
		Code:       "BAD_REQUEST",
		Message:    "Invalid JSON in request body",
		RetryAfter: -1,
	}},
	{"mvmnt_unauthorized.json", Envelope{
		Shape:      ShapeErrorObject,
		Code:       "UNAUTHORIZED",
		Message:    "Invalid or expired access token",
		RetryAfter: -1,
	}},
	{"mvmnt_not_found.json", Envelope{
		Shape:      ShapeErrorObject,
		Code:       "NOT_FOUND",
		Message:    "Vendor not found",
		RetryAfter: -1,
	}},
	{"mvmnt_duplicate_key.json", Envelope{
		Shape:      ShapeErrorObject,
		Code:       "DUPLICATE_KEY",
		Message:    "A vendor with this key already exists",
		Fields:     []FieldError{{"key", "Key 'ERP-VENDOR-123' is already in use"}},
		RetryAfter: -1,
	}},
	{"mvmnt_validation_error_two_fields.json", Envelope{
		Shape:   ShapeErrorObject,
		Code:    "VALIDATION_ERROR",
		Message: "Validation failed",
		Fields: []FieldError{
			{"email", "Invalid email format"},
			{"phone", "Phone number is required"},
		},
		RetryAfter: -1,
	}},
	{"mvmnt_rate_limit_exceeded.json", Envelope{
		Shape:      ShapeErrorObject,
		Code:       "RATE_LIMIT_EXCEEDED",
		Message:    "Rate limit exceeded. Try again in 30 seconds.",
		RetryAfter: 30,
	}},
	{"mvmnt_internal_error.json", Envelope{
		Shape:      ShapeErrorObject,
		Code:       "INTERNAL_ERROR",
		Message:    "An unexpected error occurred",
		RetryAfter: -1,
	}},
	{"seed003_rate_limited.json", Envelope{
		Shape:      ShapeSuccessErrorCode,
		Code:       "RATE_LIMITED",
		Message:    "Rate limit exceeded for read endpoints. Retry in 42 seconds.",
		RetryAfter: 42,
		RequestID:  "req_2N7s8x9KqR",
	}},
	{"seed003_invalid_request.json", Envelope{
		Shape:   ShapeSuccessErrorCode,
		Code:    "INVALID_REQUEST",
		Message: "Validation failed.",
		Fields: []FieldError{
			{"email", "must be a valid email"},
			{"phone", "must include country code"},
		},
		RetryAfter: -1,
		RequestID:  "req_2N7s8x9KqR",
	}},
	{"moonborn_rate_limited.json", Envelope{
		Shape:      ShapeErrorObject,
		Code:       "rate_limited",
		Message:    "Per-minute API rate limit exceeded.",
		RetryAfter: 12,
	}},
}

// bodyCases are bodies written for these tests (testdata/bodies): the
// shapes the seed pages describe without an example, and RFC 7807.
var bodyCases = []struct {
	file string
	want Envelope
}{
	{"movmo_validation.json", Envelope{
		Shape:   ShapeMessageStatus,
		Message: "validation failed",
		Fields: []FieldError{ // sorted by field name
			{"email", "must be a valid email address"},
			{"phone", "is required"},
		},
		RetryAfter: -1,
		Status:     400,
	}},
	{"problem_out_of_credit.json", Envelope{
		Shape:      ShapeProblem,
		Code:       "out-of-credit",
		Message:    "You do not have enough credit.",
		Details:    "Your current balance is 30, but that costs 50.",
		RetryAfter: -1,
	}},
	{"problem_invalid_params.json", Envelope{
		Shape:   ShapeProblem,
		Code:    "validation-error",
		Message: "Your request parameters didn't validate.",
		Fields: []FieldError{
			{"age", "must be a positive integer"},
			{"color", "must be 'green', 'red' or 'blue'"},
		},
		RetryAfter: -1,
		Status:     400,
	}},
	{"problem_errors_pointer.json", Envelope{
		Shape:   ShapeProblem,
		Code:    "validation-error",
		Message: "Your request is not valid.",
		Fields: []FieldError{
			{"age", "must be a positive integer"},
			{"profile/color", "must be 'green', 'red' or 'blue'"},
		},
		RetryAfter: -1,
		RequestID:  "req-7807",
		Status:     422,
	}},
	{"problem_too_many_requests.json", Envelope{
		Shape:      ShapeProblem,
		Message:    "Too Many Requests",
		Details:    "Quota exhausted. Retry after 5 minutes.",
		RetryAfter: 300,
		Status:     429,
	}},
	{"problem_aspnet_validation.json", Envelope{
		Shape:   ShapeProblem,
		Code:    "section-15.5.1",
		Message: "One or more validation errors occurred.",
		Fields: []FieldError{
			{"Age", "must be positive"},
			{"Age", "must be a number"},
			{"Name", "The Name field is required."},
		},
		RetryAfter: -1,
		Status:     400,
	}},
	{"problem_code_extension.json", Envelope{
		Shape:      ShapeProblem,
		Code:       "QUOTA_EXCEEDED",
		Message:    "Quota exceeded",
		RetryAfter: 3600,
		Status:     429,
	}},
}

func readTestdata(t testing.TB, dir, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkEnvelope(t *testing.T, got, want Envelope) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
}

// jsonString returns b encoded as a JSON string literal: a double-encoded
// body.
func jsonString(t testing.TB, b []byte) []byte {
	t.Helper()
	out, err := json.Marshal(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestNormalizeFiles(t *testing.T) {
	type fileCase struct {
		dir, file string
		want      Envelope
	}
	var cases []fileCase
	for _, c := range seedCases {
		cases = append(cases, fileCase{"seeds", c.file, c.want})
	}
	for _, c := range bodyCases {
		cases = append(cases, fileCase{"bodies", c.file, c.want})
	}
	for _, c := range cases {
		body := readTestdata(t, c.dir, c.file)
		t.Run(c.file, func(t *testing.T) {
			want := c.want
			want.Raw = string(bytes.TrimSpace(body))
			checkEnvelope(t, Normalize(body), want)
		})
		t.Run(c.file+"/double_encoded", func(t *testing.T) {
			want := c.want
			want.Raw = string(bytes.TrimSpace(body))
			checkEnvelope(t, Normalize(jsonString(t, body)), want)
		})
		t.Run(c.file+"/double_encoded_padded", func(t *testing.T) {
			want := c.want
			want.Raw = string(bytes.TrimSpace(body))
			padded := append([]byte("\r\n \t"), jsonString(t, append([]byte("\n "), body...))...)
			padded = append(padded, "\n\n"...)
			checkEnvelope(t, Normalize(padded), want)
		})
		t.Run(c.file+"/triple_encoded", func(t *testing.T) {
			want := c.want
			want.Raw = string(bytes.TrimSpace(body))
			checkEnvelope(t, Normalize(jsonString(t, jsonString(t, body))), want)
		})
		t.Run(c.file+"/compact", func(t *testing.T) {
			var compact bytes.Buffer
			if err := json.Compact(&compact, body); err != nil {
				t.Fatal(err)
			}
			want := c.want
			want.Raw = compact.String()
			checkEnvelope(t, Normalize(compact.Bytes()), want)
		})
	}
}

func TestNormalizeBodies(t *testing.T) {
	f := func(name, body string, want Envelope) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			want.Raw = strings.TrimSpace(body)
			checkEnvelope(t, Normalize([]byte(body)), want)
		})
	}

	// Shape precedence.
	f("problem_over_everything", `{"type":"https://x.test/t/conflict","title":"Conflict","errorCode":"E1","error":"e","message":"m"}`,
		Envelope{Shape: ShapeProblem, Code: "conflict", Message: "Conflict", RetryAfter: -1})
	f("problem_without_type", `{"title":"Service Unavailable","status":503,"retry_after_seconds":20,"requestId":"r-9"}`,
		Envelope{Shape: ShapeProblem, Message: "Service Unavailable", RetryAfter: 20, RequestID: "r-9", Status: 503})
	f("title_status_and_message_is_not_problem", `{"title":"t","status":500,"message":"m"}`,
		Envelope{Shape: ShapeMessageStatus, Message: "m", RetryAfter: -1, Status: 500})
	f("title_without_type_or_status_is_not_problem", `{"title":"t","message":"m"}`,
		Envelope{Shape: ShapeMessageStatus, Message: "m", RetryAfter: -1})
	f("errorCode_over_error_object", `{"errorCode":"E1","error":{"code":"C"},"message":"m"}`,
		Envelope{Shape: ShapeSuccessErrorCode, Code: "E1", Message: "m", RetryAfter: -1})
	f("error_object_over_message", `{"error":{"code":"C","message":"inner"},"message":"outer"}`,
		Envelope{Shape: ShapeErrorObject, Code: "C", Message: "inner", RetryAfter: -1})
	f("error_object_message_falls_back_to_top", `{"error":{"code":"C"},"message":"outer"}`,
		Envelope{Shape: ShapeErrorObject, Code: "C", Message: "outer", RetryAfter: -1})
	f("error_string_over_message", `{"message":"m","error":"e"}`,
		Envelope{Shape: ShapeErrorString, Code: "e", Message: "m", RetryAfter: -1})
	f("error_null_falls_to_message", `{"error":null,"message":"m"}`,
		Envelope{Shape: ShapeMessageStatus, Message: "m", RetryAfter: -1})
	f("first_duplicate_key_wins", `{"error":"first","error":"second"}`,
		Envelope{Shape: ShapeErrorString, Code: "first", RetryAfter: -1})

	// Codes, messages, request ids and statuses.
	f("numeric_code", `{"error":{"code":1001,"message":"bad"}}`,
		Envelope{Shape: ShapeErrorObject, Code: "1001", Message: "bad", RetryAfter: -1})
	f("escaped_strings", `{"error":"bad_\u0071uote","message":"say \"hi\"\n\u00e9\ud83d\ude00"}`,
		Envelope{Shape: ShapeErrorString, Code: "bad_quote", Message: "say \"hi\"\né😀", RetryAfter: -1})
	f("oauth_error_description", `{"error":"invalid_grant","error_description":"Refresh token expired"}`,
		Envelope{Shape: ShapeErrorString, Code: "invalid_grant", Message: "Refresh token expired", RetryAfter: -1})
	f("aws_gateway_Message", `{"Message":"User is not authorized to access this resource"}`,
		Envelope{Shape: ShapeMessageStatus, Message: "User is not authorized to access this resource", RetryAfter: -1})
	f("request_id_in_error_object", `{"error":{"code":"x","request_id":"abc"}}`,
		Envelope{Shape: ShapeErrorObject, Code: "x", RetryAfter: -1, RequestID: "abc"})
	f("request_id_top_level_first", `{"error":{"code":"x","requestId":"inner"},"req_id":"top"}`,
		Envelope{Shape: ShapeErrorObject, Code: "x", RetryAfter: -1, RequestID: "top"})
	f("status_in_error_object", `{"error":{"code":"x","status":503}}`,
		Envelope{Shape: ShapeErrorObject, Code: "x", RetryAfter: -1, Status: 503})
	f("statusCode_string", `{"message":"m","statusCode":"429"}`,
		Envelope{Shape: ShapeMessageStatus, Message: "m", RetryAfter: -1, Status: 429})
	f("status_out_of_range", `{"message":"m","status_code":999}`,
		Envelope{Shape: ShapeMessageStatus, Message: "m", RetryAfter: -1})
	f("status_not_integer", `{"message":"m","status_code":404.5}`,
		Envelope{Shape: ShapeMessageStatus, Message: "m", RetryAfter: -1})
	f("status_word", `{"message":"m","status":"error"}`,
		Envelope{Shape: ShapeMessageStatus, Message: "m", RetryAfter: -1})
	f("status_huge", `{"message":"m","status":1e300}`,
		Envelope{Shape: ShapeMessageStatus, Message: "m", RetryAfter: -1})
	f("details_object_is_not_text", `{"error":"e","details":{"category":"read"}}`,
		Envelope{Shape: ShapeErrorString, Code: "e", RetryAfter: -1})

	// Field errors.
	f("fields_map_with_lists", `{"message":"x","fields":{"b":["m1","m2"],"a":"m3","c":{"message":"m4"},"d":7}}`,
		Envelope{Shape: ShapeMessageStatus, Message: "x", RetryAfter: -1,
			Fields: []FieldError{{"a", "m3"}, {"b", "m1"}, {"b", "m2"}, {"c", "m4"}}})
	f("fields_list_of_strings", `{"error":"validation_error","errors":["name is required",{"nothing":1},{"field":"age"}]}`,
		Envelope{Shape: ShapeErrorString, Code: "validation_error", RetryAfter: -1,
			Fields: []FieldError{{"", "name is required"}, {"age", ""}}})
	f("fields_in_details_errors", `{"errorCode":"E","details":{"errors":[{"param":"q","msg":"too short"}]}}`,
		Envelope{Shape: ShapeSuccessErrorCode, Code: "E", RetryAfter: -1,
			Fields: []FieldError{{"q", "too short"}}})
	f("fields_pointer_slash", `{"type":"/errors/invalid","title":"Invalid","violations":[{"pointer":"/a/0","message":"bad"}]}`,
		Envelope{Shape: ShapeProblem, Code: "invalid", Message: "Invalid", RetryAfter: -1,
			Fields: []FieldError{{"a/0", "bad"}}})

	// Retry-after.
	f("retry_details_beats_message", `{"error":{"code":"rate_limited","message":"Try again in 30 seconds.","details":{"retryAfter":12}}}`,
		Envelope{Shape: ShapeErrorObject, Code: "rate_limited", Message: "Try again in 30 seconds.", RetryAfter: 12})
	f("retry_after_top_level", `{"message":"slow down","retry_after":7}`,
		Envelope{Shape: ShapeMessageStatus, Message: "slow down", RetryAfter: 7})
	f("retry_after_seconds_string", `{"error":"rate_limit_exceeded","retry_after_seconds":" 15 "}`,
		Envelope{Shape: ShapeErrorString, Code: "rate_limit_exceeded", RetryAfter: 15})
	f("retry_after_fraction_rounds_up", `{"message":"m","retryAfter":1.2}`,
		Envelope{Shape: ShapeMessageStatus, Message: "m", RetryAfter: 2})
	f("retry_after_zero", `{"message":"Retry in 9 seconds","retryAfter":0}`,
		Envelope{Shape: ShapeMessageStatus, Message: "Retry in 9 seconds", RetryAfter: 0})
	f("retry_after_negative_ignored", `{"message":"Retry in 5 seconds","retryAfter":-3}`,
		Envelope{Shape: ShapeMessageStatus, Message: "Retry in 5 seconds", RetryAfter: 5})
	f("retry_after_bad_string_ignored", `{"message":"m","retryAfter":"soon"}`,
		Envelope{Shape: ShapeMessageStatus, Message: "m", RetryAfter: -1})
	f("retry_after_huge_clamped", `{"message":"m","retryAfter":1e300}`,
		Envelope{Shape: ShapeMessageStatus, Message: "m", RetryAfter: 2147483647})
	f("retry_after_nested", `{"error":{"code":"x","details":{"limits":[{"window":"1m"},{"retryAfter":9}]}}}`,
		Envelope{Shape: ShapeErrorObject, Code: "x", RetryAfter: 9})
	f("retry_in_minutes_text", `{"message":"Too many attempts. Please TRY AGAIN IN 2 minutes."}`,
		Envelope{Shape: ShapeMessageStatus, Message: "Too many attempts. Please TRY AGAIN IN 2 minutes.", RetryAfter: 120})
	f("retry_in_details_text", `{"message":"Too Many Requests","details":"retry after 10s"}`,
		Envelope{Shape: ShapeMessageStatus, Message: "Too Many Requests", Details: "retry after 10s", RetryAfter: 10})
	f("retry_text_without_unit", `{"message":"Retry in 42."}`,
		Envelope{Shape: ShapeMessageStatus, Message: "Retry in 42.", RetryAfter: -1})

	// The big public APIs (issue 9).
	f("openai_code_beats_type", `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
		Envelope{Shape: ShapeErrorObject, Code: "invalid_api_key", Message: "Incorrect API key provided", RetryAfter: -1})
	f("stripe_param_is_a_field", `{"error":{"code":"parameter_missing","message":"Missing required param: amount.","param":"amount","type":"invalid_request_error"}}`,
		Envelope{Shape: ShapeErrorObject, Code: "parameter_missing", Message: "Missing required param: amount.", RetryAfter: -1,
			Fields: []FieldError{{"amount", "Missing required param: amount."}}})
	f("google_aip193", `{"error":{"code":429,"message":"Quota exceeded.","status":"RESOURCE_EXHAUSTED","details":[`+
		`{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"googleapis.com","metadata":{"service":"x"}},`+
		`{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"30s"},`+
		`{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"page_size","description":"must be positive"}]}]}}`,
		Envelope{Shape: ShapeErrorObject, Code: "RESOURCE_EXHAUSTED", Message: "Quota exceeded.", Details: "RATE_LIMIT_EXCEEDED",
			RetryAfter: 30, Status: 429, Fields: []FieldError{{"page_size", "must be positive"}}})
	f("google_lowercase_status_is_not_a_code", `{"error":{"code":"E1","status":"error"}}`,
		Envelope{Shape: ShapeErrorObject, Code: "E1", RetryAfter: -1})
	f("microsoft_target", `{"error":{"code":"BadArgument","message":"Multiple errors","target":"ContactInfo","details":[{"code":"NullValue","target":"PhoneNumber","message":"Phone number must not be null"},{"code":"MalformedValue","target":"Address","message":"Address is not valid"}],"innererror":{"code":"x"}}}`,
		Envelope{Shape: ShapeErrorObject, Code: "BadArgument", Message: "Multiple errors", RetryAfter: -1,
			Fields: []FieldError{{"PhoneNumber", "Phone number must not be null"}, {"Address", "Address is not valid"}}})
	f("jsonapi_code_and_pointer", `{"errors":[{"status":"422","code":"too_short","title":"Invalid Attribute","detail":"is too short","source":{"pointer":"/data/attributes/password"}},{"status":"422","title":"Invalid Attribute","detail":"is blank","source":{"pointer":"/data/attributes/email"}}]}`,
		Envelope{Shape: ShapeErrorsArray, Code: "too_short", Message: "Invalid Attribute", Details: "is too short", RetryAfter: -1, Status: 422,
			Fields: []FieldError{{"password", "is too short"}, {"email", "is blank"}}})
	f("graphql_extensions_code", `{"errors":[{"message":"Too many requests","extensions":{"code":"RATE_LIMITED","retryAfter":5}}],"data":null}`,
		Envelope{Shape: ShapeErrorsArray, Code: "RATE_LIMITED", Message: "Too many requests", RetryAfter: 5})
	f("hugging_face_sentence_is_a_message", `{"error":"Model bigscience/bloom is currently loading","estimated_time":20.0}`,
		Envelope{Shape: ShapeErrorString, Message: "Model bigscience/bloom is currently loading", RetryAfter: 20})
	f("sentence_code_in_error_object", `{"error":{"code":"Something went wrong"}}`,
		Envelope{Shape: ShapeErrorObject, Message: "Something went wrong", RetryAfter: -1})
	f("twilio_numeric_code", `{"code":20003,"detail":"Your AccountSid or AuthToken was incorrect.","message":"Authentication Error - invalid username","more_info":"https://www.twilio.com/docs/errors/20003","status":401}`,
		Envelope{Shape: ShapeCodeMessage, Code: "20003", Message: "Authentication Error - invalid username",
			Details: "https://www.twilio.com/docs/errors/20003", RetryAfter: -1, Status: 401})
	f("drf_detail", `{"detail":"Request was throttled. Expected available in 38 seconds."}`,
		Envelope{Shape: ShapeMessageStatus, Message: "Request was throttled. Expected available in 38 seconds.", RetryAfter: -1})

	// An object of no known shape keeps its request id and status.
	f("unknown_object", `{"foo":"bar","request_id":"r1","status":502,"retryAfter":3}`,
		Envelope{Shape: ShapeUnknown, RetryAfter: -1, RequestID: "r1", Status: 502})
	f("unknown_message_not_string", `{"message":42}`,
		Envelope{Shape: ShapeUnknown, RetryAfter: -1})
}

func TestNormalizeUnknown(t *testing.T) {
	f := func(name, body, wantRaw string) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			checkEnvelope(t, Normalize([]byte(body)), Envelope{Shape: ShapeUnknown, RetryAfter: -1, Raw: wantRaw})
		})
	}
	f("empty", "", "")
	f("whitespace", " \r\n\t", "")
	f("null", "null", "null")
	f("array", " [1, 2] ", "[1, 2]")
	f("array_of_envelope", `[{"error":"x"}]`, `[{"error":"x"}]`)
	f("number", "42", "42")
	f("true", "true", "true")
	f("string_text", `"Service Unavailable"`, "Service Unavailable")
	f("string_html", `"<html><body>502 Bad Gateway</body></html>"`, "<html><body>502 Bad Gateway</body></html>")
	f("string_of_array", `"[1]"`, "[1]")
	f("string_of_broken_object", `"{\"message\":"`, `{"message":`)
	f("quadruple_encoded", `"\"\\\"{}\\\"\""`, `"{}"`)
	f("truncated_object", `{"message":`, `{"message":`)
	f("trailing_garbage", `{"message":"m"} x`, `{"message":"m"} x`)
	f("text", "upstream connect error", "upstream connect error")
	f("invalid_utf8", "{\"message\":\"\xff\xfe\"}", "{\"message\":\"\uFFFD\uFFFD\"}")
	f("invalid_utf8_inside_string", "\"{\\\"message\\\":\\\"\xc3\"}\"", "\"{\\\"message\\\":\\\"\uFFFD\"}\"")
}

// TestNormalizeTruncates checks the MaxRaw bound on Raw and the strings,
// with the cut landing inside a three-byte character.
func TestNormalizeTruncates(t *testing.T) {
	const prefix = `{"message":"`
	msg := strings.Repeat("€", 2000) // 6000 bytes
	body := []byte(prefix + msg + `"}`)
	if (MaxRaw-len(prefix))%3 == 0 {
		t.Fatal("test body must put the cut inside a character")
	}
	env := Normalize(body)
	wantRaw := string(body[:MaxRaw-(MaxRaw-len(prefix))%3])
	if env.Raw != wantRaw {
		t.Errorf("Raw: %d bytes, want the first %d bytes of the body", len(env.Raw), len(wantRaw))
	}
	wantMsg := msg[:MaxRaw-MaxRaw%3]
	if env.Message != wantMsg {
		t.Errorf("Message: %d bytes, want the first %d", len(env.Message), len(wantMsg))
	}
	if env.Shape != ShapeMessageStatus {
		t.Errorf("Shape = %q, want %q", env.Shape, ShapeMessageStatus)
	}

	// A long invalid body: Raw is cut and its invalid bytes replaced.
	bad := bytes.Repeat([]byte("a\xff"), 3000)
	env = Normalize(bad)
	if len(env.Raw) > MaxRaw || !utf8.ValidString(env.Raw) {
		t.Errorf("Raw: %d bytes, valid UTF-8 %v", len(env.Raw), utf8.ValidString(env.Raw))
	}
	if want := strings.Repeat("a\uFFFD", MaxRaw/4); env.Raw != want {
		t.Errorf("Raw = %.40q…, want %.40q…", env.Raw, want)
	}
}

func TestNormalizeFieldLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"error":"validation_error","errors":[`)
	for i := range 100 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"field":"f`)
		b.WriteString(strings.Repeat("x", i))
		b.WriteString(`","message":"bad"}`)
	}
	b.WriteString(`]}`)
	env := Normalize([]byte(b.String()))
	if len(env.Fields) != maxFields {
		t.Fatalf("len(Fields) = %d, want %d", len(env.Fields), maxFields)
	}
	if last := env.Fields[maxFields-1].Field; last != "f"+strings.Repeat("x", maxFields-1) {
		t.Errorf("last field = %q: fields must keep the body's order", last)
	}
}

// TestNormalizeDoesNotAlias checks that an Envelope survives the caller
// reusing its buffer and the Normalizer normalising other bodies.
func TestNormalizeDoesNotAlias(t *testing.T) {
	var n Normalizer
	files := []string{"seed003_invalid_request.json", "moonborn_rate_limited.json", "movmo_not_found.json"}
	var bodies [][]byte
	var got []Envelope
	var want []Envelope
	for _, file := range files {
		body := readTestdata(t, "seeds", file)
		bodies = append(bodies, body)
		want = append(want, Normalize(bytes.Clone(body)))
		got = append(got, n.Normalize(body))
	}
	for i, body := range bodies {
		for j := range body {
			body[j] = 'x'
		}
		n.Normalize(body)
		n.Normalize(jsonString(t, readTestdata(t, "bodies", "problem_aspnet_validation.json")))
		checkEnvelope(t, got[i], want[i])
	}
}

func TestCutUTF8(t *testing.T) {
	f := func(s string, limit, want int) {
		t.Helper()
		t.Run(s, func(t *testing.T) {
			if got := cutUTF8([]byte(s), limit); got != want {
				t.Errorf("cutUTF8(%q, %d) = %d, want %d", s, limit, got, want)
			}
		})
	}
	f("", 4, 0)
	f("abc", 4, 3)
	f("abcd", 4, 4)
	f("abcde", 4, 4)
	f("abé", 3, 2) // é is 2 bytes: keep "ab"
	f("aé", 3, 3)  // fits exactly
	f("a€b", 2, 1) // € is 3 bytes
	f("a€b", 3, 1)
	f("a€b", 4, 4)
	f("😀x", 3, 0) // nothing fits
}

// TestNormalizerShrinks checks that a huge body does not pin its memory in
// a reused Normalizer, and that the Normalizer still works afterwards.
func TestNormalizerShrinks(t *testing.T) {
	var n Normalizer
	big := []byte(`{"message":"` + strings.Repeat("x", 2*keepScratch) + `"}`)
	n.Normalize(jsonString(t, big))
	if cap(n.buf) > keepScratch || cap(n.inner) > keepScratch {
		t.Errorf("scratch kept after a huge body: buf %d, inner %d bytes", cap(n.buf), cap(n.inner))
	}
	body := readTestdata(t, "seeds", "moonborn_rate_limited.json")
	checkEnvelope(t, n.Normalize(body), Normalize(body))
	if got := n.Normalize(body); got.Code != "rate_limited" || got.RetryAfter != 12 {
		t.Errorf("after a huge body: %#v", got)
	}
}
