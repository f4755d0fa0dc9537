package errbody

import (
	"bytes"
	"slices"
	"strings"

	"github.com/valyala/fastjson"
)

// appendFieldErrors appends the field errors v holds to n.fields:
//
//   - an array of objects, each naming the field by "field", "path",
//     "name", "pointer" (a JSON pointer such as "#/email" or "/email",
//     given without its "#/" or "/"), "param", "parameter", "property" or
//     "target" (Microsoft REST guidelines),
//     and its message by "message", "reason", "detail", "description" or
//     "msg"; a bare string item is a message with no field;
//   - an object mapping field names to a message, a list of messages, or an
//     object with a message (Movmo's fields map, ASP.NET's "errors");
//     these are sorted by field name, messages of one field kept in order.
//
// Objects that name no field (sub-errors with only a code or a message)
// are skipped, as are items naming neither a field nor a message. At most
// maxFields are kept.
func (n *Normalizer) appendFieldErrors(v *fastjson.Value) {
	switch v.Type() {
	case fastjson.TypeArray:
		items, _ := v.Array()
		for _, it := range items {
			n.appendFieldItem(it)
		}
	case fastjson.TypeObject:
		start := len(n.fields)
		v.GetObject().Visit(func(k []byte, fv *fastjson.Value) {
			switch fv.Type() {
			case fastjson.TypeString:
				msg, _ := fv.StringBytes()
				n.appendField(k, msg)
			case fastjson.TypeArray:
				items, _ := fv.Array()
				for _, it := range items {
					if isType(it, fastjson.TypeString) {
						msg, _ := it.StringBytes()
						n.appendField(k, msg)
					} else if isType(it, fastjson.TypeObject) {
						n.appendField(k, firstString(it.GetObject(), messageKeys))
					}
				}
			case fastjson.TypeObject:
				n.appendField(k, firstString(fv.GetObject(), messageKeys))
			}
		})
		slices.SortStableFunc(n.fields[start:], func(a, b fieldSpan) int {
			return bytes.Compare(n.buf[a.field.off:a.field.end], n.buf[b.field.off:b.field.end])
		})
	}
}

// appendFieldItem appends one item of a list of field errors.
func (n *Normalizer) appendFieldItem(v *fastjson.Value) {
	switch v.Type() {
	case fastjson.TypeString:
		msg, _ := v.StringBytes()
		n.appendField(nil, msg)
	case fastjson.TypeObject:
		o := v.GetObject()
		if o.Get("@type") != nil {
			n.appendTypedDetail(o)
			return
		}
		name, key := firstStringKey(o, nameKeys)
		if key == "pointer" {
			name = trimPointer(name)
		}
		if len(name) == 0 {
			// {"code":"conflict1","message":…} (Microsoft details),
			// {"domain","reason","message"} (Google's legacy errors):
			// sub-errors, not errors of a field.
			return
		}
		n.appendField(name, firstString(o, messageKeys))
	}
}

// Keys naming a field error's field and message, in order of preference.
const (
	nameKeys    = "field path name pointer param parameter property target"
	messageKeys = "message reason detail description msg"
)

// firstString returns the value of the first of the space-separated keys
// whose value in o is a string.
func firstString(o *fastjson.Object, keys string) []byte {
	b, _ := firstStringKey(o, keys)
	return b
}

// firstStringKey is firstString that also returns the key it found.
func firstStringKey(o *fastjson.Object, keys string) ([]byte, string) {
	for len(keys) > 0 {
		k, rest, _ := strings.Cut(keys, " ")
		keys = rest
		if v := o.Get(k); isType(v, fastjson.TypeString) {
			b, _ := v.StringBytes()
			return b, k
		}
	}
	return nil, ""
}

// trimPointer turns a JSON pointer ("#/a/b", "/a/b") into a field path
// ("a/b").
func trimPointer(p []byte) []byte {
	if len(p) > 0 && p[0] == '#' {
		p = p[1:]
	}
	if len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	return p
}

// appendField copies one field error into the arena, unless it is empty or
// maxFields are already kept.
func (n *Normalizer) appendField(field, msg []byte) {
	if len(n.fields) >= maxFields || (len(field) == 0 && len(msg) == 0) {
		return
	}
	n.fields = append(n.fields, fieldSpan{field: n.add(field), message: n.add(msg)})
}

// appendTypedDetail reads one of Google's typed error details (AIP-193:
// an object with "@type"). Only google.rpc.BadRequest holds field errors,
// as "fieldViolations": [{"field","description"}]; ErrorInfo, RetryInfo,
// QuotaFailure, Help and the others are not field errors (ErrorInfo's
// reason becomes Details, RetryInfo's retryDelay the retry-after: see
// googleDetails and isRetryKey).
func (n *Normalizer) appendTypedDetail(o *fastjson.Object) {
	fv := o.Get("fieldViolations")
	if !isType(fv, fastjson.TypeArray) {
		return
	}
	items, _ := fv.Array()
	for _, it := range items {
		if it.Type() != fastjson.TypeObject {
			continue
		}
		io := it.GetObject()
		n.appendField(firstString(io, "field"), firstString(io, "description message reason"))
	}
}

// googleReason returns the reason of the first google.rpc.ErrorInfo in a
// list of typed details, or nil.
func googleReason(details *fastjson.Value) []byte {
	items, _ := details.Array()
	for _, it := range items {
		if it.Type() != fastjson.TypeObject {
			continue
		}
		o := it.GetObject()
		t := o.Get("@type")
		if !isType(t, fastjson.TypeString) {
			continue
		}
		if tb, _ := t.StringBytes(); bytes.HasSuffix(tb, []byte("ErrorInfo")) {
			return firstString(o, "reason")
		}
	}
	return nil
}
