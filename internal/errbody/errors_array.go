package errbody

import (
	"bytes"

	"github.com/valyala/fastjson"
)

// errorsArray fills an envelope whose errors come as a list of objects:
//
//   - JSON:API: {"errors":[{"status":"422","code":"…","title":"…","detail":"…",
//     "source":{"pointer":"/data/attributes/email"}}]}
//   - GraphQL: {"errors":[{"message":"…","path":["user","email"],
//     "extensions":{"code":"…"}}],"data":null}
//
// The first error gives the code ("code", else GraphQL's
// "extensions.code"), the message ("message", else "title"), the details
// ("detail") and the status ("status", else "extensions.status"). Every
// error that names a field — JSON:API "source.pointer" (its
// "/data/attributes/" prefix dropped) or "source.parameter", GraphQL
// "path" joined with dots — is a field error with its "detail", else its
// "message", else its "title".
func (n *Normalizer) errorsArray(env *Envelope, s *strs, m *members) {
	first := firstObject(m.errors).GetObject()
	ext := first.Get("extensions")
	var extCode, extStatus *fastjson.Value
	if isType(ext, fastjson.TypeObject) {
		extCode, extStatus = ext.Get("code"), ext.Get("status")
	}
	s.code = n.addCode(first.Get("code"), extCode)
	s.message = n.addString(first.Get("message"), first.Get("title"))
	s.details = n.addString(first.Get("detail"))
	env.Status = claimedStatus(first.Get("status"), extStatus, m.statusCode, m.status)

	items, _ := m.errors.Array()
	for _, it := range items {
		if it.Type() != fastjson.TypeObject {
			continue
		}
		o := it.GetObject()
		off := len(n.buf)
		field := n.errorItemField(o)
		if len(field) == 0 {
			n.buf = n.buf[:off]
			continue
		}
		// The field's text sits at the arena's end: copy the message after
		// it, then record both spans.
		fs := span{off, len(n.buf)}
		msg := firstString(o, "detail message title")
		if len(n.fields) >= maxFields {
			n.buf = n.buf[:off]
			return
		}
		n.fields = append(n.fields, fieldSpan{field: fs, message: n.add(msg)})
	}
}

// errorItemField appends the field one error of an errors list names to the
// arena and returns it (nil when it names none).
func (n *Normalizer) errorItemField(o *fastjson.Object) []byte {
	off := len(n.buf)
	if src := o.Get("source"); isType(src, fastjson.TypeObject) {
		if p := src.Get("pointer"); isType(p, fastjson.TypeString) {
			b, _ := p.StringBytes()
			b = trimPointer(b)
			for _, prefix := range [...]string{"data/attributes/", "data/relationships/"} {
				b = bytes.TrimPrefix(b, []byte(prefix))
			}
			n.buf = append(n.buf, b[:cutUTF8(b, MaxRaw)]...)
			return n.buf[off:]
		}
		if p := src.Get("parameter"); isType(p, fastjson.TypeString) {
			b, _ := p.StringBytes()
			n.buf = append(n.buf, b[:cutUTF8(b, MaxRaw)]...)
			return n.buf[off:]
		}
	}
	if p := o.Get("path"); isType(p, fastjson.TypeArray) {
		parts, _ := p.Array()
		for i, part := range parts {
			if i > 0 {
				n.buf = append(n.buf, '.')
			}
			switch part.Type() {
			case fastjson.TypeString:
				b, _ := part.StringBytes()
				n.buf = append(n.buf, b...)
			case fastjson.TypeNumber:
				n.buf = part.MarshalTo(n.buf)
			}
			if len(n.buf)-off > MaxRaw {
				n.buf = n.buf[:off+cutUTF8(n.buf[off:], MaxRaw)]
				break
			}
		}
		return n.buf[off:]
	}
	return nil
}
