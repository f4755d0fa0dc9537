package errbody

import (
	"math"

	"github.com/valyala/fastjson"
)

// members are the members of one JSON object that shape detection and
// normalisation look at. Each holds the first occurrence of its key(s) in
// the object's order; nil when absent.
type members struct {
	typ, title, detail, code     *fastjson.Value // RFC 7807, plus a "code" extension
	errorCode, errorV, message   *fastjson.Value
	messageAlt, errorDescription *fastjson.Value // "Message" (AWS), "error_description" (OAuth 2)
	details                      *fastjson.Value
	fields, errors, violations   *fastjson.Value
	invalidParams                *fastjson.Value // "invalid-params", "invalid_params"
	requestID                    *fastjson.Value // request id vocabulary of the product brief
	statusCode, status           *fastjson.Value // "status_code"/"statusCode", "status"
	param, target, moreInfo      *fastjson.Value // Stripe/OpenAI "param", Microsoft "target", Twilio "more_info"
}

func (m *members) collect(o *fastjson.Object) {
	o.Visit(func(k []byte, v *fastjson.Value) {
		var dst **fastjson.Value
		switch string(k) {
		case "type":
			dst = &m.typ
		case "title":
			dst = &m.title
		case "detail":
			dst = &m.detail
		case "code":
			dst = &m.code
		case "errorCode":
			dst = &m.errorCode
		case "error":
			dst = &m.errorV
		case "message":
			dst = &m.message
		case "Message":
			dst = &m.messageAlt
		case "error_description":
			dst = &m.errorDescription
		case "details":
			dst = &m.details
		case "fields":
			dst = &m.fields
		case "errors":
			dst = &m.errors
		case "violations":
			dst = &m.violations
		case "invalid-params", "invalid_params":
			dst = &m.invalidParams
		case "requestId", "request_id", "requestID", "x_request_id", "req_id":
			dst = &m.requestID
		case "status_code", "statusCode":
			dst = &m.statusCode
		case "status":
			dst = &m.status
		case "param":
			dst = &m.param
		case "target":
			dst = &m.target
		case "more_info":
			dst = &m.moreInfo
		}
		if dst != nil && *dst == nil {
			*dst = v
		}
	})
}

// envelope recognises the shape of the object root and fills env and s.
// The precedence is documented on (*Normalizer).Normalize.
func (n *Normalizer) envelope(env *Envelope, s *strs, root *fastjson.Value) {
	var m members
	m.collect(root.GetObject())

	// c is the object holding the error's own members: the "error" object
	// for ShapeErrorObject, the root otherwise.
	c := &m
	switch {
	case isType(m.title, fastjson.TypeString) &&
		(isType(m.typ, fastjson.TypeString) ||
			(m.status != nil && m.errorV == nil && m.errorCode == nil && m.message == nil)):
		env.Shape = ShapeProblem
		n.problem(env, s, &m)
	case isCode(m.errorCode):
		env.Shape = ShapeSuccessErrorCode
		s.code = n.addCode(m.errorCode)
		s.message = n.addString(m.message, m.messageAlt)
	case isType(m.errorV, fastjson.TypeObject):
		env.Shape = ShapeErrorObject
		var e members
		e.collect(m.errorV.GetObject())
		c = &e
		// Google (AIP-193) names the canonical code in "status" beside a
		// numeric "code" (the HTTP status), its legacy APIs in
		// errors[0].reason; OpenAI, Anthropic and Stripe give a "type" and,
		// sometimes, a more specific "code". A numeric code (Twilio-like
		// "1001") is the last resort.
		s.code = n.addCode(googleStatus(e.status), stringCode(e.code), e.typ, legacyReason(e.errors), e.code)
		s.message = n.addString(e.message, e.messageAlt, m.message, m.messageAlt)
		if s.code == (span{}) && s.message == (span{}) {
			s.message = n.addString(e.code, e.typ) // a sentence where the code belongs
		}
	case isType(m.errorV, fastjson.TypeString):
		env.Shape = ShapeErrorString
		s.code = n.addCode(m.errorV)
		s.message = n.addString(m.message, m.messageAlt, m.errorDescription)
		if s.code == (span{}) && s.message == (span{}) {
			s.message = n.addString(m.errorV) // {"error":"Model x is currently loading"}
		}
	case isCode(m.code) && (isType(m.message, fastjson.TypeString) || isType(m.messageAlt, fastjson.TypeString)):
		env.Shape = ShapeCodeMessage
		s.code = n.addCode(m.code)
		s.message = n.addString(m.message, m.messageAlt)
		s.details = n.addString(m.moreInfo)
	case isType(m.message, fastjson.TypeString) || isType(m.messageAlt, fastjson.TypeString):
		env.Shape = ShapeMessageStatus
		s.message = n.addString(m.message, m.messageAlt)
	case firstObject(m.errors) != nil:
		env.Shape = ShapeErrorsArray
		n.errorsArray(env, s, &m)
		s.requestID = n.addString(m.requestID)
		env.RetryAfter = retryAfterIn(root)
		if env.RetryAfter < 0 {
			env.RetryAfter = n.retryAfterInText(s.message, s.details)
		}
		return
	case isType(m.detail, fastjson.TypeString):
		// {"detail":"Not found."}: Django REST framework, FastAPI.
		env.Shape = ShapeMessageStatus
		s.message = n.addString(m.detail)
		env.Status = claimedStatus(m.statusCode, m.status)
		s.requestID = n.addString(m.requestID)
		env.RetryAfter = n.retryAfterInText(s.message)
		if ra := retryAfterIn(root); ra >= 0 {
			env.RetryAfter = ra
		}
		return
	default:
		// Unknown: still say which request it belongs to.
		s.requestID = n.addString(m.requestID)
		env.Status = claimedStatus(m.statusCode, m.status)
		return
	}

	if env.Shape != ShapeProblem {
		n.detailsAndFields(s, c)
		if len(n.fields) == 0 && isType(c.param, fastjson.TypeString) {
			// Stripe and OpenAI name the one offending parameter.
			p, _ := c.param.StringBytes()
			n.appendField(p, n.buf[s.message.off:s.message.end])
		}
		env.Status = claimedStatus(c.statusCode, c.status, m.statusCode, m.status, numericCode(c.code))
	}
	s.requestID = n.addString(m.requestID, c.requestID)

	env.RetryAfter = retryAfterIn(root)
	if env.RetryAfter < 0 {
		env.RetryAfter = n.retryAfterInText(s.message, s.details)
	}
}

// problem fills an RFC 7807 problem: Code from a "code" extension member,
// else derived from "type" (see problemCode); Message from "title", Details
// from "detail", Status from "status", Fields from the "errors",
// "invalid-params" (or "invalid_params"), "violations" or "fields"
// extension members.
func (n *Normalizer) problem(env *Envelope, s *strs, m *members) {
	if isCode(m.code) {
		s.code = n.addCode(m.code)
	} else if isType(m.typ, fastjson.TypeString) {
		t, _ := m.typ.StringBytes()
		if c := problemCode(t); isCodeText(c) {
			s.code = n.add(c)
		}
	}
	s.message = n.addString(m.title)
	s.details = n.addString(m.detail)
	env.Status = claimedStatus(m.status, m.statusCode)
	n.fieldsFromAny(m.errors, m.invalidParams, m.violations, m.fields)
}

// detailsAndFields fills Details and Fields from the members of c:
// "details" is either free text (Details), a list of field errors, or an
// object carrying them under "fields", "errors", "violations" or
// "invalid-params"; without those, c's own "errors", "fields", "violations"
// or "invalid-params" members are used. A "detail" string stands in for a
// missing "details" text.
func (n *Normalizer) detailsAndFields(s *strs, c *members) {
	if c.details != nil {
		switch c.details.Type() {
		case fastjson.TypeString:
			s.details = n.addString(c.details)
		case fastjson.TypeArray:
			n.appendFieldErrors(c.details)
			if r := googleReason(c.details); len(r) > 0 {
				s.details = n.add(r)
			}
		case fastjson.TypeObject:
			var d members
			d.collect(c.details.GetObject())
			n.fieldsFromAny(d.fields, d.errors, d.violations, d.invalidParams)
		}
	}
	if s.details == (span{}) {
		s.details = n.addString(c.detail)
	}
	if len(n.fields) == 0 {
		n.fieldsFromAny(c.errors, c.fields, c.violations, c.invalidParams)
	}
}

// fieldsFromAny appends the field errors of the first of vs that yields any.
func (n *Normalizer) fieldsFromAny(vs ...*fastjson.Value) {
	for _, v := range vs {
		if v == nil {
			continue
		}
		n.appendFieldErrors(v)
		if len(n.fields) > 0 {
			return
		}
	}
}

// addString copies the first of vs that is a string into the arena.
func (n *Normalizer) addString(vs ...*fastjson.Value) span {
	for _, v := range vs {
		if isType(v, fastjson.TypeString) {
			b, _ := v.StringBytes()
			return n.add(b)
		}
	}
	return span{}
}

// addCode copies the first of vs that is an error code into the arena: a
// string that reads as an identifier (see isCodeText) as is, an integer as
// its JSON text. A sentence ("Model x is currently loading") is a message,
// never a code.
func (n *Normalizer) addCode(vs ...*fastjson.Value) span {
	for _, v := range vs {
		switch {
		case isType(v, fastjson.TypeString):
			b, _ := v.StringBytes()
			if isCodeText(b) {
				return n.add(b)
			}
		case isType(v, fastjson.TypeNumber):
			off := len(n.buf)
			n.buf = v.MarshalTo(n.buf)
			if isCodeText(n.buf[off:]) {
				return span{off, len(n.buf)}
			}
			n.buf = n.buf[:off]
		}
	}
	return span{}
}

// maxCodeLen bounds an error code: a longer string is text, not a code.
const maxCodeLen = 100

// isCodeText reports whether b looks like an error code — an identifier
// such as "invalid_request_error", "RESOURCE_EXHAUSTED", "20001",
// "Forbidden.Resource" or "rate-limited" — rather than a sentence: 1 to 100
// bytes of letters, digits and the punctuation codes use (. _ - : /), no
// white space.
func isCodeText(b []byte) bool {
	if len(b) == 0 || len(b) > maxCodeLen {
		return false
	}
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.' || c == '_' || c == '-' || c == ':' || c == '/':
		default:
			return false
		}
	}
	return true
}

// googleStatus returns v when it is a Google canonical status name
// (RESOURCE_EXHAUSTED, INVALID_ARGUMENT: upper-case letters, digits and
// underscores, starting with a letter), else nil. A lower-case "status"
// ("error", "fail") is not a code.
func googleStatus(v *fastjson.Value) *fastjson.Value {
	if !isType(v, fastjson.TypeString) {
		return nil
	}
	b, _ := v.StringBytes()
	if len(b) == 0 || b[0] < 'A' || b[0] > 'Z' {
		return nil
	}
	for _, c := range b {
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return nil
		}
	}
	return v
}

// stringCode returns v when it is a string, else nil: a string code beats
// a type, a numeric code comes last.
func stringCode(v *fastjson.Value) *fastjson.Value {
	if isType(v, fastjson.TypeString) {
		return v
	}
	return nil
}

// legacyReason returns the "reason" of the first item of Google's legacy
// error list ({"errors":[{"domain","reason","message"}]}), or nil.
func legacyReason(errs *fastjson.Value) *fastjson.Value {
	if first := firstObject(errs); first != nil {
		return first.Get("reason")
	}
	return nil
}

// numericCode returns v when it is a number (Google's error.code is the
// HTTP status), else nil.
func numericCode(v *fastjson.Value) *fastjson.Value {
	if isType(v, fastjson.TypeNumber) {
		return v
	}
	return nil
}

// firstObject returns the first item of v when v is an array whose first
// item is an object, else nil.
func firstObject(v *fastjson.Value) *fastjson.Value {
	if !isType(v, fastjson.TypeArray) {
		return nil
	}
	items, _ := v.Array()
	if len(items) == 0 || items[0].Type() != fastjson.TypeObject {
		return nil
	}
	return items[0]
}

// isCode reports whether v can be an error code: a string or a number.
func isCode(v *fastjson.Value) bool {
	return isType(v, fastjson.TypeString) || isType(v, fastjson.TypeNumber)
}

func isType(v *fastjson.Value, t fastjson.Type) bool {
	return v != nil && v.Type() == t
}

// claimedStatus returns the first of vs that is an HTTP status (an integer
// 100–599, as a number or a string of digits), else 0.
func claimedStatus(vs ...*fastjson.Value) uint16 {
	for _, v := range vs {
		if st := statusOf(v); st != 0 {
			return st
		}
	}
	return 0
}

func statusOf(v *fastjson.Value) uint16 {
	if v == nil {
		return 0
	}
	var code int
	switch v.Type() {
	case fastjson.TypeNumber:
		f, err := v.Float64()
		if err != nil || f < 100 || f > 599 || f != math.Trunc(f) {
			return 0
		}
		code = int(f)
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		if len(b) != 3 {
			return 0
		}
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0
			}
			code = code*10 + int(c-'0')
		}
	default:
		return 0
	}
	if code < 100 || code > 599 {
		return 0
	}
	return uint16(code)
}
