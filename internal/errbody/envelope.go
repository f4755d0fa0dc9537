// Package errbody recognises API error bodies — every envelope shape of the
// API products ratescope is built around, plus RFC 7807 problem details —
// and normalises them to one Envelope.
package errbody

// FieldError is one field-level validation error.
type FieldError struct {
	Field   string
	Message string
}

// Envelope is a normalised error body.
type Envelope struct {
	// Shape names the envelope family that matched (see the Shape* constants).
	Shape string
	// Code is the machine-readable error code; empty when the body has none
	// (then Message, Status and Raw still say what is known).
	Code    string
	Message string
	// Details is a free-text detail string when the body has one that is not
	// a list of field errors (Movmo's "details", RFC 7807's "detail").
	Details string
	Fields  []FieldError
	// RetryAfter is the cooldown the body asks for, in seconds; -1 if none.
	RetryAfter int32
	// RequestID is the request id the body carries, if any.
	RequestID string
	// Status is the HTTP status the body claims; 0 if it claims none.
	Status uint16
	// Raw is the body as JSON text (a JSON-string body is unquoted first).
	Raw string
}

// Shapes of envelopes. ShapeUnknown is a JSON value that matched none of
// them: it is kept raw, with an empty Code.
const (
	ShapeMessageStatus    = "message_status"    // {"message","status_code","details"}            (Movmo)
	ShapeErrorString      = "error_string"      // {"error":"code","message","errors":[…],"requestId"} (MoovLogic)
	ShapeErrorObject      = "error_object"      // {"error":{"code","message","details":[…]|{…}}}     (MVMNT, Moonborn)
	ShapeSuccessErrorCode = "success_errorcode" // {"success":false,"errorCode","message","details","requestId"}
	ShapeProblem          = "problem"           // RFC 7807 {"type","title","status","detail","instance"}
	ShapeCodeMessage      = "code_message"      // {"code","message","more_info","status"}             (Twilio)
	ShapeErrorsArray      = "errors_array"      // {"errors":[{"code","title","detail","source"}]}      (JSON:API, GraphQL)
	ShapeUnknown          = "unknown"
)
